from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from facilities.models import RoleAssignment
from targets.models import Region
from tests.factories import UserFactory, grant
from tuoyu_portal.api.throttling import AnonymousRateThrottle, ClientRateThrottle
from tuoyu_portal.models import ApiToken

Role = RoleAssignment.Role
URLS = "tests.api.urls_for_tests"


@pytest.fixture(autouse=True)
def generous_throttles(monkeypatch):
    """Tests make many requests from one address within a minute; DRF reads the rates once, into the
    throttle classes, so they are patched there (the throttling test sets its own tiny ones)."""
    rates = {"client": "100000/min", "anonymous": "100000/min"}
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def daxing(seeded):
    return Region.objects.get(code="110115")


@pytest.fixture
def yubei(seeded):
    return Region.objects.get(code="500112")


@pytest.fixture
def district_official(daxing):
    return grant(UserFactory(username="daxing_official"), Role.DISTRICT_OFFICIAL, region=daxing)


@pytest.fixture
def other_district_official(yubei):
    return grant(UserFactory(username="yubei_official"), Role.DISTRICT_OFFICIAL, region=yubei)


def make_client_account(district, username):
    user = UserFactory(username=username)
    user.set_unusable_password()
    user.save()
    return grant(user, Role.API_CLIENT, region=district)


@pytest.fixture
def daxing_client(daxing):
    return make_client_account(daxing, "daxing_stats")


@pytest.fixture
def yubei_client(yubei):
    return make_client_account(yubei, "yubei_stats")


def issue(user, *, read_only=True, days=30, name="统计系统"):
    return ApiToken.issue(
        user=user,
        name=name,
        read_only=read_only,
        expires_at=timezone.now() + timedelta(days=days),
        created_by=user,
    )
