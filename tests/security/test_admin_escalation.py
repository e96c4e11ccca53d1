"""Nobody but a superuser gains or hands out privileges through the admin.

Every non-superuser who can hold a role — the operators, the town, district and city officials and the API
client's account — is made staff with every permission Django has (the worst a careless superuser could
do). Each of them then posts every registered admin model's change form with valid data: the form as the
role itself sees it when it may open it, otherwise the form as a superuser sees it, and in both cases with
`is_superuser`, `is_staff`, every group and every permission added, as a browser that edits the HTML would
send them. Their own account's change form and the superuser's are posted the same way. After each post the
privilege state — superuser and staff flags of every account, group memberships, user and group permissions,
role grants and API tokens — must be what it was.

The district official's own forms are real, valid forms: each change form they may open saves (302)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import SecurityEvent
from tests.security.matrix import Isolated, admin_models
from tests.security.test_admin_scoping import OWNED, objects
from tests.security.urlargs import admin_objects
from tests.security.world import module_savepoint

pytestmark = pytest.mark.django_db
User = get_user_model()

ROLES = (
    "operator_a",
    "town1_official",
    "daxing_official",
    "beijing_official",
    "api_client",
)
PRIVILEGE_SQL = """
    SELECT 'user', id::text || ':' || is_superuser::text || ':' || is_staff::text FROM auth_user
    UNION ALL SELECT 'group', user_id::text || ':' || group_id::text FROM auth_user_groups
    UNION ALL SELECT 'perm', user_id::text || ':' || permission_id::text FROM auth_user_user_permissions
    UNION ALL SELECT 'gperm', group_id::text || ':' || permission_id::text FROM auth_group_permissions
    UNION ALL SELECT 'grant', user_id::text || ':' || role || ':' || coalesce(region_id::text, '')
        || ':' || coalesce(facility_id::text, '') FROM facilities_roleassignment
    UNION ALL SELECT 'token', id::text || ':' || read_only::text || ':' || coalesce(grant_id::text, '')
        FROM tuoyu_portal_apitoken
