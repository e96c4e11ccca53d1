"""The subsidy decision page in a real browser, at 1400 and 390 px: the claim beside the registry, the flag on
a claim above it, and the one-click reduction to the registry figure."""

from decimal import Decimal

import pytest

from subsidies.models import Application
from targets.models import Region
from tests.e2e.conftest import shot, show
from tests.factories import ApplicationFactory, ProgramFactory, filed_facility

pytestmark = pytest.mark.django_db(transaction=True)


def test_decision_page_flags_the_claim_and_takes_the_registry_figure(page, chief_base, chief):
    facility = filed_facility(Region.objects.get(code="110115001"), "兴丰核对托育园", listed=False)
    assert facility.indoor_area_m2 == Decimal("300.00")
    program = ProgramFactory(district=facility.district, name="普惠托育机构租金补助（浏览器测试）")
    application = ApplicationFactory(user=chief, facility=facility, program=program, area_m2=Decimal("5000"))
    url = f"{chief_base}/subsidies/applications/{application.pk}/decide/"

    page.set_viewport_size({"width": 1400, "height": 900})
    body = show(page, url)
    assert "超出登记" in body and "5,000" in body
    assert page.locator("#check-area_m2.table-danger").count() == 1
    shot(page, "subsidy-decision-1400")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    # nothing wider than the phone's screen outside the scrolling table
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    shot(page, "subsidy-decision-390")

    page.click("button[name=use_registry][value=area_m2]")
    page.wait_for_load_state()
    assert page.input_value("#id_amount") == "36000.00"
    assert page.is_checked("input[name=decision][value=reduce]")
    shot(page, "subsidy-decision-390-filled")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
