"""API tokens: authentication with `Authorization: Bearer`, the read-only scope, the error body for refused
credentials, throttling, and the token pages under /accounts/tokens/ (create, list, revoke, API-client
accounts), scoped by role and district."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.settings import api_settings

from accounts.models import ApiToken, hash_secret
from core.api.throttling import AnonymousRateThrottle, ClientRateThrottle
from facilities.models import RoleAssignment
from tests import helpers
from tests.api.conftest import URLS, issue, make_client_account
from tests.factories import UserFactory, grant

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]

Role = RoleAssignment.Role
PROBE = "/api/v1/test-write/"
PAGE = "/accounts/tokens/"


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def error_of(response, status, code):
    """The one error body, with this code and a message."""
    error = helpers.error_of(response, status)
    assert error["code"] == code
    assert error["message"]
    return error


# ---------------------------------------------------------------- authentication


def test_bearer_token_authenticates_as_its_user(api, daxing_client):
    token, secret = issue(daxing_client)
    assert token.last_used_at is None
    response = api.get(PROBE, **bearer(secret))
    assert response.status_code == 200
    assert response.json() == {"user": "daxing_stats"}
    token.refresh_from_db()
    assert token.last_used_at is not None
    # the `Token` keyword works too, and public endpoints read the same with a token
    assert api.get(PROBE, HTTP_AUTHORIZATION=f"Token {secret}").json() == {"user": "daxing_stats"}
    assert api.get("/api/v1/targets/", {"district": "110115"}, **bearer(secret)).json()["count"] == 66


def test_only_a_hash_of_the_secret_is_stored(daxing_client):
    token, secret = issue(daxing_client)
    assert secret.startswith("tyt_")
    assert token.key_hash == hash_secret(secret) != secret
    assert token.key_prefix == secret[:12]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in {str(value) for value in stored.values()}


@pytest.mark.parametrize("state", ["expired", "revoked", "inactive user"])
def test_unusable_tokens_are_401(api, daxing_client, state):
    token, secret = issue(daxing_client)
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    else:
        daxing_client.is_active = False
        daxing_client.save()
    response = api.get("/api/v1/regions/", **bearer(secret))
    error_of(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "header", ["Bearer tyt_not-a-real-token", "Bearer", "Bearer two parts", "Token tyt_wrong"]
)
def test_wrong_or_malformed_tokens_are_401(api, daxing_client, header):
    issue(daxing_client)
    error_of(api.get("/api/v1/targets/", HTTP_AUTHORIZATION=header), 401, "authentication_failed")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_only_token_cannot_write(api, daxing_official, method):
    _token, secret = issue(daxing_official, read_only=True)
    assert api.get(PROBE, **bearer(secret)).status_code == 200
    error = error_of(
        getattr(api, method)(PROBE, {"x": 1}, format="json", **bearer(secret)), 403, "permission_denied"
    )
    assert error["message"] == "该令牌为只读令牌，不能修改数据。"


def test_a_read_write_token_may_write_and_anonymous_may_not(api, daxing_official):
    _token, secret = issue(daxing_official, read_only=False)
    assert api.post(PROBE, {"x": 1}, format="json", **bearer(secret)).status_code == 201
    assert api.delete(PROBE, **bearer(secret)).status_code == 204
    error_of(api.post(PROBE, {"x": 1}, format="json"), 401, "not_authenticated")


# ---------------------------------------------------------------- throttling


@pytest.fixture
def tiny_rates(settings, monkeypatch):
    """DRF copies DEFAULT_THROTTLE_RATES into the throttle classes when they are imported: override the
    setting (api_settings reloads on setting_changed) and patch the copy the classes hold."""
    rates = {"client": "3/min", "anonymous": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert rates == api_settings.DEFAULT_THROTTLE_RATES
    monkeypatch.setattr(ClientRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield rates
    cache.clear()


def test_anonymous_clients_are_throttled_with_the_error_body(api, seeded, tiny_rates):
    for _ in range(2):
        assert api.get("/api/v1/regions/").status_code == 200
    response = api.get("/api/v1/regions/")
    error_of(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_tokens_are_throttled_one_by_one(api, daxing_client, tiny_rates):
    _first, secret = issue(daxing_client)
    _second, other = issue(daxing_client, name="另一系统")
    for _ in range(3):
        assert api.get("/api/v1/targets/", **bearer(secret)).status_code == 200
    error_of(api.get("/api/v1/targets/", **bearer(secret)), 429, "throttled")
    assert api.get("/api/v1/targets/", **bearer(other)).status_code == 200
    # anonymous clients count separately from tokens
    assert api.get("/api/v1/targets/").status_code == 200


# ---------------------------------------------------------------- the token page


@pytest.fixture
def operator(operator_a):
    """The operator of facility A (tests/conftest.py's cast)."""
    return operator_a


def create_token(client, **fields):
    data = {"action": "create_token", "token-name": "区统计系统", "token-access": "read_only"}
    data["token-expires_in_days"] = "30"
    data.update({f"token-{key}": value for key, value in fields.items()})
    return client.post(PAGE, data)


def secret_in(response):
    html = response.content.decode()
    marker = 'id="new-token-secret">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_the_page_needs_a_signed_in_user_with_a_role(client, seeded):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(UserFactory(username="nobody"))
    assert client.get(PAGE).status_code == 404
    assert create_token(client).status_code == 404
    assert not ApiToken.objects.exists()


def test_operator_creates_a_token_for_themselves_and_sees_the_secret_once(client, operator):
    client.force_login(operator)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "接口令牌" in html
    assert 'value="90"' in html  # default expiry
    assert 'name="token-owner"' not in html  # operators issue for themselves only
    assert 'name="client-username"' not in html  # and open no API-client accounts

    response = create_token(client, name="机构自查脚本", expires_in_days="30")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = secret_in(response)
    token = ApiToken.objects.get()
    assert (token.user, token.created_by, token.read_only) == (operator, operator, True)
    assert token.key_hash == hash_secret(secret)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)

    again = client.get(PAGE)
    assert secret_in(again) is None
    assert secret not in again.content.decode()
    listed = again.content.decode()
    assert "机构自查脚本" in listed and token.key_prefix in listed and "有效" in listed


