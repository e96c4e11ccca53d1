"""The permission matrix (OWASP ASVS V8.2.1 function-level and V8.2.2 data-level access).

Every URL pattern of the project — taken from the URL resolver, so a new one cannot be missed — is called
with every method it takes (GET and POST for pages and the admin; GET, POST, PUT, PATCH and DELETE for the
API) as each role: anonymous, a read-only API token of district 1, the operators of facilities A and B,
the officials of towns 1 and 2 and of districts 1 and 2, and a superuser. Every id in the URLs belongs to
facility A / town 1 / district 1 (the filing decisions act on facility C, submitted, in town 1 and run by
A's operator), so operator B, town 2 and district 2 can only ever be refused. The API's writes get complete,
valid bodies (urlargs.PAYLOADS), so a refusal comes from the permission check, not from validation.

The roles that follow the region tree (city officials and city API clients of Beijing and Chongqing, and a
token issued under one district's grant of a two-district account: world.TREE_ROLES) are held to the
column of the role they must act like, for every pattern and method, write counters included.

`expectations.EXPECTED` says, per pattern and method, what each role gets: `ok` (past the access check),
`login` (sent to a login page), or the refusing status (401/403/404/405). A pattern missing from it
fails, naming it. Any call that changed a row fails too unless its role is listed as a writer
(PostgreSQL's per-transaction write counters, see matrix.writes). Every response body (pages, API JSON and
CSV, .xlsx exports) is searched for the world's private values (core.privacy): the whole ID number of A's
staff member may appear only where matrix.PRIVATE_ALLOWED says (the staff form), the internal note of the
complaint about A never for an operator, an API client or anyone anonymous.

Speed (about 8,600 calls): one test per URL pattern covering all its methods and roles; one dataset for the
package (conftest.world); each role's client signed in once and reused; one savepoint per test, rolled back
after any call that wrote something (matrix.Isolated), so calls never see each other's work."""

import copy
import json
import os

import pytest
from django.urls import resolve
from django.utils.http import urlencode

from tests.security.expectations import EXPECTED, TOKEN_PAGES
from tests.security.matrix import Isolated, all_patterns, disclosed, disclosure_problems, outcome
from tests.security.urlargs import ARGS, PAYLOADS, admin_kwargs, admin_objects, fill
from tests.security.world import ROLES, TREE_ROLES

pytestmark = pytest.mark.django_db

PATTERNS = all_patterns()
WEB_METHODS = ("GET", "POST")
API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def call(world, role, method, path, payload=None, *, api=False, isolated):
    """One request as `role`; its outcome, the tables a user owns that it changed and the private values it
    showed (matrix.disclosed). The role's client
    keeps its sign-in for the module (signed in once, in world.py): a logout or a new session is undone
    (cookies here, the session row by `isolated`), so it never leaks into the next call."""
    client = world.clients[role]
    cookies = copy.deepcopy(client.cookies)
    if payload is None or method == "GET":
        body, content_type = b"", "application/x-www-form-urlencoded"
    elif api:
        body, content_type = json.dumps(payload), "application/json"
    else:
        body, content_type = urlencode(payload), "application/x-www-form-urlencoded"
    response = client.generic(method, path, data=body, content_type=content_type)
    client.cookies = cookies
    return outcome(response), isolated.after_call(), disclosed(response)


def concrete_path(pattern, world):
    if pattern.is_admin:
        kwargs = admin_kwargs(pattern, world, admin_objects())
        assert kwargs is not None, (
            f"no admin object for {pattern.route}: add its model to urlargs.admin_objects"
        )
    else:
        assert pattern.name in ARGS or ("<" not in pattern.route and "(?P" not in pattern.route), (
            f"no arguments for {pattern.name}: add it to urlargs.ARGS"
        )
        kwargs = ARGS.get(pattern.name, lambda w: {})(world)
    path = fill(pattern.route, kwargs)
    if not pattern.route.endswith((".*)$", "^.*$")):
        assert resolve(path).func == pattern.callback, f"{path} does not resolve to {pattern.name}"
    return path


