"""Login lockout (a user name at an address, a user name everywhere, an address for every name; one-time
codes past the user-name lock), the security log (sign-ins, failures, lockouts, denials), the client address
behind proxies and the replica router."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import SecurityEvent
from accounts.security import client_ip
from facilities.models import Facility, RoleAssignment
from targets.models import Region
from tests.factories import FacilityFactory, UserFactory, grant
from tuoyu_portal import routers

Kind = SecurityEvent.Kind
PASSWORD = "pw-for-tests-only"


def events(kind=None):
    queryset = SecurityEvent.objects.order_by("pk")
    return list(queryset.filter(kind=kind) if kind else queryset)


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, follow=False
    )


@pytest.mark.django_db
class TestLoginAndLockout:
    def test_a_good_login_is_logged_with_the_address(self, client):
        user = UserFactory(username="wang")
        response = log_in(client, "wang", PASSWORD)
        assert response.status_code == 302
        [event] = events(Kind.LOGIN)
        assert (event.user, event.username, event.ip_address) == (user, "wang", "10.0.0.1")

    def test_a_wrong_password_is_logged_and_the_form_says_so(self, client):
        UserFactory(username="wang")
        response = log_in(client, "wang", "wrong")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
        [event] = events(Kind.LOGIN_FAILED)
        assert (event.username, event.ip_address, event.path) == ("wang", "10.0.0.1", reverse("login"))

    def test_five_failures_lock_the_name_at_that_address_with_a_chinese_message(self, client, settings):
        UserFactory(username="wang")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert log_in(client, "wang", "wrong").status_code == 200
        locked = log_in(client, "wang", "wrong")
        assert locked.status_code == 429
        assert "登录失败次数过多" in locked.content.decode() and "15 分钟" in locked.content.decode()
        # even the right password is refused while locked, from that address
        again = log_in(client, "wang", PASSWORD)
        assert again.status_code == 429 and "_auth_user_id" not in client.session
        assert len(events(Kind.LOCKED_OUT)) >= 1 and len(events(Kind.LOGIN_FAILED)) >= 5
        # the same person from another address, and another name from the first, still sign in
        assert log_in(Client(), "wang", PASSWORD, address="10.0.0.2").status_code == 302
        UserFactory(username="li")
        assert log_in(Client(), "li", PASSWORD).status_code == 302

    def test_the_lockout_page_is_in_english_on_request(self, client, settings):
        UserFactory(username="wang")
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = log_in(client, "wang", "wrong")
        assert response.status_code == 429
        assert "Too many failed sign-ins" in response.content.decode()

    def test_a_success_before_the_limit_resets_the_count(self, client, settings):
        UserFactory(username="wang")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            log_in(client, "wang", "wrong")
        assert log_in(client, "wang", PASSWORD).status_code == 302
        client.post(reverse("logout"))
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert log_in(Client(), "wang", "wrong").status_code == 200

    def test_ten_failures_for_one_name_from_ten_addresses_lock_the_name_everywhere(self, settings):
        UserFactory(username="wang")
        limit = settings.LOGIN_LOCK_USERNAME_FAILURES
        for n in range(limit - 1):
            assert log_in(Client(), "wang", "wrong", address=f"10.0.1.{n}").status_code == 200
        locked = log_in(Client(), "wang", "wrong", address="10.0.2.1")
        assert locked.status_code == 429
        page = locked.content.decode()
        assert "该账户已暂时锁定" in page and "60 分钟" in page and reverse("sign_in_code") in page
        # the right password from a fresh address is refused too; another name is not
        assert log_in(Client(), "wang", PASSWORD, address="10.0.3.1").status_code == 429
        UserFactory(username="li")
        assert log_in(Client(), "li", PASSWORD, address="10.0.3.1").status_code == 302
        assert events(Kind.LOCKED_OUT)[0].reason == "lock: username"

    def test_twenty_failures_from_one_address_across_names_lock_the_address(self, settings):
        UserFactory(username="wang")
        limit = settings.LOGIN_LOCK_ADDRESS_FAILURES
        for n in range(limit - 1):
            assert log_in(Client(), f"guess{n}", "wrong", address="10.0.9.9").status_code == 200
        locked = log_in(Client(), "guess-last", "wrong", address="10.0.9.9")
        assert locked.status_code == 429
        page = locked.content.decode()
        assert "此网络地址已暂时锁定" in page and reverse("sign_in_code") not in page
        # every name from that address is refused, even with its password; the name elsewhere signs in
        assert log_in(Client(), "wang", PASSWORD, address="10.0.9.9").status_code == 429
        assert log_in(Client(), "wang", PASSWORD, address="10.0.9.10").status_code == 302

    def test_a_locked_user_signs_in_with_a_one_time_code_but_not_from_a_locked_address(self, settings):
        from accounts.models import PasswordChangeRequired
        from accounts.services import sign_in_code_issue

        user = UserFactory(username="wang")
        for n in range(settings.LOGIN_LOCK_USERNAME_FAILURES):
            log_in(Client(), "wang", "wrong", address=f"10.0.1.{n}")
        assert log_in(Client(), "wang", PASSWORD, address="10.0.5.5").status_code == 429
        root = UserFactory(username="root_codes", is_superuser=True)
        code = sign_in_code_issue(user=root, account=user)
        person = Client()
        signed_in = person.post(
            reverse("sign_in_code"),
            {"action": "sign_in", "code-username": "wang", "code-code": code},
            REMOTE_ADDR="10.0.5.5",
        )
        assert signed_in.status_code == 302 and person.session["_auth_user_id"] == str(user.pk)
        assert PasswordChangeRequired.objects.filter(user=user).exists()
        assert [e.kind for e in events() if e.kind.startswith("sign_in_code")] == [
            "sign_in_code_issued",
            "sign_in_code_used",
        ]
        # a code does not pass the address lock
        for n in range(settings.LOGIN_LOCK_ADDRESS_FAILURES):
            log_in(Client(), f"guess{n}", "wrong", address="10.0.9.9")
        other = sign_in_code_issue(user=root, account=user)
        refused = Client().post(
            reverse("sign_in_code"),
            {"action": "sign_in", "code-username": "wang", "code-code": other},
            REMOTE_ADDR="10.0.9.9",
        )
        assert refused.status_code == 429

    def test_after_the_cool_off_sign_in_works_again(self, settings):
        from datetime import timedelta

        from axes.models import AccessAttempt

        from accounts.models import LoginFailure

        UserFactory(username="wang")
        for n in range(settings.LOGIN_LOCK_USERNAME_FAILURES):
            log_in(Client(), "wang", "wrong", address=f"10.0.1.{n}")
        for _ in range(settings.LOGIN_LOCK_ADDRESS_FAILURES):
            log_in(Client(), "someone", "wrong", address="10.0.1.0")
        assert log_in(Client(), "wang", PASSWORD, address="10.0.1.0").status_code == 429
        # knocking while locked does not prolong the lock (refused attempts are not counted)
        count = LoginFailure.objects.count()
        log_in(Client(), "wang", "wrong", address="10.0.1.0")
        assert LoginFailure.objects.count() == count
        # an hour later (the longest cool-off) every lock has lifted
        later = timedelta(minutes=settings.LOGIN_LOCK_USERNAME_MINUTES, seconds=1)
        for failure in LoginFailure.objects.all():
            LoginFailure.objects.filter(pk=failure.pk).update(at=failure.at - later)
        for attempt in AccessAttempt.objects.all():
            AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - later)
        assert log_in(Client(), "wang", PASSWORD, address="10.0.1.0").status_code == 302

    def test_the_user_name_lock_page_tells_the_truth_in_english(self, settings):
        UserFactory(username="wang")
        for n in range(settings.LOGIN_LOCK_USERNAME_FAILURES):
            client = Client()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            response = log_in(client, "wang", "wrong", address=f"10.0.1.{n}")
        assert response.status_code == 429
        page = response.content.decode()
        assert "Too many failed sign-ins" in page and "60 minutes" in page and "one-time code" in page

    def test_authenticate_without_a_request_still_works(self):
        """The shell and commands check passwords without a request; there is no client to lock out."""
        from django.contrib.auth import authenticate

        user = UserFactory(username="wang")
        assert authenticate(username="wang", password=PASSWORD) == user

    def test_logout_is_logged(self, client):
        user = UserFactory(username="wang")
        client.force_login(user)
        client.post(reverse("logout"))
        assert [e.kind for e in events()] == [Kind.LOGIN, Kind.LOGOUT]


@pytest.mark.django_db
class TestDenials:
    @pytest.fixture
    def two_facilities(self, seeded):
        a = FacilityFactory(town=Region.objects.get(code="110115001"), name="甲园")
        b = FacilityFactory(town=Region.objects.get(code="500112023"), name="乙园")
        return a, b

    def test_an_object_outside_the_scope_answers_404_and_is_logged_as_a_denial(self, client, two_facilities):
        a, b = two_facilities
        operator = grant(UserFactory(username="op_a"), RoleAssignment.Role.OPERATOR, facility=a)
        client.force_login(operator)
        assert client.get(reverse("registry:detail", args=[a.pk])).status_code == 200
        assert client.get(reverse("registry:detail", args=[b.pk])).status_code == 404
        [event] = events(Kind.DENIED)
        assert (event.user, event.status, event.path) == (
            operator,
            404,
            reverse("registry:detail", args=[b.pk]),
        )
        assert event.reason.startswith("scope")

    def test_a_404_from_the_kernel_scoping_is_classified_as_a_denial(self, two_facilities):
        from django.http import Http404

        from accounts.security import scope_denial
        from core import access

        a, b = two_facilities
        operator = grant(UserFactory(username="op_a"), RoleAssignment.Role.OPERATOR, facility=a)
        with pytest.raises(Http404) as outside:
            access.object_or_404(operator, Facility, pk=b.pk)
        assert scope_denial(outside.value) == "scope: facilities.Facility"
        with pytest.raises(Http404) as missing:
            access.object_or_404(operator, Facility, pk=b.pk + 1000)
        assert scope_denial(missing.value) == ""

    def test_an_object_that_does_not_exist_is_a_plain_404_not_a_denial(self, client, two_facilities):
        client.force_login(UserFactory(username="someone"))
        missing = (Facility.objects.order_by("-pk").first().pk or 0) + 1000
        assert client.get(reverse("registry:detail", args=[missing])).status_code == 404
        assert events(Kind.DENIED) == []

    def test_scoped_get_object_or_404_in_the_api_is_a_denial(self, client, two_facilities):
        a, b = two_facilities
        official = grant(
            UserFactory(username="daxing"), RoleAssignment.Role.DISTRICT_OFFICIAL, region=a.district
        )
        client.force_login(official)
        assert client.get(f"/api/v1/facilities/{a.pk}/").status_code == 200
        assert client.get(f"/api/v1/facilities/{b.pk}/").status_code == 404
        assert client.get("/api/v1/facilities/99999999/").status_code == 404
        [event] = events(Kind.DENIED)
        assert event.path == f"/api/v1/facilities/{b.pk}/" and event.user == official

    def test_a_403_is_a_denial(self, seeded):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("login"), {"username": "x", "password": "y"}, REMOTE_ADDR="10.9.9.9")
        assert response.status_code == 403
        [event] = events(Kind.DENIED)
        assert (event.status, event.ip_address, event.method) == (403, "10.9.9.9", "POST")

    def test_the_security_log_is_read_only_in_the_admin(self, client, seeded):
        admin = get_user_model().objects.create_superuser("root_audit", password="x-long-password-1")
        client.force_login(admin)
        assert client.get(reverse("admin:accounts_securityevent_changelist")).status_code == 200
        assert client.get(reverse("admin:accounts_securityevent_add")).status_code == 403


class TestClientAddress:
    def test_behind_proxies_the_address_the_outer_proxy_saw(self, settings):
        request = RequestFactory().get(
            "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
        )
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(request) == "10.0.0.5"  # a client-written header is not trusted by default
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(request) == "203.0.113.9"
        settings.TRUSTED_PROXY_COUNT = 2
        assert client_ip(request) == "1.2.3.4"

    def test_garbage_is_no_address(self):
        assert client_ip(RequestFactory().get("/", REMOTE_ADDR="not-an-ip")) is None


class TestReplicaRouter:
    @pytest.fixture
    def replica(self, settings):
        settings.DATABASES = {**settings.DATABASES, "replica": {**settings.DATABASES["default"]}}

    def test_without_a_replica_everything_reads_the_primary(self):
        router = routers.ReplicaRouter()
        with routers.replica_reads():
            assert router.db_for_read(Facility) == "default"

    def test_statistics_reads_go_to_the_replica_only_when_asked(self, replica):
        router = routers.ReplicaRouter()
        assert router.db_for_read(Facility) == "default"
        with routers.replica_reads():
            assert router.db_for_read(Facility) == "replica"
            assert router.db_for_read(Region) == "replica"
            # sign-in state, tokens, lockouts and the security log are always read where they are written
            assert router.db_for_read(get_user_model()) == "default"
            assert router.db_for_read(SecurityEvent) == "default"
            assert router.db_for_write(Facility) == "default"
        assert router.allow_migrate("replica", "facilities") is False
        assert router.allow_migrate("default", "facilities") is True

    def test_the_middleware_marks_only_safe_requests_to_statistics_paths(self, replica):
        seen = {}

        def view(request):
            seen[request.method, request.path] = routers._replica_ok.get()
            from django.http import HttpResponse

            return HttpResponse()

        middleware = routers.ReplicaReadsMiddleware(view)
        factory = RequestFactory()
        middleware(factory.get("/api/v1/stats/slots/"))
        middleware(factory.get("/planning/districts/110115/"))
        middleware(factory.get("/planning/districts/110115/demand/"))
        middleware(factory.post("/api/v1/stats/slots/"))
        middleware(factory.get("/registry/"))
        assert seen == {
            ("GET", "/api/v1/stats/slots/"): True,
            ("GET", "/planning/districts/110115/"): True,
            ("GET", "/planning/districts/110115/demand/"): False,
            ("POST", "/api/v1/stats/slots/"): False,
            ("GET", "/registry/"): False,
        }


@pytest.mark.django_db
def test_only_superusers_read_the_security_log_in_the_admin(seeded):
    from django.contrib.auth.models import Permission

    SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="someone")
    daxing = Region.objects.get(code="110115")
    staff = grant(
        UserFactory(username="staff_dx", is_staff=True), RoleAssignment.Role.DISTRICT_OFFICIAL, region=daxing
    )
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="accounts"))
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:accounts_securityevent_changelist")).status_code == 403
    root = UserFactory(username="root_log", is_staff=True, is_superuser=True)
    client.force_login(root)
    assert client.get(reverse("admin:accounts_securityevent_changelist")).status_code == 200
