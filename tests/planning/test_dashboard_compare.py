"""The comparison of districts: target completion beside the indicators, and a clean chart label."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from targets.models import Region
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db


def test_the_comparison_has_target_completion_and_a_clean_goal_label(client_as, daxing):
    FacilityFactory(
        town=Region.objects.get(code="110115001"),
        filed=True,
        filed_on=datetime.date(2025, 1, 10),
        units=[("older", 4, 20)],
    )
    response = client_as("daxing_official").get(reverse("planning:compare"), {"year": "2025"})
    table = response.context["table"]
    headers = [str(col.header) for col in table.columns]
    daxing_row = dict(zip(headers, table.rows[0], strict=True))
    assert daxing_row["区县"] == "大兴区"
    assert daxing_row["目标托位"] == 4700  # 2025 高质量发展目标, the first level of the year
    assert daxing_row["托位（登记）"] >= 80  # with the cast's facilities
    assert daxing_row["目标完成率"] == Decimal(daxing_row["托位（登记）"]) / Decimal(4700)
    yubei_row = dict(zip(headers, table.rows[1], strict=True))
    assert yubei_row["目标完成率"] is None  # Yubei has no town targets
    chart = response.context["chart"]
    assert chart["goalLabel"] == "国家目标" and chart["goal"] == 4.5  # the chart adds the value once
