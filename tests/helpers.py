"""Assertions the API tests share: the one error body, the ids of a list page, downloads, who reads what,
what each role's write answers, the cost of a list page, and that a page loads nothing from elsewhere."""

import csv
import io
import re

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests import cast

# the API tests leave out town 2's official, who mirrors town 1's
API_ROLES = [role for role in cast.ROLES if role != "town2_official"]


def error_of(response, status):
    """The API's one error body, checked; its `error` member."""
    assert response.status_code == status, response.content
    body = response.json()
    members = {"status", "code", "message", "fields"}
    if status == 409 and "current_version" in body.get("error", {}):  # a stale version says what changed
        members |= {"current_version", "changes"}
    assert set(body) == {"error"} and set(body["error"]) == members
    assert body["error"]["status"] == status
    return body["error"]


def ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def csv_rows(response):
    """The rows of a CSV download (UTF-8 with a BOM, for Excel), as dicts."""
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_sheet(response):
    """The first sheet of an .xlsx download."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def bearer_client(secret):
    """DRF's APIClient sending a token."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return api


def assert_reads_its_scope(api, role, scope):
    """`scope`: name -> (list URL, record, the roles that read it). Those roles find the record in the list
    and read its detail; anyone else finds it absent and gets 404 (anonymous: 401 to both)."""
    for name, (url, record, readers) in scope.items():
        listed = api.get(url, {"page_size": 500})
        detail = api.get(f"{url}{record.pk}/")
        if role == "anonymous":
            assert error_of(listed, 401)["code"] == "not_authenticated"
            assert error_of(detail, 401)["code"] == "not_authenticated"
        elif role in readers:
            assert record.pk in ids(listed), (name, role)
            assert detail.status_code == 200 and detail.json()["id"] == record.pk
        else:
            assert record.pk not in ids(listed), (name, role)
            assert error_of(detail, 404)["code"] == "not_found", (name, role)


def write_statuses(ok, **others):
    """A write endpoint's answer by role: 401 anonymous and 403 the read-only token everywhere, `ok` for
    every signed-in role not named in `others`."""
    return {"anonymous": 401, "reader": 403, **dict.fromkeys(API_ROLES[2:], ok), **others}


def refused(response, status, ok=200, *, role=None):
    """The error of a refused write (checked against `status`), or None when `status` is `ok` and the
    response is it. Given the `role`, a 403 to a signed-in user must come from the service (`not_allowed`)
    rather than from the read-only token's permission check."""
    if status == ok:
        assert response.status_code == ok, response.content
        return None
    error = error_of(response, status)
    if role is not None and status == 403 and role != "reader":
        assert error["code"] == "not_allowed"
    return error


def assert_page_cost_is_constant(api, url, budget):
    """Pages of 5 and of 100 rows cost the same number of queries, at most `budget`. The first request is
    left out: sessions, token last-use and similar first-request writes happen there."""
    api.get(url)
    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= budget, counts


ASSET_ADDRESS = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=["']([^"']*)["']""", re.I)


def off_site_assets(html: str) -> list[str]:
    """Scripts, styles, images and frames the page would load from another host (the portal runs on an
    intranet: everything comes from static/). Reads the addresses, not the text, so a random token that
    happens to spell "cdn" is not a finding."""
    return [url for url in ASSET_ADDRESS.findall(html) if re.match(r"(?i)^(?:[a-z][a-z0-9+.-]*:)?//", url)]
