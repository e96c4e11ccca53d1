"""The demo database (ops/demo.py, `manage.py demo_data`, `python3 dev.py demo`): the command refuses any
database whose name does not end in _demo; a small run fills both districts with marked synthetic data and
one account per role whose printed passwords work; and only with the switch on (a demo database) do the
statistics count synthetic facilities and every page carry the banner."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, hash_secret
from facilities import selectors as facility_selectors
from facilities.models import Facility, RoleAssignment
from ops import demo
from planning import selectors as planning_selectors
from reporting.models import EnrolmentReport
from supervision.models import Finding
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
BANNER = "演示数据库：含合成数据"


@pytest.fixture
def demo_name(monkeypatch):
    """Pretend the current (test) database is a demo database: only the name check reads it."""
    monkeypatch.setattr(demo, "database_name", lambda: "tuoyu_demo")


@pytest.mark.parametrize("options", [{}, {"create_database": True}, {"reset": True}])
def test_the_command_refuses_a_database_not_named_demo(options):
    assert not connection.settings_dict["NAME"].endswith("_demo")
    users, facilities = get_user_model().objects.count(), Facility.objects.count()
    with pytest.raises(CommandError, match="不是演示数据库") as raised:
        call_command("demo_data", facilities=3, months=1, stdout=io.StringIO(), **options)
    assert "_demo" in str(raised.value) and "未写入任何数据" in str(raised.value)
    assert get_user_model().objects.count() == users and Facility.objects.count() == facilities


@pytest.mark.parametrize("name", ["tuoyu", "tuoyu_demo_x", "demo", 'x_demo"; DROP', "tuoyu-demo"])
def test_only_a_plain_name_ending_in_demo_passes(name):
    with pytest.raises(demo.DemoError):
        demo.check_database(name)
    assert demo.check_database("tuoyu_demo") == "tuoyu_demo"


def _printed(output: str, username: str) -> str:
    match = re.search(rf"{re.escape(username)}\s+(\S+)", output)
    assert match, output
    return match.group(1)


def test_a_small_demo_fills_both_districts_and_prints_working_passwords(demo_name, daxing, yubei, client):
    real = set(Facility.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("demo_data", facilities=24, months=2, seed=11, stdout=out)
    output = out.getvalue()

    synthetic = Facility.objects.filter(is_synthetic=True)
    assert synthetic.count() == 24
    assert all(f.name.startswith("【合成】") for f in synthetic)
    assert set(synthetic.values_list("district__code", flat=True)) == {"110115", "500112"}
    statuses = set(synthetic.values_list("filing_status", flat=True))
    assert {Facility.FilingStatus.FILED, Facility.FilingStatus.SUBMITTED} <= statuses  # some pending
    assert set(Facility.objects.filter(is_synthetic=False).values_list("pk", flat=True)) == real

    reports = EnrolmentReport.objects.filter(facility__is_synthetic=True)
    assert reports.exists() and not EnrolmentReport.objects.filter(facility__is_synthetic=False).exists()
    assert set(reports.values_list("month", flat=True)) == set(demo._months_back(timezone.localdate(), 2))
    assert all(r.lines.exists() for r in reports)

    findings = Finding.objects.all()
    assert findings.exists() and all(f.facility.is_synthetic for f in findings)
    today = timezone.localdate()
    assert findings.overdue(today).exists()
    assert findings.unresolved().filter(deadline__gte=today).exists()
    assert findings.filter(status=Finding.Status.VERIFIED).exists()

    roles = {
        "demo-city": ("district_official", {"110000", "500000"}),
        "demo-district": ("district_official", {"110115", "500112"}),
        "demo-town": ("town_official", None),
        "demo-operator": ("operator", None),
        "demo-api": ("api_client", {"110115"}),
    }
    for username, (role, regions) in roles.items():
        grants = RoleAssignment.objects.filter(user__username=username)
        assert set(grants.values_list("role", flat=True)) == {role}
        if regions:
            assert set(grants.values_list("region__code", flat=True)) == regions
    operator_facility = RoleAssignment.objects.get(user__username="demo-operator").facility
    assert operator_facility.is_synthetic and operator_facility.filing_status == Facility.FilingStatus.FILED
    for username in ("demo-city", "demo-district", "demo-town", "demo-operator"):
        password = _printed(output, username)
        assert client.login(username=username, password=password), username
    token = _printed(output, "demo-api")
    assert token.startswith(ApiToken.PREFIX)
    assert ApiToken.objects.get(key_hash=hash_secret(token)).user.username == "demo-api"
    assert ApiToken.objects.filter(user__username="demo-api", revoked_at__isnull=True).count() == 1

    # A second run keeps the data and renews the secrets (the old password no longer works).
    first = _printed(output, "demo-district")
    again = io.StringIO()
    call_command("demo_data", facilities=24, months=2, stdout=again)
    assert Facility.objects.filter(is_synthetic=True).count() == 24 and "保留不变" in again.getvalue()
    second = _printed(again.getvalue(), "demo-district")
    assert second != first
    assert not client.login(username="demo-district", password=first)
    assert client.login(username="demo-district", password=second)
    assert ApiToken.objects.filter(user__username="demo-api", revoked_at__isnull=True).count() == 1


@pytest.fixture
def two_facilities(town1):
    """A real filed facility (60 slots) and a synthetic one (40 slots) in Daxing's town 1."""
    FacilityFactory(town=town1, name="兴丰园", filed=True, filing_number="D-1", units=[("older", 3, 20)])
    FacilityFactory(
        town=town1,
        name="【合成】园",
        filed=True,
        filing_number="SYN-1",
        units=[("older", 2, 20)],
        is_synthetic=True,
    )