def test_operator_may_have_a_read_write_token_but_not_one_for_someone_else(client, operator, daxing_client):
    client.force_login(operator)
    create_token(client, access="read_write", owner=str(daxing_client.pk))
    token = ApiToken.objects.get()
    assert token.user == operator  # the owner field does not exist for them: ignored
    assert token.read_only is False


@pytest.mark.parametrize("days", ["0", "366", "abc"])
def test_expiry_is_between_1_and_365_days(client, operator, days):
    client.force_login(operator)
    response = create_token(client, expires_in_days=days)
    assert response.status_code == 200
    assert secret_in(response) is None
    assert "is-invalid" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_official_opens_an_api_client_account_and_issues_it_a_read_only_token(
    client, api, daxing_official, daxing
):
    client.force_login(daxing_official)
    response = client.post(
        PAGE,
        {
            "action": "create_client",
            "client-username": "daxing-ytj",
            "client-full_name": "区托育一件事平台",
            "client-district": str(daxing.pk),
        },
    )
    assert response.status_code == 302
    account = RoleAssignment.objects.get(role=Role.API_CLIENT, user__username="daxing-ytj").user
    assert not account.has_usable_password()
    assert RoleAssignment.objects.get(user=account).region == daxing
    assert RoleAssignment.objects.get(user=account).granted_by == daxing_official

    refused = create_token(client, owner=str(account.pk), access="read_write")
    assert secret_in(refused) is None
    assert "接口只读用户的令牌只能是只读令牌" in refused.content.decode()

    response = create_token(client, owner=str(account.pk), name="一件事平台")
    secret = secret_in(response)
    token = ApiToken.objects.get()
    assert (token.user, token.created_by, token.read_only) == (account, daxing_official, True)
    assert api.get(PROBE, **bearer(secret)).json() == {"user": "daxing-ytj"}
    error_of(api.post(PROBE, {}, format="json", **bearer(secret)), 403, "permission_denied")

    listed = client.get(PAGE).content.decode()
    assert "daxing-ytj" in listed and "一件事平台" in listed


def test_official_may_hold_a_read_write_token_of_their_own(client, daxing_official):
    client.force_login(daxing_official)
    secret = secret_in(create_token(client, access="read_write"))
    assert secret
    assert ApiToken.objects.get().read_only is False


def test_usernames_are_unique_and_valid(client, daxing_official, daxing, daxing_client):
    client.force_login(daxing_official)
    for username in ["DAXING_STATS", "有 空格"]:
        response = client.post(
            PAGE, {"action": "create_client", "client-username": username, "client-district": str(daxing.pk)}
        )
        assert response.status_code == 200
        assert "is-invalid" in response.content.decode()
    assert RoleAssignment.objects.filter(role=Role.API_CLIENT).count() == 1


