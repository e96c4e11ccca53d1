"""Keep a local copy of the facilities of your scope in step with the portal (standard library only).

    python3 sync_client.py https://portal.example/ tyt_…            # full sync, then follow the changes
    python3 sync_client.py https://portal.example/ tyt_… state.json # keep the copy and the cursor in a file

The recipe (docs/api.md, "Syncing a copy"):

1. Full sync. Ask `/api/v1/changes/?since=now` for a cursor first, then walk `/api/v1/facilities/?cursor=`
   to the end and keep the full records (those with a `version`: the facilities of your scope).
2. Incremental. Ask `/api/v1/changes/?since=<cursor>` and apply each event: `created`/`updated` → read the
   record at its `url` (a 404 means it has gone meanwhile), `deleted`/`left_scope` → drop it. Keep the
   highest version applied per facility and skip older events. Save `next_cursor`; repeat while `has_more`.

Events between the first cursor and the end of the walk are applied again: harmless, the record is re-read.
Every function takes `fetch(url) -> (status, body)`, so the copy can be driven by any HTTP client (the tests
pass Django's test client).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

Fetch = Callable[[str], tuple[int, object]]
TOMBSTONES = frozenset({"deleted", "left_scope"})


def urllib_fetch(token: str, timeout: float = 30) -> Fetch:
    """A fetch over urllib with the API token: (status, decoded JSON body)."""

    def fetch(url: str) -> tuple[int, object]:
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    return fetch


def get(fetch: Fetch, url: str) -> dict:
    status, body = fetch(url)
    if status != 200:
        raise RuntimeError(f"GET {url}: {status} {body}")
    return body


class Copy:
    """The local copy: records by id, the version applied per id (tombstones included) and the cursor."""

    def __init__(self, base_url: str, fetch: Fetch, state: dict | None = None):
        self.base = base_url.rstrip("/") + "/"
        self.fetch = fetch
        state = state or {}
        self.records: dict[int, dict] = {int(k): v for k, v in state.get("records", {}).items()}
        self.versions: dict[int, int] = {int(k): v for k, v in state.get("versions", {}).items()}
        self.cursor: str | None = state.get("cursor")

    def url(self, path: str, **params) -> str:
        query = urllib.parse.urlencode(params)
        return urllib.parse.urljoin(self.base, path) + (f"?{query}" if query else "")

    def state(self) -> dict:
        return {"records": self.records, "versions": self.versions, "cursor": self.cursor}

    def full_sync(self, page_size: int = 200) -> None:
        """Step 1: a cursor taken before the walk, then every full record of the list."""
        self.cursor = get(self.fetch, self.url("api/v1/changes/", since="now"))["next_cursor"]
        self.records, self.versions = {}, {}
        cursor = ""
        while cursor is not None:
            page = get(self.fetch, self.url("api/v1/facilities/", cursor=cursor, page_size=page_size))
            for row in page["results"]:
                if "version" in row:  # a full record (your scope), not a public directory record
                    self.records[row["id"]] = row
                    self.versions[row["id"]] = row["version"]
            cursor = page["next_cursor"]

    def apply(self, event: dict) -> None:
        if event["type"] != "facility":
            return  # types this copy does not keep
        key, version = event["id"], event.get("version")
        if version is not None and version < self.versions.get(key, 0):
            return  # an older event arriving after a newer one
        if event["kind"] in TOMBSTONES:
            self.records.pop(key, None)
        else:
            status, body = self.fetch(urllib.parse.urljoin(self.base, event["url"]))
            if status == 404:  # gone since; its tombstone follows
                self.records.pop(key, None)
            elif status != 200:
                raise RuntimeError(f"GET {event['url']}: {status} {body}")
            elif "version" in body:
                self.records[key] = body
                version = max(version or 0, body["version"])
            else:  # only its public record is readable now
                self.records.pop(key, None)
        if version is not None:
            self.versions[key] = version

    def incremental(self, page_size: int = 200) -> int:
        """Step 2: apply every event after the saved cursor; the number applied."""
        applied, more = 0, True
        while more:
            page = get(self.fetch, self.url("api/v1/changes/", since=self.cursor or "", page_size=page_size))
            for event in page["results"]:
                self.apply(event)
                applied += 1
            self.cursor, more = page["next_cursor"], page["has_more"]
        return applied


def main(argv: list[str]) -> None:
    base, token, *rest = argv
    path = rest[0] if rest else None
    state = None
    if path:
        try:
            with open(path, encoding="utf-8") as file:
                state = json.load(file)
        except FileNotFoundError:
            state = None
    copy = Copy(base, urllib_fetch(token), state)
    if copy.cursor is None:
        copy.full_sync()
    applied = copy.incremental()
    print(f"{len(copy.records)} facilities, {applied} changes applied")
    if path:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(copy.state(), file, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
