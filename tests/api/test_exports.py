"""`?format=csv` / `?format=xlsx` of the API's lists: amounts and counts are numbers a spreadsheet adds up;
only text is neutralised against formulas (core.api.renderers)."""

from decimal import Decimal

import pytest

from subsidies import services
from tests.api import test_subsidies_api as subsidies_api
from tests.helpers import csv_rows, xlsx_sheet

pytestmark = pytest.mark.django_db

LEDGER = "/api/v1/subsidies/ledger/"
# the subsidies API tests' records: A's application approved and 20,000 paid, a Daxing project, …
world = subsidies_api.world
fund, rent_program, facility_y = subsidies_api.fund, subsidies_api.rent_program, subsidies_api.facility_y


@pytest.fixture
def reversed_ledger(world, users):
    """Daxing's fund: a payment of 20,000.00 and its reversal (−20,000.00)."""
    services.payment_reverse(user=users["daxing_official"], entry=world["payment"], reason="错账")
    return world


def test_the_sum_over_the_xlsx_ledger_equals_the_ledger_total(reversed_ledger, client_as):
    api = client_as("superuser")
    params = {"fund": reversed_ledger["fund"].pk, "page_size": 500}
    rows = api.get(LEDGER, params).json()["results"]
    total = sum(Decimal(row["amount"]) for row in rows)
    assert any(Decimal(row["amount"]) < 0 for row in rows)  # a reversal is in it

    sheet = xlsx_sheet(api.get(LEDGER, {**params, "format": "xlsx"}))
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    amounts = [row[header.index("amount")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(amount, int | float | Decimal) for amount in amounts), amounts  # numeric cells
    assert Decimal(str(round(sum(amounts), 2))).quantize(Decimal("0.01")) == total
    ids = [row[header.index("id")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(value, int) for value in ids)


def test_csv_amounts_are_plain_numbers_and_text_is_still_neutralised(reversed_ledger, client_as):
    api = client_as("superuser")
    reversal = next(r for r in api.get(LEDGER, {"kind": "reversal"}).json()["results"])
    rows = csv_rows(api.get(LEDGER, {"kind": "reversal", "format": "csv"}))
    assert rows[0]["amount"] == reversal["amount"] == "-20000.00"  # a number, not '-20000.00
    assert not [value for row in rows for value in row.values() if value.startswith(("=", "+", "@"))]


def test_text_beginning_with_a_formula_sign_is_neutralised(world, client_as, users):
    project = world["project"]
    project.name = "=HYPERLINK(1)"
    project.save()
    rows = csv_rows(client_as("superuser").get("/api/v1/subsidies/projects/", {"format": "csv"}))
    assert "'=HYPERLINK(1)" in [row["name"] for row in rows]