def test_every_url_pattern_has_an_expectation():
    missing = [p.name for p in PATTERNS if p.name not in EXPECTED]
    assert not missing, f"URL patterns without an entry in tests/security/expectations.py: {missing}"
    gone = sorted(set(EXPECTED) - {p.name for p in PATTERNS} - OPTIONAL)
    assert not gone, f"expectations for URL patterns that no longer exist: {gone}"


# Patterns that exist only in some configurations (static files are served by runserver in DEBUG).
OPTIONAL = {"^static/(?P<path>.*)$"}


# SECURITY_MATRIX_RECORD=<file> writes what each role actually gets instead of checking it: a starting
# point for a new pattern's entry, to be read line by line against the roles before it goes into the table.
RECORD = os.environ.get("SECURITY_MATRIX_RECORD")


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.name for p in PATTERNS])
def test_access(pattern, world):
    if RECORD:
        return record(pattern, world)
    expected = EXPECTED.get(pattern.name)
    if expected is None:
        pytest.fail(
            f"URL pattern {pattern.name} ({pattern.route}) has no entry in tests/security/expectations.py"
        )
    path = concrete_path(pattern, world)
    payload = PAYLOADS.get(pattern.name, lambda w: None)(world)
    methods = API_METHODS if pattern.is_api else WEB_METHODS
    problems = []
    with Isolated() as isolated:
        for method in methods:
            problems += check_method(world, pattern, path, payload, method, expected, isolated)
    assert not problems, "\n".join(problems)


def check_method(world, pattern, path, payload, method, expected, isolated) -> list[str]:
    wanted = expected[method].split()
    assert len(wanted) == len(ROLES), f"{pattern.name} {method}: one outcome per role {ROLES}"
    writers = expected.get(f"{method} writes", "").split()
    problems = []
    for role, want in zip(ROLES, wanted, strict=True):
        if want == "-":
            continue
        got, changed, shown = call(world, role, method, path, payload, api=pattern.is_api, isolated=isolated)
        if got != want:
            problems.append(f"{method} {path} as {role}: expected {want}, got {got}")
        if changed and role not in writers:
            problems.append(f"{method} {path} as {role} ({got}) changed rows in {changed}")
        problems += disclosure_problems(shown, pattern.name, role, method, path)
    by_role = dict(zip(ROLES, wanted, strict=True))
    face = "web" if not pattern.is_api else ("api_get" if method == "GET" else "api_write")
    if pattern.name in TOKEN_PAGES and method == "GET":
        face = "api_get"
    for role, like in TREE_ROLES.items():
        source = like[face]
        want = by_role[source]
        if want == "-":
            continue
        got, changed, shown = call(world, role, method, path, payload, api=pattern.is_api, isolated=isolated)
        if got != want:
            problems.append(f"{method} {path} as {role} (like {source}): expected {want}, got {got}")
        if changed and source not in writers:
            problems.append(f"{method} {path} as {role} ({got}) changed rows in {changed}")
        problems += disclosure_problems(shown, pattern.name, role, method, path)
    return problems


def record(pattern, world):
    path = concrete_path(pattern, world)
    payload = PAYLOADS.get(pattern.name, lambda w: None)(world)
    row = {}
    for method in API_METHODS if pattern.is_api else WEB_METHODS:
        with Isolated() as isolated:
            results = [
                call(world, role, method, path, payload, api=pattern.is_api, isolated=isolated)
                for role in ROLES
            ]
        row[method] = " ".join(got for got, _changed, _shown in results)
        row[f"{method} writes"] = {r: c for r, (g, c, _s) in zip(ROLES, results, strict=True) if c}
    with open(RECORD, "a") as out:
        out.write(json.dumps({"name": pattern.name, "path": path, **row}, ensure_ascii=False) + "\n")
