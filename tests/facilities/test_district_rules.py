"""Rules an official can change: national rules stay superusers' (the admin); a district-level setting is set
by the district's own officials on the rules page (/registry/rules/), takes effect at once, keeps its
history, and is read through the one selector (facilities.rules.load_rules and, across districts,
facilities.selectors.with_flags)."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from core.access import Role
from core.errors import NotAllowed
from facilities import rules_services, selectors
from facilities.models import Facility, RuleSetting
from facilities.rules import load_rules
from targets.models import Region
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
KEY = RuleSetting.Key.LEASE_WARNING_DAYS
URL = "registry:rules"


def client_for(client, user):
    client.force_login(user)
    return client


def set_form(district, value, note="", version=""):
    return {
        "action": "set",
        "district": district.pk,
        f"{KEY}-key": KEY,
        f"{KEY}-value": value,
        f"{KEY}-note": note,
        f"{KEY}-version": version,
    }


def lease_ending_in(facility, days):
    today = timezone.localdate()
    Facility.objects.filter(pk=facility.pk).update(
        premises=Facility.Premises.LEASED,
        lease_start=today - datetime.timedelta(days=4 * 365),
        lease_end=today + datetime.timedelta(days=days),
    )


def expiring(facility):
    return selectors.with_flags(Facility.objects.filter(pk=facility.pk)).get().flag_lease_expiring


def test_the_seed_holds_national_values_and_the_districts_starting_value(seeded):
    rules = load_rules()
    assert rules.setting(RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS) == 5
    assert rules.setting(KEY) == 90
    assert not RuleSetting.objects.filter(district__isnull=False).exists()


def test_a_district_official_sets_their_districts_value_and_it_applies_at_once(
    client, daxing_official, daxing, yubei, facility_a
):
    lease_ending_in(facility_a, 120)
    assert not expiring(facility_a)  # 120 days away, the starting value warns from 90
    response = client_for(client, daxing_official).post(reverse(URL), set_form(daxing, "180", "大兴区通知"))
    assert response.status_code == 302
    row = RuleSetting.objects.get(district=daxing, key=KEY)
    assert (row.value, row.note) == (Decimal(180), "大兴区通知")
    assert load_rules(daxing).setting(KEY) == 180 and load_rules(daxing).is_own(KEY)
    assert load_rules(yubei).setting(KEY) == 90 and not load_rules(yubei).is_own(KEY)
    assert load_rules().setting(KEY) == 90  # the national starting value is untouched
    assert expiring(facility_a)  # the registry's flag follows at once
    page = client.get(reverse(URL))
    body = page.content.decode()
    assert "180" in body and "大兴区通知" in body
    assert page.context["history"].paginator.count == 1  # the change is in the page's history


def test_editing_again_checks_the_version_and_clearing_restores_the_starting_value(
    client, daxing_official, daxing
):
    client_for(client, daxing_official).post(reverse(URL), set_form(daxing, "60"))
    row = RuleSetting.objects.get(district=daxing, key=KEY)
    stale = client.post(reverse(URL), set_form(daxing, "30", version=row.version + 5))
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    assert RuleSetting.objects.get(pk=row.pk).value == 60
    assert client.post(reverse(URL), set_form(daxing, "30", version=row.version)).status_code == 302
    row.refresh_from_db()
    assert row.value == 30
    cleared = client.post(
        reverse(URL), {"action": "clear", "district": daxing.pk, "key": KEY, "version": row.version}
    )
    assert cleared.status_code == 302
    assert not RuleSetting.objects.filter(district=daxing).exists()
    assert load_rules(daxing).setting(KEY) == 90
    assert client.get(reverse(URL)).context["history"].paginator.count == 3  # set, changed, cleared


@pytest.mark.parametrize("value", ["-1", "366", "30.5", "abc", ""])
def test_bad_values_are_refused_with_a_message_and_nothing_changes(client, daxing_official, daxing, value):
    response = client_for(client, daxing_official).post(reverse(URL), set_form(daxing, value))
    assert response.status_code == 400
    assert response.context["settings"][0]["form"].errors
    assert not RuleSetting.objects.filter(district=daxing).exists()


def test_national_rules_are_read_only_for_district_officials(client, daxing_official, daxing):
    page = client_for(client, daxing_official).get(reverse(URL))
    national = {r.key for r in page.context["national_rows"]}
    assert RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS in national and KEY not in national
    assert not page.context["may_edit_national"]
    # a forged post for a national key changes nothing
    forged = set_form(daxing, "1")
    forged[f"{KEY}-key"] = RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS
    assert client.post(reverse(URL), forged).status_code == 400
    assert not RuleSetting.objects.filter(
        district=daxing, key=RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS
    ).exists()
    assert load_rules(daxing).setting(RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS) == 5
    with pytest.raises(NotAllowed):
        rules_services.district_rule_set(
            user=daxing_official,
            district=daxing,
            key=RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS,
            value=Decimal(1),
        )
    # and the database refuses a district row of a national key however it is written
    with pytest.raises(IntegrityError):
        RuleSetting.objects.create(district=daxing, key=RuleSetting.Key.MIN_LEASE_YEARS, value=1)


def test_another_districts_settings_are_out_of_reach(client, yubei_official, daxing):
    client_for(client, yubei_official)
    assert client.get(reverse(URL), {"district": daxing.pk}).status_code == 404
    assert client.post(reverse(URL), set_form(daxing, "10")).status_code == 404
    assert not RuleSetting.objects.filter(district=daxing).exists()
    with pytest.raises(NotAllowed):
        rules_services.district_rule_set(user=yubei_official, district=daxing, key=KEY, value=Decimal(10))


def test_only_officials_open_the_page(client, town1_official, operator_a, nobody, api_client):
    for user in (town1_official, operator_a, nobody, api_client):
        assert client_for(client, user).get(reverse(URL)).status_code == 404
    client.logout()
    response = client.get(reverse(URL))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_city_official_sets_each_district_of_the_city(client, daxing, yubei):
    beijing = Region.objects.get(code="110000")
    official = grant(UserFactory(username="beijing_official"), Role.DISTRICT_OFFICIAL, region=beijing)
    page = client_for(client, official).get(reverse(URL))
    assert [d.code for d in page.context["districts"]] == ["110115"]
    assert client.post(reverse(URL), set_form(daxing, "45")).status_code == 302
    assert client.post(reverse(URL), set_form(yubei, "45")).status_code == 404


def test_a_superuser_sees_every_district_and_the_admin_link(client, superuser, yubei):
    page = client_for(client, superuser).get(reverse(URL), {"district": yubei.pk})
    assert page.context["district"] == yubei and page.context["may_edit_national"]
    assert reverse("admin:facilities_rulesetting_changelist") in page.content.decode()


def test_national_rows_are_seeded_with_their_source_and_the_starting_value_without(seeded):
    assert RuleSetting.objects.get(key=RuleSetting.Key.NOTICE_WORKING_DAYS, district=None).source is not None
    assert RuleSetting.objects.get(key=KEY, district=None).source is None
