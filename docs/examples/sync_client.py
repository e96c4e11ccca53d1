"""Keep a local copy of the records of your scope in step with the portal (standard library only): the
facilities, and any other type of the change feed you ask for (`LISTS`).

    python3 sync_client.py https://portal.example/ tyt_…            # full sync, then follow the changes
    python3 sync_client.py https://portal.example/ tyt_… state.json # keep the copy and the cursor in a file

The recipe (docs/api.md, "Syncing a copy"):

1. Full sync. Ask `/api/v1/changes/?since=now` for a cursor first, then walk each kept type's list
   (`/api/v1/facilities/?cursor=`…) to the end and keep the full records (those with a `version`: the
   records of your scope; the facility list also shows public directory records).
2. Incremental. Ask `/api/v1/changes/?since=<cursor>` and apply each event: `created`/`updated` → read the
   record at its `url` (a 404 means it has gone meanwhile), `deleted`/`left_scope` → drop it. Keep the
   highest version applied per record and skip older events; skip the types you do not keep. Save
   `next_cursor`; repeat while `has_more`.

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
# The feed's types and their lists (docs/api.md, "Syncing a copy").
LISTS = {
    "facility": "api/v1/facilities/",
    "fund": "api/v1/subsidies/funds/",
    "period_report": "api/v1/period-reports/",
    "program": "api/v1/subsidies/programs/",
    "project": "api/v1/subsidies/projects/",
}


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
    """The local copy: records by type and id, the version applied per record (tombstones included) and the
    cursor. `types` are the types kept (keys of LISTS)."""

    def __init__(
        self, base_url: str, fetch: Fetch, state: dict | None = None, types: tuple[str, ...] = ("facility",)
    ):
        self.base = base_url.rstrip("/") + "/"
        self.fetch = fetch
        self.types = types
        state = state or {}
        self.records: dict[str, dict[int, dict]] = {
            type_: {int(k): v for k, v in state.get("records", {}).get(type_, {}).items()} for type_ in types
        }
        self.versions: dict[str, dict[int, int]] = {
            type_: {int(k): v for k, v in state.get("versions", {}).get(type_, {}).items()} for type_ in types
        }
        self.cursor: str | None = state.get("cursor")

    def url(self, path: str, **params) -> str:
        query = urllib.parse.urlencode(params)
        return urllib.parse.urljoin(self.base, path) + (f"?{query}" if query else "")

    def state(self) -> dict:
        return {"records": self.records, "versions": self.versions, "cursor": self.cursor}

    def full_sync(self, page_size: int = 200) -> None:
        """Step 1: a cursor taken before the walk, then every full record of the list."""
        self.cursor = get(self.fetch, self.url("api/v1/changes/", since="now"))["next_cursor"]
        for type_ in self.types:
            records, versions = self.records[type_], self.versions[type_]
            records.clear()
            versions.clear()
            cursor = ""
            while cursor is not None:
                page = get(self.fetch, self.url(LISTS[type_], cursor=cursor, page_size=page_size))
                for row in page["results"]:
                    if "version" in row:  # a full record (your scope), not a public directory record
                        records[row["id"]] = row
                        versions[row["id"]] = row["version"]
                cursor = page["next_cursor"]

    def apply(self, event: dict) -> None:
        if event["type"] not in self.types:
            return  # types this copy does not keep (new types may appear in the feed)
        records, versions = self.records[event["type"]], self.versions[event["type"]]
        key, version = event["id"], event.get("version")
        if version is not None and version < versions.get(key, 0):
            return  # an older event arriving after a newer one
        if event["kind"] in TOMBSTONES:
            records.pop(key, None)
        else:
            status, body = self.fetch(urllib.parse.urljoin(self.base, event["url"]))
            if status == 404:  # gone since; its tombstone follows
                records.pop(key, None)
            elif status != 200:
                raise RuntimeError(f"GET {event['url']}: {status} {body}")
            elif "version" in body:
                records[key] = body
                version = max(version or 0, body["version"])
            else:  # only its public record is readable now
                records.pop(key, None)
        if version is not None:
            versions[key] = version

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
    types = tuple(LISTS)  # every type of the feed (a list outside your scope is simply empty)
    state = None
    if path:
        try:
            with open(path, encoding="utf-8") as file:
                state = json.load(file)
        except FileNotFoundError:
            state = None
    copy = Copy(base, urllib_fetch(token), state, types)
    if copy.cursor is None:
        copy.full_sync()
    applied = copy.incremental()
    kept = ", ".join(f"{len(records)} {type_}" for type_, records in copy.records.items())
    print(f"{kept}; {applied} changes applied")
    if path:
        with open(path, "w", encoding="utf-8") as file:
            json.dump(copy.state(), file, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
