"""A token carries the scope of the grant it was issued under. An API-client account holding grants in two
districts gets from each district's official a token that reads that district only, and neither official
can see or revoke the other's token."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from facilities.models import RoleAssignment
from tests.api.test_tokens import PAGE, create_token, secret_in
from tests.factories import UserFactory, grant

Role = RoleAssignment.Role


@pytest.fixture
def two_district_client(daxing, yubei):
    account = UserFactory(username="shared_platform")
    account.set_unusable_password()
    account.save()
    grant(account, Role.API_CLIENT, region=daxing)
    return grant(account, Role.API_CLIENT, region=yubei)


def _issued_by(client, official, account):
    client.force_login(official)
    response = create_token(client, owner=str(account.pk), name="共享平台")
    assert response.status_code == 200
    return secret_in(response)


def _full_record_districts(secret):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/facilities/", {"page_size": 200})
    assert response.status_code == 200
    return {row["district"] for row in response.json()["results"] if "version" in row}


def test_each_districts_token_reads_that_district_only(
    client, daxing_official, two_district_client, facility_a, yubei_town
):
    from tests.factories import filed_facility

    filed_facility(yubei_town, "渝北测试托育园")
    secret = _issued_by(client, daxing_official, two_district_client)
    token = ApiToken.objects.get(user=two_district_client)
    assert token.grant.region.code == "110115"
    assert _full_record_districts(secret) == {"110115"}


def test_an_official_neither_sees_nor_revokes_the_other_districts_token(
    client, daxing_official, yubei_official, two_district_client
):
    _issued_by(client, yubei_official, two_district_client)
    yubei_token = ApiToken.objects.get(user=two_district_client)

    client.force_login(daxing_official)
    assert yubei_token.key_prefix not in client.get(PAGE).content.decode()
    assert client.post(f"{PAGE}{yubei_token.pk}/revoke/").status_code == 404
    yubei_token.refresh_from_db()
    assert yubei_token.revoked_at is None

    client.force_login(yubei_official)
    assert yubei_token.key_prefix in client.get(PAGE).content.decode()


def test_an_old_token_without_a_grant_is_managed_only_by_whoever_contains_the_whole_account(
    client, daxing_official, two_district_client, superuser
):
    old = ApiToken.objects.create(
        user=two_district_client,
        name="旧令牌",
        key_prefix="tyt_oldtoken",
        key_hash="0" * 64,
        expires_at="2030-01-01T00:00:00Z",
    )
    client.force_login(daxing_official)
    assert client.post(f"{PAGE}{old.pk}/revoke/").status_code == 404
    client.force_login(superuser)
    assert client.post(f"{PAGE}{old.pk}/revoke/").status_code == 302