def _switch(settings, on: bool):
    settings.DEMO_DATABASE = on
    settings.STATISTICS_COUNT_SYNTHETIC = on


@pytest.mark.parametrize("on", [False, True])
def test_the_switch_decides_whether_synthetic_facilities_count(settings, two_facilities, daxing, on):
    _switch(settings, on)
    assert facility_selectors.counts_synthetic() is on
    assert planning_selectors.counts_synthetic() is on
    names = set(
        planning_selectors.counted_facilities().filter(district=daxing).values_list("name", flat=True)
    )
    assert names == ({"兴丰园", "【合成】园"} if on else {"兴丰园"})
    assert planning_selectors.district_progress(daxing, 2025, "plan").totals.actual_slots == (
        100 if on else 60
    )
    filed = planning_selectors.filing_counts(daxing)[Facility.FilingStatus.FILED]
    assert filed == (2 if on else 1)


@pytest.mark.parametrize("on", [False, True])
def test_the_dashboard_counts_them_and_shows_the_banner_only_in_a_demo_database(
    settings, client, daxing_official, two_facilities, on
):
    _switch(settings, on)
    client.force_login(daxing_official)
    page = client.get(reverse("planning:district", args=["110115"]), {"plan": "2025:plan"}).content.decode()
    assert (f'id="kpi-slots">{100 if on else 60}<') in page
    assert (BANNER in page) is on
    assert ("含合成机构（演示数据库" in page) is on and ("只计已备案、运营中的非合成机构" in page) is not on
    login_page = client.get(reverse("login")).content.decode()  # every page, signed in or not
    assert (BANNER in login_page) is on


@pytest.mark.parametrize(("env", "expected"), [({"DEMO": "1"}, "tuoyu_demo"), ({}, "tuoyu")])
def test_demo_1_points_the_settings_at_the_demo_database(env, expected):
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEMO", "DATABASE_OWNER_URL", "DATABASE_REPLICA_URL"}
    }
    environment.update(env, DATABASE_URL="postgres://u@127.0.0.1:5432/tuoyu", DJANGO_SETTINGS_MODULE="")
    environment.pop("DJANGO_SETTINGS_MODULE")
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tuoyu_portal.settings'\n"
        "from django.conf import settings\n"
        "print(settings.DATABASES['default']['NAME'], settings.DEMO_DATABASE,"
        " settings.STATISTICS_COUNT_SYNTHETIC)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    on = str(expected.endswith("_demo"))
    assert result.stdout.split() == [expected, on, on]
