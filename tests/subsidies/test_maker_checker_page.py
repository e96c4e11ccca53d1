"""Maker-checker on a page: a district's officials turn it on or off at /subsidies/controls/<code>/, every
change is kept in the history, and the payment services follow it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from subsidies import services
from subsidies.models import PaymentControls
from tests.subsidies.conftest import pay

pytestmark = pytest.mark.django_db


def url(district):
    return reverse("subsidies:controls", args=[district.code])


def test_the_district_official_turns_it_on_and_off_with_history(client_as, daxing):
    client = client_as("daxing_official")
    page = client.get(url(daxing)).content.decode()
    assert "未开启" in page
    assert client.post(url(daxing), {"maker_checker": "on"}).status_code == 302
    controls = PaymentControls.objects.get(district=daxing)
    assert controls.maker_checker is True
    client.post(url(daxing), {"version": controls.version})  # unticked: off
    controls.refresh_from_db()
    assert controls.maker_checker is False
    assert [e.maker_checker for e in controls.events.order_by("pgh_id")] == [True, False]
    page = client.get(url(daxing)).content.decode()
    assert 'id="history"' in page


def test_a_stale_form_is_refused(client_as, daxing):
    client = client_as("daxing_official")
    client.post(url(daxing), {"maker_checker": "on"})
    read = PaymentControls.objects.get(district=daxing).version
    client.post(url(daxing), {"version": read})  # off
    response = client.post(url(daxing), {"maker_checker": "on", "version": read})  # an old tab
    assert response.status_code == 200
    assert PaymentControls.objects.get(district=daxing).maker_checker is False


@pytest.mark.parametrize("role", ["operator_a", "town1_official", "yubei_official", "nobody"])
def test_no_one_else_may_open_or_post_it(client_as, daxing, role):
    client = client_as(role)
    assert client.get(url(daxing)).status_code == 404
    assert client.post(url(daxing), {"maker_checker": "on"}).status_code == 404
    assert not PaymentControls.objects.filter(district=daxing).exists()


def test_the_page_setting_stops_the_approver_paying(client_as, users, approved, daxing):
    client_as("daxing_official").post(url(daxing), {"maker_checker": "on"})
    with pytest.raises(services.MakerChecker):
        pay(users["daxing_official"], approved, Decimal("100.00"), "PZ-MC-1")
    entry = pay(users["superuser"], approved, Decimal("100.00"), "PZ-MC-2")  # another official
    with pytest.raises(services.MakerChecker):
        services.payment_reverse(user=users["superuser"], entry=entry, reason="重复")


def test_the_command_uses_the_same_service(daxing):
    from django.core.management import call_command

    call_command("payment_controls", daxing.code, "--maker-checker", "on")
    controls = PaymentControls.objects.get(district=daxing)
    assert controls.maker_checker is True and controls.events.count() == 1