def test_official_revokes_own_and_district_client_tokens(client, api, daxing_official, daxing_client):
    own, _ = issue(daxing_official)
    client_token, client_secret = issue(daxing_client)
    client.force_login(daxing_official)
    listed = client.get(PAGE).content.decode()
    assert client_token.key_prefix in listed and own.key_prefix in listed

    for token in (own, client_token):
        response = client.post(f"{PAGE}{token.pk}/revoke/")
        assert response.status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None
    assert "已撤销" in client.get(PAGE).content.decode()
    error_of(api.get("/api/v1/targets/", **bearer(client_secret)), 401, "authentication_failed")
    assert client.get(f"{PAGE}{own.pk}/revoke/").status_code == 405  # revoking is a POST


def test_official_cannot_manage_another_districts_api_clients(
    client, daxing_official, yubei_official, yubei_client, daxing, yubei
):
    yubei_token, _ = issue(yubei_client)
    client.force_login(daxing_official)

    html = client.get(PAGE).content.decode()
    assert "yubei_stats" not in html and yubei_token.key_prefix not in html

    assert client.post(f"{PAGE}{yubei_token.pk}/revoke/").status_code == 404
    yubei_token.refresh_from_db()
    assert yubei_token.revoked_at is None

    response = create_token(client, owner=str(yubei_client.pk))
    assert secret_in(response) is None
    assert not ApiToken.objects.filter(user=yubei_client).exclude(pk=yubei_token.pk).exists()

    response = client.post(
        PAGE, {"action": "create_client", "client-username": "intruder", "client-district": str(yubei.pk)}
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user__username="intruder").exists()

    # Yubei's official manages Yubei's client, and sees nothing of Daxing's
    client.force_login(yubei_official)
    html = client.get(PAGE).content.decode()
    assert "yubei_stats" in html and yubei_token.key_prefix in html
    assert client.post(f"{PAGE}{yubei_token.pk}/revoke/").status_code == 302


def test_nobody_revokes_someone_elses_own_token(client, operator, daxing_official):
    official_token, _ = issue(daxing_official)
    client.force_login(operator)
    assert client.post(f"{PAGE}{official_token.pk}/revoke/").status_code == 404
    assert client.post(f"{PAGE}999999/revoke/").status_code == 404
    # a district official does not manage officials' or operators' tokens either, only API clients'
    operator_token, _ = issue(operator)
    client.force_login(daxing_official)
    assert client.post(f"{PAGE}{operator_token.pk}/revoke/").status_code == 404
    official_token.refresh_from_db()
    operator_token.refresh_from_db()
    assert official_token.revoked_at is None and operator_token.revoked_at is None


def test_operators_cannot_open_api_client_accounts(client, operator, daxing):
    client.force_login(operator)
    response = client.post(
        PAGE, {"action": "create_client", "client-username": "sneaky", "client-district": str(daxing.pk)}
    )
    assert response.status_code == 404
    assert not RoleAssignment.objects.filter(user__username="sneaky").exists()


def test_an_api_client_signed_in_may_only_hold_read_only_tokens(client, daxing_client):
    client.force_login(daxing_client)
    html = client.get(PAGE).content.decode()
    assert 'value="read_write"' not in html
    response = create_token(client, access="read_write")
    assert secret_in(response) is None
    assert secret_in(create_token(client)) is not None
    assert ApiToken.objects.get().read_only is True


def test_superuser_sees_every_districts_client_tokens(client, daxing_client, yubei_client):
    daxing_token, _ = issue(daxing_client)
    yubei_token, _ = issue(yubei_client)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    html = client.get(PAGE).content.decode()
    assert daxing_token.key_prefix in html and yubei_token.key_prefix in html


def test_second_client_in_two_districts_is_listed_once(client, daxing_official, daxing, yubei):
    account = make_client_account(daxing, "both_districts")
    grant(account, Role.API_CLIENT, region=yubei)
    daxing_token, _ = issue(account)
    daxing_token.grant = account.roles.get(region=daxing)
    daxing_token.save()
    issue(account)  # no grant: the account's whole scope, which reaches Yubei too
    client.force_login(daxing_official)
    response = client.get(PAGE)
    assert list(response.context["client_accounts"]) == [account]
    # Only the token issued under the Daxing grant is Daxing's to see (tests/api/test_token_scope.py).
    assert list(response.context["client_tokens"]) == [daxing_token]


def test_a_non_utf8_authorization_header_is_not_a_server_error(client):
    response = client.get(
        "/api/v1/regions/", HTTP_AUTHORIZATION="B\xe9arer x".encode("latin-1").decode("latin-1")
    )
    assert response.status_code < 500


def test_unknown_api_paths_answer_with_the_error_body(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_a_nul_character_in_a_lookup_is_bad_input_not_a_server_error(client):
    response = client.get("/api/v1/stats/slots/", {"district": "110\x00115"})
    assert 400 <= response.status_code < 500
