"""Machinery of the permission matrix: every URL pattern of the project from the resolver, concrete
arguments for each, how a response is read (allowed, sent to log in, 401/403/404/405), and which private
values it shows (`disclosed`, checked against `PRIVATE_ALLOWED`)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.world import INTERNAL_NOTE_MARKER, STAFF_ID_NUMBER

# Tables that a request may write without changing anything a user owns: the session, the cache that
# counts API throttling, the security log (which records refusals), the login-lockout bookkeeping and the
# statistics summary (planning/summary.py: derived rows a statistics read refreshes when they are stale).
DERIVED_TABLES = {
    "planning_slotsummary",
    "planning_targetsummary",
    "planning_summarystate",
    "planning_summarydirty",
}
BOOKKEEPING_TABLES = {"django_session", "tuoyu_cache", "tuoyu_portal_securityevent", *DERIVED_TABLES}
BOOKKEEPING_PREFIXES = ("axes_",)
# Of those, the ones no later call can tell apart from their state before (log lines, throttle counters,
# cached or derived statistics): writing them needs no rollback before the next call. A changed session
# (a logout) or lockout record does.
HARMLESS_TABLES = {"tuoyu_cache", "tuoyu_portal_securityevent", *DERIVED_TABLES}


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route as written in the URL configuration
    name: str  # namespaced name, or the route itself for unnamed patterns
    callback: object

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.route.startswith(("api/", "fhir/"))  # /fhir/: the FHIR face (interop), an API too


def all_patterns() -> list[Pattern]:
    found: list[Pattern] = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace + (f"{p.namespace}:" if p.namespace else "")
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{namespace}{p.name}" if p.name else route
                found.append(Pattern(route, name, p.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def admin_models() -> dict[str, type]:
    """Registered admin models by `app_label.model_name`."""
    return {f"{m._meta.app_label}.{m._meta.model_name}": m for m in admin.site._registry}


_COUNTERS_SQL: str | None = None


def _counters_sql() -> str:
    """Inserted, updated and deleted rows of every user table in this transaction, by table: three look-ups
    per table in the backend's own pending counters (about half the cost of the pg_stat_xact_user_tables
    view, which computes a dozen counters per row). The tables' oids are written into the statement once."""
    global _COUNTERS_SQL
    if _COUNTERS_SQL is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT relid FROM pg_stat_user_tables")
            oids = ",".join(str(int(row[0])) for row in cursor.fetchall())
        _COUNTERS_SQL = f"""
            SELECT c.relname, t.ins, t.upd, t.del
            FROM (
                SELECT oid,
                       pg_stat_get_xact_tuples_inserted(oid) AS ins,
                       pg_stat_get_xact_tuples_updated(oid) AS upd,
                       pg_stat_get_xact_tuples_deleted(oid) AS del
                FROM unnest('{{{oids}}}'::oid[]) AS oid
            ) AS t
            JOIN pg_class AS c ON c.oid = t.oid
            WHERE t.ins + t.upd + t.del > 0
        """
    return _COUNTERS_SQL


def writes() -> dict[str, tuple[int, int, int]]:
    """Rows inserted, updated and deleted so far in this transaction, per table, bookkeeping included
    (PostgreSQL's per-transaction counters, which keep counting work undone by a rolled-back savepoint:
    they only ever grow, so a refused request must not even try)."""
    with connection.cursor() as cursor:
        cursor.execute(_counters_sql())
        return {name: (ins, upd, dele) for name, ins, upd, dele in cursor.fetchall()}


def is_bookkeeping(table: str) -> bool:
    return table in BOOKKEEPING_TABLES or table.startswith(BOOKKEEPING_PREFIXES)


def changed_tables(before: dict, after: dict) -> list[str]:
    """Tables a user owns that changed between two readings of `writes()`."""
    return sorted(name for name in after if after[name] != before.get(name) and not is_bookkeeping(name))


class Isolated:
    """Calls that do not see each other's work, at the price of one savepoint for many calls: after each
    call the write counters are read once (`after`); if anything but a log line or a throttle counter was
    written — or the call left the transaction broken — everything is rolled back to the savepoint (which
    PostgreSQL keeps, so it serves again). At the end everything is rolled back."""

    def __enter__(self):
        self.sid = transaction.savepoint()
        self.counts = writes()
        return self

    def after_call(self) -> list[str]:
        """The tables a user owns that the last call changed (a broken transaction counts as a change)."""
        try:
            after = writes()
        except DatabaseError:
            self.rollback()
            self.counts = writes()
            return ["<the call left the transaction broken>"]
        written = [name for name in after if after[name] != self.counts.get(name)]
        if any(name not in HARMLESS_TABLES for name in written):
            self.rollback()
        changed = changed_tables(self.counts, after)
        self.counts = after
        return changed

    def rollback(self):
        transaction.savepoint_rollback(self.sid)
        connection.needs_rollback = False

    def __exit__(self, *exc):
        self.rollback()
        transaction.savepoint_commit(self.sid)
        return False


LOGIN_PAGES = None


def outcome(response) -> str:
    """`ok` (past the access check: 2xx, 304, a redirect elsewhere than a login page, or a 400/409/422 for
    the empty input the matrix sends), `login` (redirected to a login page), or the refusing status."""
    global LOGIN_PAGES
    if LOGIN_PAGES is None:
        LOGIN_PAGES = (resolve_url(settings.LOGIN_URL), "/admin/login/")
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response["Location"]
        return "login" if location.split("?")[0].endswith(LOGIN_PAGES) else "ok"
    if 200 <= status < 300 or status in (304, 400, 409, 422):
        return "ok"
    return str(status)


# ---------------------------------------------------------------- private values (core.privacy)
# Every response body of every call is searched for the world's private values: the whole ID number of A's
# staff member and the internal note of the complaint about A (ASCII markers, so one byte search covers
# HTML, JSON and CSV; an .xlsx is searched in its inflated XML parts, shared strings included).

PRIVATE_MARKERS = {
    "full ID number": STAFF_ID_NUMBER.encode(),
    "internal note": INTERNAL_NOTE_MARKER.encode(),
}
# Where each may appear: the whole ID number only in the staff form of those who keep A's roster (its
# operator and district 1's official — and the Beijing city official, who acts like them) and in the admin's
# change form for superusers; the internal note for the officials of A's town and district and superusers,
# on any page in their scope — never for an operator, an API client or anyone anonymous.
PRIVATE_ALLOWED = {
    "full ID number": {
        "registry:staff_edit": {"operator_a", "daxing_official", "beijing_official", "superuser"},
        "admin:facilities_staffmember_change": {"superuser"},
    },
    "internal note": {None: {"town1_official", "daxing_official", "beijing_official", "superuser"}},
}


def body(response) -> bytes:
    """A response's bytes (a streamed export read to its end); an .xlsx (a zip) as its inflated XML parts."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            content = b"".join(workbook.read(n) for n in workbook.namelist() if n.endswith((".xml", ".rels")))
    return content


def disclosed(response) -> set[str]:
    """The private values this response shows."""
    content = body(response)
    return {name for name, marker in PRIVATE_MARKERS.items() if marker in content}


def disclosure_problems(shown: set[str], pattern_name: str, role: str, method: str, path: str) -> list[str]:
    problems = []
    for name in sorted(shown):
        allowed = PRIVATE_ALLOWED[name]
        if role not in allowed.get(pattern_name, allowed.get(None, ())):
            problems.append(f"{method} {path} as {role} shows the {name} (core.privacy)")
    return problems