"""


def privileges() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(PRIVILEGE_SQL)
        return set(cursor.fetchall())


class FormFields(HTMLParser):
    """The name/value pairs a browser submits for the admin's change form (`<model>_form`)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.pairs: list[tuple[str, str]] = []
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self.in_form = True
        if not self.in_form or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.pairs.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self.select, self.options = (name, "multiple" in a), []
        elif tag == "option" and self.select:
            self.options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]  # what a browser sends for a single select left alone
            self.pairs.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.pairs.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_data(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.pairs:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture(scope="module")
def escalation(world, django_db_blocker):
    """Every role's account made staff with every permission, a group holding every permission, and a
    superuser's client; undone after the module."""
    with module_savepoint(django_db_blocker), django_db_blocker.unblock():
        every = list(Permission.objects.all())
        everything = Group.objects.create(name="所有权限（测试）")
        everything.permissions.set(every)
        clients = {}
        for role in ROLES:
            user = world.users[role]
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.user_permissions.set(every)
            client = Client()
            client.force_login(user)
            clients[role] = client
        root = Client()
        root.force_login(world.users["superuser"])
        extra = {
            "is_superuser": ["on"],
            "is_staff": ["on"],
            "is_active": ["on"],
            "groups": [str(everything.pk)],
            "user_permissions": [str(p.pk) for p in every],
            "permissions": [str(p.pk) for p in every],
            "_save": ["保存"],
        }
        owned = objects(world)  # district 1's row of every model an official may own, made where missing
        yield clients, root, extra, owned


def change_pages(world, owned) -> list[tuple[str, str]]:
    """(model, change URL) of every registered admin model with a row, and of the accounts that matter."""
    table = admin_objects()
    pages = []
    for key, model in sorted(admin_models().items()):
        if key.startswith("axes."):
            continue  # django-axes' own log pages: read-only for everybody
        pk = owned.get(key) or (table[key](world) if key in table else None)
        pk = pk or model.objects.order_by("pk").values_list("pk", flat=True).first()
        if pk is not None:
            app, name = key.split(".")
            pages.append((key, reverse(f"admin:{app}_{name}_change", args=[pk])))
    return pages


def test_no_role_gains_or_grants_a_privilege_by_posting_admin_change_forms(world, escalation, settings):
    clients, root, extra, owned = escalation
    # Every POST carries every permission of the portal (`extra`), more fields than Django's default limit
    # of 1,000 a request: the limit would refuse the form before the admin could.
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
    pages = change_pages(world, owned)
    covered = {key for key, _path in pages}
    assert OWNED | {"auth.user", "auth.group", "facilities.roleassignment"} <= covered, "a model has no row"
    problems, editable, saved = [], set(), set()
    with Isolated() as isolated:
        before = privileges()
        for role, client in clients.items():
            own = reverse("admin:auth_user_change", args=[world.users[role].pk])
            root_page = reverse("admin:auth_user_change", args=[world.users["superuser"].pk])
            for key, path in [*pages, ("own account", own), ("superuser's account", root_page)]:
                seen = client.get(path)
                source = seen if seen.status_code == 200 else root.get(path)
                assert source.status_code == 200, f"{path} does not open for the superuser"
                data = {**form_data(source.content.decode()), **extra}
                response = client.post(path, data)
                after = privileges()
                if after != before:
                    problems.append(f"{role} POST {path} ({key}): {sorted(after ^ before)[:6]}")
                if seen.status_code == 200 and b'name="_save"' in seen.content:
                    editable.add((role, key))
                    if response.status_code == 302:
                        saved.add((role, key))
                isolated.after_call()
                isolated.rollback()
    assert not problems, "\n".join(problems)
    # The forms were valid: every change form a role could edit saved, the official's included.
    assert {"facilities.facility", "targets.slottarget", "subsidies.fund"} <= {
        key for role, key in saved if role == "daxing_official"
    }
    assert not editable - saved, f"valid forms that did not save: {sorted(editable - saved)}"


def test_officials_do_not_reach_the_user_and_group_admin(world, escalation):
    clients, _root, _extra, _owned = escalation
    paths = [
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[world.users["daxing_official"].pk]),
        reverse("admin:auth_user_password_change", args=[world.users["superuser"].pk]),
        reverse("admin:auth_user_password_change", args=[world.users["daxing_official"].pk]),
    ]
    for role, client in clients.items():
        for path in paths:
            assert client.get(path).status_code in (403, 404), (role, path)
        index = client.get(reverse("admin:index")).content.decode()
        assert reverse("admin:auth_user_changelist") not in index, role


def test_a_superusers_privilege_changes_are_written_to_the_security_log(world, escalation):
    _clients, root, extra, _owned = escalation
    target = world.users["town2_official"]
    path = reverse("admin:auth_user_change", args=[target.pk])
    with Isolated():
        data = form_data(root.get(path).content.decode())
        data.update(is_staff=["on"], groups=extra["groups"], _save=["保存"])
        response = root.post(path, data)
        assert response.status_code == 302, response.content.decode()[-2000:]
        target.refresh_from_db()
        assert target.is_staff and target.groups.exists()
        reasons = list(
            SecurityEvent.objects.filter(
                kind="privilege", username=world.users["superuser"].username
            ).values_list("reason", flat=True)
        )
        assert any(f"{target.username}: is_staff False→True" in r for r in reasons), reasons
        assert any("groups add 所有权限（测试）" in r for r in reasons), reasons


def test_a_privilege_change_made_for_a_non_superuser_is_refused(world, escalation, monkeypatch):
    """Defence in depth: whatever page or API a future change adds, a request acting for someone who is
    not a superuser cannot set these fields."""
    from django.core.exceptions import PermissionDenied

    from accounts import privileges as module

    official = world.users["daxing_official"]
    monkeypatch.setattr(module, "acting_user_id", lambda: official.pk)
    target = User.objects.get(pk=world.users["operator_a"].pk)
    with Isolated():
        target.is_superuser = True
        with pytest.raises(PermissionDenied), transaction.atomic():
            target.save()
        with pytest.raises(PermissionDenied), transaction.atomic():
            target.groups.add(Group.objects.first())
        assert not User.objects.get(pk=target.pk).is_superuser
        assert not target.groups.exists()
