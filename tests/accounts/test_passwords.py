"""Passwords the user did not choose are changed at first sign-in; the password pages wear the portal's look;
the reset page sends a link only when e-mail is configured and otherwise says who resets passwords."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import PasswordChangeRequired, SecurityEvent
from accounts.services import require_password_change
from facilities import services as facility_services
from facilities.models import RoleAssignment
from targets.models import Region
from tests.factories import UserFactory, grant

PASSWORD = "pw-for-tests-only"
NEW_PASSWORD = "a-new-Password-of-my-own-42"

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.1.1.1")


def change_password(client, old):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


class TestMustChangePassword:
    def test_a_flagged_user_is_sent_to_the_password_change_page_until_they_change_it(self, client):
        user = UserFactory(username="zhang")
        require_password_change(user)
        assert sign_in(client, "zhang").status_code == 302
        page = client.get(reverse("registry:list"))
        assert page.status_code == 302 and page["Location"].startswith(reverse("password_change"))
        form = client.get(page["Location"])
        assert form.status_code == 200 and "请先设置只有您自己知道的新密码" in form.content.decode()
        # an API call with the session is refused in the API's error body
        api = client.get("/api/v1/facilities/")
        assert api.status_code == 403 and api.json()["error"]["code"] == "password_change_required"

        assert change_password(client, PASSWORD).status_code == 302
        assert not PasswordChangeRequired.objects.filter(user=user).exists()
        assert client.get(reverse("registry:list")).status_code == 200
        assert SecurityEvent.objects.filter(kind="password_changed", user=user).exists()

    def test_a_token_api_call_is_not_affected(self, client):
        from datetime import timedelta

        from django.utils import timezone

        from accounts.services import token_issue

        user = UserFactory(username="tokenowner")
        require_password_change(user)
        _token, secret = token_issue(
            user=user,
            name="t",
            read_only=True,
            expires_at=timezone.now() + timedelta(days=1),
            created_by=user,
        )
        response = Client().get("/api/v1/facilities/", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code != 403 or "password_change_required" not in response.content.decode()

    def test_an_account_opened_by_a_district_official_must_change_its_generated_password(self, seeded):
        daxing = Region.objects.get(code="110115")
        official = grant(UserFactory(), RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing)
        town = Region.objects.get(code="110115001")
        account, password = facility_services.account_create(
            user=official,
            username="town_new",
            full_name="新镇街",
            role=RoleAssignment.Role.TOWN_OFFICIAL,
            town=town,
        )
        assert PasswordChangeRequired.objects.filter(user=account).exists()
        client = Client()
        assert sign_in(client, "town_new", password).status_code == 302
        assert client.get(reverse("registry:list"))["Location"].startswith(reverse("password_change"))

    def test_the_initial_administrator_must_change_the_printed_password(self, db):
        call_command("ensure_admin", stdout=io.StringIO())
        admin = get_user_model().objects.get(username="admin")
        assert PasswordChangeRequired.objects.filter(user=admin).exists()

    def test_a_password_a_superuser_sets_in_the_admin_must_be_changed(self, client):
        root = UserFactory(username="root_pw", is_staff=True, is_superuser=True)
        victim = UserFactory(username="forgetful")
        client.force_login(root)
        url = reverse("admin:auth_user_password_change", args=[victim.pk])
        response = client.post(
            url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert PasswordChangeRequired.objects.filter(user=victim).exists()
        assert SecurityEvent.objects.filter(kind="password_reset", username="forgetful").exists()
        # not for a password one changes oneself
        assert not PasswordChangeRequired.objects.filter(user=root).exists()

    def test_an_ordinary_user_is_not_redirected(self, client):
        UserFactory(username="plain")
        sign_in(client, "plain")
        assert client.get(reverse("registry:list")).status_code == 200


class TestPasswordPages:
    def test_the_password_change_page_has_the_portal_look_and_the_menu_links_it(self, client):
        client.force_login(UserFactory(username="li"))
        page = client.get(reverse("password_change")).content.decode()
        assert "portal-navbar" in page and "修改密码" in page
        assert f'href="{reverse("password_change")}"' in client.get(reverse("registry:list")).content.decode()

    def test_a_wrong_old_password_changes_nothing(self, client):
        user = UserFactory(username="li")
        client.force_login(user)
        response = change_password(client, "not-the-password")
        assert response.status_code == 200 and "is-invalid" in response.content.decode()
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_without_mail_the_reset_page_offers_no_form_and_says_who_resets(self, client, settings):
        settings.EMAIL_ENABLED = False
        UserFactory(username="li", email="li@example.org")
        page = client.get(reverse("password_reset")).content.decode()
        assert 'name="email"' not in page
        assert "未配置电子邮件" in page and "区级管理员" in page and "系统管理员" in page
        response = client.post(reverse("password_reset"), {"email": "li@example.org"})
        assert response.status_code == 200 and mail.outbox == []

    def test_with_mail_the_reset_link_is_sent_and_sets_a_password_of_ones_own(self, client, settings):
        settings.EMAIL_ENABLED = True
        user = UserFactory(username="li", email="li@example.org")
        require_password_change(user)
        assert 'name="email"' in client.get(reverse("password_reset")).content.decode()
        response = client.post(reverse("password_reset"), {"email": "li@example.org"})
        assert response.status_code == 302 and len(mail.outbox) == 1
        link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
        form = client.get(link, follow=True)
        assert "portal-navbar" in form.content.decode()
        done = client.post(
            form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert done.status_code == 302
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert not PasswordChangeRequired.objects.filter(user=user).exists()
