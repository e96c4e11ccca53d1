"""The one cast of users every test speaks of, and the one vocabulary for their roles.

The roles are the permission matrix's nine (tests/security), in its order:

    anonymous        not signed in
    reader           a read-only API token of Daxing's API client (`api_client`, below)
    operator_a       the operator of facility A (Daxing town 1)
    operator_b       the operator of facility B (Daxing town 2)
    town1_official   the official of Daxing town 1
    town2_official   the official of Daxing town 2
    daxing_official  the official of district 1, Daxing
    yubei_official   the official of district 2, Yubei
    superuser

Two more accounts complete the cast: `api_client` (the reader's account, for tests that sign it in) and
`nobody` (signed in, no role). Usernames are the role names (with a prefix where a second cast must not
clash with the first). The root conftest makes a fixture of each; tests/security/world.py builds its own
cast with the same builders."""

from __future__ import annotations

import datetime

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from facilities.models import RoleAssignment
from tests.factories import UserFactory, grant

Role = RoleAssignment.Role

ROLES = (
    "anonymous",
    "reader",
    "operator_a",
    "operator_b",
    "town1_official",
    "town2_official",
    "daxing_official",
    "yubei_official",
    "superuser",
)
SIGNED_IN = ROLES[2:]  # the roles with a user of their own to sign in


def operator(username, *facilities):
    user = UserFactory(username=username)
    for facility in facilities:
        grant(user, Role.OPERATOR, facility=facility)
    return user


def town_official(username, town):
    return grant(UserFactory(username=username), Role.TOWN_OFFICIAL, region=town)


def district_official(username, district):
    return grant(UserFactory(username=username), Role.DISTRICT_OFFICIAL, region=district)


def api_client_account(username, district):
    """An API client account as the token pages open them: no password, tokens only."""
    user = UserFactory(username=username)
    user.set_unusable_password()
    user.save()
    return grant(user, Role.API_CLIENT, region=district)


def superuser(username="superuser"):
    return UserFactory(username=username, is_superuser=True, is_staff=True)


def issue_token(user, *, read_only=True, days=30, name="统计系统", created_by=None):
    """(token, secret) of a token of `user`, valid for `days`."""
    return ApiToken.issue(
        user=user,
        name=name,
        read_only=read_only,
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=created_by or user,
    )


def build_cast(facility_a, facility_b, *, yubei, prefix=""):
    """Every signed-in role's user, plus `api_client` and `nobody`, by role name: around facilities A and B
    (their towns, town 1 and town 2, and their district, Daxing) and a second district, Yubei."""
    town1, town2, daxing = facility_a.town, facility_b.town, facility_a.district
    return {
        "operator_a": operator(f"{prefix}operator_a", facility_a),
        "operator_b": operator(f"{prefix}operator_b", facility_b),
        "town1_official": town_official(f"{prefix}town1_official", town1),
        "town2_official": town_official(f"{prefix}town2_official", town2),
        "daxing_official": district_official(f"{prefix}daxing_official", daxing),
        "yubei_official": district_official(f"{prefix}yubei_official", yubei),
        "superuser": superuser(f"{prefix}superuser"),
        "api_client": api_client_account(f"{prefix}api_client", daxing),
        "nobody": UserFactory(username=f"{prefix}nobody"),
    }


def signed_in(role, users, *, reader_secret=None, api=False):
    """A test client (DRF's APIClient when `api`) acting as `role`: anonymous, the reader's token, or a
    user of `users` (a role name, `api_client` or `nobody`) signed in without the login form."""
    client = APIClient() if api else Client()
    if role == "reader" and api:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {reader_secret}")
    elif role == "reader":
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {reader_secret}"
    elif role != "anonymous":
        client.force_login(users[role])
    return client
