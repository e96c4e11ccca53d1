"""An operator invited before their facility exists: the account holds no grant and no facility; at the
first sign-in, after choosing a password, every page leads to the registration form, where the operator
registers a draft facility in the invited town only, then linked to the account as its operator grant."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.services import managed_accounts
from core.access import Role
from facilities import services
from facilities.models import ClassTypeRule, Facility, OperatorInvitation, RoleAssignment

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "my-Own-password-2026"


def invite(client, official, town, username="yuan.zhang"):
    client.force_login(official)
    response = client.post(
        reverse("registry:accounts"),
        {"username": username, "full_name": "张园长", "role": "operator", "town": town.pk},
    )
    client.logout()
    return response


def registration(district, town, **changes):
    toddler = ClassTypeRule.objects.get(code="toddler")
    data = {
        "name": "新苗托育园",
        "kind": Facility.Kind.PRIVATE,
        "district": district.pk,
        "town": town.pk,
        "inclusive_slots": 0,
        "units-TOTAL_FORMS": 1,
        "units-INITIAL_FORMS": 0,
        "units-MIN_NUM_FORMS": 0,
        "units-MAX_NUM_FORMS": 10,
        "units-0-class_type": toddler.pk,
        "units-0-classes": 2,
        "units-0-children_per_class": 15,
    }
    data.update(changes)
    return data


def first_sign_in(client, username, password):
    assert client.post(reverse("login"), {"username": username, "password": password}).status_code == 302
    response = client.post(
        reverse("password_change"), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_an_invited_operator_registers_their_facility_at_first_sign_in(
    client, daxing_official, daxing, town1
):
    response = invite(client, daxing_official, town1)
    account, password = response.context["created"]
    assert not RoleAssignment.objects.filter(user=account).exists()  # no facility, no grant yet
    invitation = OperatorInvitation.objects.get(user=account)
    assert (invitation.town, invitation.invited_by, invitation.facility) == (town1, daxing_official, None)
    assert "yuan.zhang" in client_get_accounts(client, daxing_official)

    first_sign_in(client, "yuan.zhang", password)
    # every page leads to the registration form until the facility is registered
    for name in ("registry:list", "targets:home", "registry:requests"):
        page = client.get(reverse(name))
        assert page.status_code == 302 and page["Location"] == reverse("registry:create"), name
    form = client.get(reverse("registry:create"))
    assert form.status_code == 200
    assert list(form.context["form"].fields["town"].queryset) == [town1]
    assert list(form.context["form"].fields["district"].queryset) == [daxing]

    created = client.post(reverse("registry:create"), registration(daxing, town1))
    assert created.status_code == 302, created.context["form"].errors if created.context else created
    facility = Facility.objects.get(name="新苗托育园")
    assert (facility.filing_status, facility.district, facility.town) == ("draft", daxing, town1)
    grant_row = RoleAssignment.objects.get(user=account)
    assert (grant_row.role, grant_row.facility, grant_row.granted_by) == (
        Role.OPERATOR,
        facility,
        daxing_official,
    )
    invitation.refresh_from_db()
    assert invitation.facility == facility and invitation.registered_at is not None
    # the detour ends: the operator now works on their own facility
    assert client.get(reverse("registry:list")).status_code == 200
    assert client.get(reverse("registry:detail", args=[facility.pk])).status_code == 200
    assert client.get(reverse("registry:create")).status_code == 200  # as any operator (REGISTER)


def client_get_accounts(client, official):
    client.force_login(official)
    page = client.get(reverse("registry:accounts")).content.decode()
    client.logout()
    return page


def test_the_invited_operator_registers_only_in_the_invited_town_and_only_once(
    client, daxing_official, daxing, yubei, town1, town2, yubei_town
):
    account, password = invite(client, daxing_official, town1).context["created"]
    first_sign_in(client, "yuan.zhang", password)
    # another town of the district, another district: refused by the form, nothing written
    for district, town in ((daxing, town2), (yubei, yubei_town)):
        response = client.post(reverse("registry:create"), registration(district, town, name="越界托育园"))
        assert response.status_code == 200 and response.context["form"].errors
    assert not Facility.objects.filter(name="越界托育园").exists()
    # the service refuses the same, even with the form bypassed
    account = User.objects.get(username="yuan.zhang")
    with pytest.raises(services.NotAllowed):
        services.facility_create(
            user=account, data={"district": yubei, "town": yubei_town, "name": "越界托育园"}, units=[]
        )
    # the town is the invitation's whatever the data says
    client.post(reverse("registry:create"), registration(daxing, town1))
    assert Facility.objects.get(name="新苗托育园").town == town1
    # registered once: a second registration uses the operator's ordinary grant (their district's towns)
    assert OperatorInvitation.objects.get(user=account).registered_at is not None


def test_an_invitation_lapses_when_its_inviter_no_longer_manages_the_town(
    client, daxing_official, daxing, town1
):
    _account, password = invite(client, daxing_official, town1).context["created"]
    daxing_official.roles.all().delete()
    first_sign_in(client, "yuan.zhang", password)
    response = client.post(reverse("registry:create"), registration(daxing, town1))
    assert response.status_code == 200
    assert "邀请已失效" in response.content.decode()
    assert not Facility.objects.filter(name="新苗托育园").exists()


def test_an_official_withdraws_an_invitation_and_the_account_stops(
    client, daxing_official, yubei_official, town1
):
    account = invite(client, daxing_official, town1).context["created"][0]
    invitation = OperatorInvitation.objects.get(user=account)
    assert managed_accounts(daxing_official).filter(pk=account.pk).exists()  # one-time codes for it
    assert not managed_accounts(yubei_official).filter(pk=account.pk).exists()
    # another district's official: the same 404 as a missing invitation, nothing changes
    client.force_login(yubei_official)
    theirs = client.post(reverse("registry:accounts"), {"action": "withdraw", "invitation": invitation.pk})
    missing = client.post(reverse("registry:accounts"), {"action": "withdraw", "invitation": 987654321})
    assert theirs.status_code == missing.status_code == 404
    assert (
        client.post(reverse("registry:accounts"), {"action": "withdraw", "invitation": "x"}).status_code
        == 404
    )
    assert OperatorInvitation.objects.filter(pk=invitation.pk).exists()
    client.force_login(daxing_official)
    assert (
        client.post(
            reverse("registry:accounts"), {"action": "withdraw", "invitation": invitation.pk}
        ).status_code
        == 302
    )
    account.refresh_from_db()
    assert not account.is_active and not OperatorInvitation.objects.filter(pk=invitation.pk).exists()


def test_an_operator_without_invitation_or_grant_cannot_register(client, nobody, daxing, town1):
    client.force_login(nobody)
    assert client.get(reverse("registry:create")).status_code == 404
    assert client.post(reverse("registry:create"), registration(daxing, town1)).status_code == 404
    assert not Facility.objects.filter(name="新苗托育园").exists()
