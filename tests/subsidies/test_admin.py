"""Subsidies in the admin: every model registered, rows scoped through core.access, district
officials change only their own district's funds, programs and projects, applications and the ledger are
read-only (the ledger never changes or deletes)."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from subsidies.models import AggregateDisbursement, Fund, LedgerEntry, Milestone, Program, Project
from tests.subsidies.conftest import approve, pay, submit

pytestmark = pytest.mark.django_db

MODELS = list(apps.get_app_config("subsidies").get_models())
# A fund's plan is an inline of the fund; payment controls (/subsidies/controls/<code>/, or `manage.py
# payment_controls`) and a program's rate changes (/subsidies/programs/<id>/rules/) are set on portal pages.
NOT_REGISTERED = {"FundPlanMonth", "PaymentControls", "ProgramRule"}
REGISTERED = [m for m in MODELS if not m.__name__.endswith("Event") and m.__name__ not in NOT_REGISTERED]


def url(model, view="changelist", *args):
    return reverse(f"admin:subsidies_{model._meta.model_name}_{view}", args=args)


def staff_with_subsidies_permissions(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="subsidies"))
    return user


@pytest.fixture
def paid(users, facility_a, rent_program):
    application = approve(users["daxing_official"], submit(users["operator_a"], facility_a, rent_program))
    return pay(users["daxing_official"], application)


def test_every_model_is_in_the_admin():
    assert {m.__name__ for m in REGISTERED} == {
        "Fund",
        "Program",
        "AggregateDisbursement",
        "Application",
        "LedgerEntry",
        "Project",
        "Milestone",
    }
    for model in REGISTERED:
        assert model in admin.site._registry, model


@pytest.mark.parametrize("model", REGISTERED)
def test_superuser_opens_every_changelist(client, users, paid, model):
    client.force_login(users["superuser"])
    assert client.get(url(model)).status_code == 200


def test_superuser_opens_the_change_forms(client, users, paid):
    client.force_login(users["superuser"])
    for obj in (
        Fund.objects.get(seed_key="yubei-central-demonstration-2024"),
        Program.objects.get(seed_key="yubei-rent-2025"),
        AggregateDisbursement.objects.first(),
        Project.objects.get(seed_key="yubei-service-centre-project"),
        paid,
        paid.application,
    ):
        assert client.get(url(type(obj), "change", obj.pk)).status_code == 200, obj
    assert client.get(url(Program, "add")).status_code == 200


def test_the_ledger_is_read_only_even_for_superusers(client, users, paid):
    client.force_login(users["superuser"])
    model_admin = admin.site._registry[LedgerEntry]
    request = type("R", (), {"user": users["superuser"]})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, paid)
    assert not model_admin.has_delete_permission(request, paid)
    assert client.post(url(LedgerEntry, "delete", paid.pk), {"post": "yes"}).status_code == 403
    client.post(url(LedgerEntry, "change", paid.pk), {"amount": "1.00"})
    assert LedgerEntry.objects.get(pk=paid.pk).amount == paid.amount
    assert "delete_selected" not in model_admin.get_actions(request)


def test_a_district_official_sees_and_changes_only_their_district(client, users, paid, fund):
    official = staff_with_subsidies_permissions(users["daxing_official"])
    client.force_login(official)
    funds = client.get(url(Fund)).content.decode()
    assert fund.name in funds and "中央财政支持普惠托育服务发展示范项目资金" not in funds
    central = Fund.objects.get(seed_key="yubei-central-demonstration-2024")
    assert client.get(url(Fund, "change", central.pk)).status_code == 302  # not in their queryset
    assert client.get(url(Fund, "change", fund.pk)).status_code == 200
    ledger = client.get(url(LedgerEntry)).content.decode()
    assert "PZ-001" in ledger


def test_an_operator_with_permissions_sees_only_their_own_rows(client, users, paid):
    operator = staff_with_subsidies_permissions(users["operator_b"])
    client.force_login(operator)
    assert "PZ-001" not in client.get(url(LedgerEntry)).content.decode()
    assert "甲托育园" not in client.get(url(LedgerEntry)).content.decode()
    assert client.get(url(Fund)).content.decode().count("/change/") == 0


def test_scoping_never_widens_djangos_permissions(client, users, paid):
    users["daxing_official"].is_staff = True
    users["daxing_official"].save()
    client.force_login(users["daxing_official"])
    assert client.get(url(Fund)).status_code == 403


def test_a_district_official_records_milestone_progress(client, users, daxing):
    official = staff_with_subsidies_permissions(users["daxing_official"])
    project = Project.objects.create(kind="town_park", district=daxing, name="兴丰托育园建设项目")
    milestone = Milestone.objects.create(
        project=project, stage="in_service", planned_date=datetime.date(2025, 6, 30)
    )
    client.force_login(official)
    response = client.post(
        url(Milestone, "change", milestone.pk),
        {
            "project": project.pk,
            "stage": "in_service",
            "done": "true",
            "planned_date": "2025-06-30",
            "actual_date": "2025-07-15",
            "note": "已建成投用",
            "source": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    milestone.refresh_from_db()
    assert (milestone.done, milestone.actual_date) == (True, datetime.date(2025, 7, 15))
    yubei_milestone = Milestone.objects.filter(project__seed_key="yubei-service-centre-project").first()
    assert client.get(url(Milestone, "change", yubei_milestone.pk)).status_code == 302


def test_aggregates_are_changed_by_superusers_only(client, users):
    official = staff_with_subsidies_permissions(users["yubei_official"])
    client.force_login(official)
    aggregate = AggregateDisbursement.objects.get(seed_key="yubei-operating-2024-aggregate")
    page = client.get(url(AggregateDisbursement, "change", aggregate.pk)).content.decode()
    assert "859000" in page.replace(",", "") and 'name="amount"' not in page
