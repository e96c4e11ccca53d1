"""One-time sign-in codes: issued by a district official for an account they manage (or by e-mail), single
use, short-lived, stored hashed; they pass the user-name lock but not the address lock and require a new
password."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordChangeRequired, SecurityEvent, SignInCode
from accounts.services import sign_in_code_issue
from facilities.models import RoleAssignment
from targets.models import Region
from tests.factories import FacilityFactory, UserFactory, grant

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def world(seeded):
    daxing = Region.objects.get(code="110115")
    yubei = Region.objects.get(code="500112")
    official = grant(
        UserFactory(username="dx_official"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing
    )
    other = grant(UserFactory(username="yb_official"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=yubei)
    facility = FacilityFactory(town=Region.objects.get(code="110115001"))
    operator = grant(UserFactory(username="op_dx"), RoleAssignment.Role.OPERATOR, facility=facility)
    return official, other, operator


def use_code(client, username, code, address="10.3.3.3"):
    return client.post(
        reverse("sign_in_code"),
        {"action": "sign_in", "code-username": username, "code-code": code},
        REMOTE_ADDR=address,
    )


def test_an_official_issues_a_code_for_their_operator_and_it_works_once(client, world):
    official, _other, operator = world
    client.force_login(official)
    page = client.post(reverse("sign_in_code_issue"), {"username": "op_dx"})
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", page.content.decode()).group(0)
    stored = SignInCode.objects.get(user=operator)
    assert code.replace("-", "") not in stored.code_hash  # only the hash is kept
    assert SecurityEvent.objects.filter(kind="sign_in_code_issued", username="op_dx").exists()

    person = Client()
    signed_in = use_code(person, "op_dx", code.lower())
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("password_change")
    assert PasswordChangeRequired.objects.filter(user=operator).exists()
    assert person.get(reverse("registry:list")).status_code == 302  # must change the password first
    assert SecurityEvent.objects.filter(kind="sign_in_code_used", user=operator).exists()
    # single use
    assert "登录码不正确" in use_code(Client(), "op_dx", code).content.decode()


def test_an_official_cannot_issue_a_code_outside_their_district(client, world):
    _official, other, _operator = world
    client.force_login(other)
    page = client.post(reverse("sign_in_code_issue"), {"username": "op_dx"})
    assert page.status_code == 200 and "不归您管理" in page.content.decode()
    assert not SignInCode.objects.exists()
    client.force_login(world[2])  # an operator has no such page
    assert client.get(reverse("sign_in_code_issue")).status_code == 404


def test_an_expired_code_or_another_users_name_does_not_sign_in(world):
    official, _other, operator = world
    code = sign_in_code_issue(user=official, account=operator)
    assert "登录码不正确" in use_code(Client(), "dx_official", code).content.decode()
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "登录码不正确" in use_code(Client(), "op_dx", code).content.decode()


def test_a_new_code_replaces_the_old_one(world):
    official, _other, operator = world
    first = sign_in_code_issue(user=official, account=operator)
    second = sign_in_code_issue(user=official, account=operator)
    assert "登录码不正确" in use_code(Client(), "op_dx", first).content.decode()
    assert use_code(Client(), "op_dx", second).status_code == 302


def test_with_mail_a_user_requests_a_code_by_e_mail(world, settings):
    settings.EMAIL_ENABLED = True
    operator = world[2]
    operator.email = "op@example.org"
    operator.save()
    response = Client().post(reverse("sign_in_code"), {"action": "send", "send-username": "op_dx"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", mail.outbox[0].body).group(0)
    assert use_code(Client(), "op_dx", code).status_code == 302
    # an unknown name gets the same answer and no mail
    assert (
        Client().post(reverse("sign_in_code"), {"action": "send", "send-username": "nobody"}).status_code
        == 302
    )
    assert len(mail.outbox) == 1


def test_without_mail_the_code_page_offers_no_e_mail(client, settings):
    settings.EMAIL_ENABLED = False
    assert 'name="send-username"' not in client.get(reverse("sign_in_code")).content.decode()
