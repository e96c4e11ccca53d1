"""Officials open accounts below them on the accounts page (/registry/accounts/), never beside, above or
outside their region: a city official (a district official granted on a city) appoints the district officials
of the city's districts; a district official opens town officials and operators of their district only."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import PasswordChangeRequired
from accounts.services import managed_accounts
from core.access import Role
from facilities import services
from facilities.models import RoleAssignment
from targets.models import Region
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def beijing(seeded):
    return Region.objects.get(code="110000")


@pytest.fixture
def beijing_official(beijing):
    return grant(UserFactory(username="beijing_official"), Role.DISTRICT_OFFICIAL, region=beijing)


def client_for(client, user):
    client.force_login(user)
    return client


def post(client, user, data):
    return client_for(client, user).post(reverse("registry:accounts"), data)


class TestCityOfficialAppointsDistrictOfficials:
    def test_a_city_official_opens_a_district_official_of_a_district_of_the_city(
        self, client, beijing_official, daxing
    ):
        response = post(
            client,
            beijing_official,
            {
                "username": "daxing.new",
                "full_name": "王科长",
                "role": "district_official",
                "district": daxing.pk,
            },
        )
        assert response.status_code == 200
        account, password = response.context["created"]
        grant_row = account.roles.get()
        assert (grant_row.role, grant_row.region, grant_row.granted_by) == (
            Role.DISTRICT_OFFICIAL,
            daxing,
            beijing_official,
        )
        assert account.check_password(password)
        assert PasswordChangeRequired.objects.filter(user=account).exists()  # changed at first sign-in
        # the new official appears in the city official's list and may be revoked by them
        page = client.get(reverse("registry:accounts")).content.decode()
        assert "daxing.new" in page and password not in page
        client.post(reverse("registry:accounts"), {"revoke": grant_row.pk})
        assert not account.roles.exists()

    def test_the_page_offers_the_district_role_only_to_officials_with_districts_below_them(
        self, client, beijing_official, daxing_official
    ):
        city_form = client_for(client, beijing_official).get(reverse("registry:accounts")).context["form"]
        assert "district_official" in dict(city_form.fields["role"].choices)
        assert list(city_form.fields["district"].queryset.values_list("code", flat=True)) == ["110115"]
        district_form = client_for(client, daxing_official).get(reverse("registry:accounts")).context["form"]
        assert "district_official" not in dict(district_form.fields["role"].choices)
        assert "district" not in district_form.fields


class TestNoEscalation:
    """Every attempt to open an account beside, above or outside one's region is refused and writes
    nothing; the same refusals hold when the service is called directly (a forged form)."""

    @pytest.mark.parametrize(
        "data",
        [
            {"role": "district_official", "district": "daxing"},  # a peer in one's own district
            {"role": "district_official", "district": "yubei"},  # another district
            {"role": "district_official", "district": "beijing"},  # above: the city
            {"role": "api_client", "district": "daxing"},  # a role the page does not open
            {"role": "superuser"},
            {"role": "town_official", "town": "yubei_town"},  # another district's town
            {"role": "operator", "town": "yubei_town"},  # an invitation to another district's town
        ],
    )
    def test_a_district_official_cannot_open_accounts_beside_above_or_outside(
        self, client, request, daxing_official, beijing, data
    ):
        values = {
            key: (beijing if value == "beijing" else request.getfixturevalue(value)).pk
            if key in ("district", "town")
            else value
            for key, value in data.items()
        }
        count = User.objects.count()
        response = post(client, daxing_official, {"username": "escalated", **values})
        assert response.status_code == 200 and response.context["created"] is None
        assert response.context["form"].errors
        assert User.objects.count() == count
        assert not User.objects.filter(username="escalated").exists()

    def test_the_service_refuses_the_same_attempts(self, daxing_official, daxing, yubei, beijing, yubei_town):
        attempts = [
            {"role": Role.DISTRICT_OFFICIAL, "district": daxing},
            {"role": Role.DISTRICT_OFFICIAL, "district": yubei},
            {"role": Role.DISTRICT_OFFICIAL, "district": beijing},
            {"role": Role.API_CLIENT, "district": daxing},
            {"role": Role.TOWN_OFFICIAL, "town": yubei_town},
            {"role": Role.OPERATOR, "town": yubei_town},
            {"role": Role.OPERATOR},
        ]
        for attempt in attempts:
            with pytest.raises(services.NotAllowed):
                services.account_create(user=daxing_official, username="forged", full_name="", **attempt)
        assert not User.objects.filter(username="forged").exists()

    def test_a_city_official_cannot_appoint_outside_the_city_or_at_the_city(
        self, beijing_official, beijing, yubei
    ):
        for region in (yubei, beijing):
            with pytest.raises(services.NotAllowed):
                services.account_create(
                    user=beijing_official,
                    username="forged",
                    full_name="",
                    role=Role.DISTRICT_OFFICIAL,
                    district=region,
                )

    def test_a_district_official_cannot_revoke_a_peer_or_their_own_grant(
        self, client, daxing_official, beijing_official, daxing
    ):
        peer = grant(UserFactory(username="daxing_peer"), Role.DISTRICT_OFFICIAL, region=daxing)
        for target in (peer.roles.get(), daxing_official.roles.get(), beijing_official.roles.get()):
            assert post(client, daxing_official, {"revoke": target.pk}).status_code == 404
        assert peer.roles.exists() and daxing_official.roles.exists() and beijing_official.roles.exists()

    def test_town_officials_operators_and_roleless_users_have_no_account_page(
        self, client, town1_official, operator_a, nobody
    ):
        for user in (town1_official, operator_a, nobody):
            assert client_for(client, user).get(reverse("registry:accounts")).status_code == 404
            assert post(client, user, {"username": "x", "role": "town_official"}).status_code == 404
        assert not User.objects.filter(username="x").exists()

    def test_one_time_codes_follow_the_same_tree(self, beijing_official, daxing_official, daxing):
        peer = grant(UserFactory(username="daxing_peer"), Role.DISTRICT_OFFICIAL, region=daxing)
        assert managed_accounts(beijing_official).filter(pk=peer.pk).exists()
        assert not managed_accounts(daxing_official).filter(pk=peer.pk).exists()
        assert not managed_accounts(daxing_official).filter(pk=beijing_official.pk).exists()


def test_an_operator_for_a_facility_is_still_opened_with_its_grant(client, daxing_official, facility_a):
    response = post(
        client, daxing_official, {"username": "op.new", "role": "operator", "facility": facility_a.pk}
    )
    account = response.context["created"][0]
    assert RoleAssignment.objects.get(user=account).facility == facility_a
