"""Every API operation answers as the schema says, for every kind of token the portal issues: schemathesis
generates requests from /api/schema/ (reads and writes), and each answer must not be a server error, must use
a status code the operation declares and must match the declared body. Bounded (a few cases per operation
and token) so that it runs with the normal suite; the writes happen inside the test's transaction, which is
rolled back at its end, so nothing they change reaches another test.

The anonymous caller's run over the public reads is tests/api/test_schema.py."""

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests import cast
from tests.api.conftest import URLS
from tests.api.test_schema import schema_dict, wsgi_app  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
READS, WRITES = 3, 2  # cases per operation and token kind (a whole run stays within about a minute)

# The token kinds the portal issues (accounts: a token acts with its owner's grants; an API client account's
# statistics token is read-only): (account in the cast, read_only).
TOKENS = {
    "district official": ("daxing_official", False),
    "town official": ("town1_official", False),
    "facility operator": ("operator_a", False),
    "statistics (read-only)": ("api_client", True),
}


def run(schema_dict, wsgi_app, headers, failures, statuses, *, method, examples):  # noqa: F811
    """Every operation of `method` under /api/v1/, `examples` cases each, with CHECKS: the paths it ran.
    What fails is added to `failures` (one line each), so that one run names every mismatch; the status of
    each answer is counted in `statuses`."""
    schema = schemathesis.openapi.from_dict(schema_dict).include(path_regex=r"^/api/v1/", method=method)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            statuses[case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS).status_code] += 1

        try:
            check()
        except Exception as error:  # reported below, with every other operation's
            first = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
            failures.append(f"{method} {operation.path}: {first[:300]}")
    return {operation.path for operation in operations}


def read_records(schema_dict, wsgi_app, headers, failures, statuses):  # noqa: F811
    """Generated ids rarely name a record: each record path (`…/{id}/`) is also read, with CHECKS, for the
    first row its list shows this token."""
    schema = schemathesis.openapi.from_dict(schema_dict).include(path_regex=r"^/api/v1/", method="GET")
    paths = {result.ok().path for result in schema.get_all_operations()}
    read = set()
    for path in sorted(paths):
        head, _, tail = path.rpartition("{id}/")
        if tail or head not in paths or "{" in head:
            continue
        listed = schema[head]["GET"].Case().call(app=wsgi_app, headers=headers)
        rows = listed.json().get("results") if listed.status_code == 200 else None
        if not rows:
            continue
        case = schema[path]["GET"].Case(path_parameters={"id": rows[0]["id"]})
        try:
            statuses[case.call_and_validate(app=wsgi_app, headers=headers, checks=CHECKS).status_code] += 1
            read.add(path)
        except Exception as error:  # reported with the others
            failures.append(f"GET {path} (id {rows[0]['id']}): {str(error).strip().splitlines()[0][:300]}")
    return read


@pytest.fixture
def world(seeded, users, facility_a, facility_b):
    """The cast around facilities A and B (tests/conftest.py)."""
    return users


@pytest.mark.parametrize("kind", TOKENS)
def test_every_operation_conforms_to_the_schema_for_each_kind_of_token(
    kind,
    world,
    schema_dict,  # noqa: F811
    wsgi_app,  # noqa: F811
):
    account, read_only = TOKENS[kind]
    _token, secret = cast.issue_token(world[account], read_only=read_only)
    headers = {"Authorization": f"Bearer {secret}"}
    failures, statuses, writes = [], Counter(), Counter()
    read = run(schema_dict, wsgi_app, headers, failures, statuses, method="GET", examples=READS)
    records = read_records(schema_dict, wsgi_app, headers, failures, statuses)
    assert "/api/v1/facilities/{id}/" in records
    assert {"/api/v1/changes/", "/api/v1/facilities/{id}/", "/api/v1/subsidies/applications/"} <= read
    written = set()
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        written |= run(schema_dict, wsgi_app, headers, failures, writes, method=method, examples=WRITES)
    assert failures == []
    assert statuses[200] and sum(writes.values()) >= len(written)  # records were read, every write was sent
    assert {"/api/v1/facilities/", "/api/v1/pending-changes/{id}/approve/"} <= written
