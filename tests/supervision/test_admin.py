"""Supervision in the admin: every model registered, every list scoped through core.access on top
of model permissions, workflow records read-only, and grading weights writable only where they belong."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from supervision.models import Finding, GradingWeight, Inspection
from tests.supervision.conftest import make_finding, make_inspection

pytestmark = pytest.mark.django_db


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def staff(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="supervision"))
    return user


def test_every_model_is_registered():
    import pghistory.models

    models = {
        m
        for m in apps.get_app_config("supervision").get_models()
        if not issubclass(m, pghistory.models.Event)
    }
    assert len(models) == 18
    assert models - set(admin.site._registry) == set()


@pytest.fixture
def records(users, facility_a, facility_b, yubei_facility):
    dx, yb = users["daxing_official"], users["yubei_official"]
    inspection = make_inspection(dx, [facility_a, facility_b])
    make_finding(dx, inspection, facility_a, description="甲的问题")
    make_finding(dx, inspection, facility_b, description="乙的问题")
    yubei = make_inspection(yb, [yubei_facility])
    make_finding(yb, yubei, yubei_facility, description="渝北的问题")


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("daxing_official", {"甲的问题", "乙的问题"}),
        ("town1_official", {"甲的问题"}),
        ("operator_b", {"乙的问题"}),
        ("yubei_official", {"渝北的问题"}),
        ("superuser", {"甲的问题", "乙的问题", "渝北的问题"}),
    ],
)
def test_finding_lists_are_scoped(client, users, records, role, expected):
    user = users[role] if role == "superuser" else staff(users[role])
    client.force_login(user)
    response = client.get(changelist(Finding))
    assert response.status_code == 200
    assert {f.description for f in response.context["cl"].result_list} == expected


def test_inspections_are_scoped_and_read_only(client, users, records):
    client.force_login(staff(users["yubei_official"]))
    response = client.get(changelist(Inspection))
    assert {i.district.code for i in response.context["cl"].result_list} == {"500112"}
    daxing = Inspection.objects.get(district__code="110115")
    url = reverse("admin:supervision_inspection_change", args=[daxing.pk])
    assert client.get(url).status_code == 302  # not in scope: the admin sends it back to the index
    own = Inspection.objects.get(district__code="500112")
    page = client.get(reverse("admin:supervision_inspection_change", args=[own.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    finding = Finding.objects.get(description="渝北的问题")
    assert not client.get(reverse("admin:supervision_finding_change", args=[finding.pk])).context[
        "has_change_permission"
    ]


def test_district_officials_set_their_own_weights_but_not_the_proposal(client, users, daxing):
    client.force_login(staff(users["daxing_official"]))
    proposal = GradingWeight.objects.get(district=None, key="credit_start")
    page = client.get(reverse("admin:supervision_gradingweight_change", args=[proposal.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    response = client.post(
        reverse("admin:supervision_gradingweight_add"),
        {"district": daxing.pk, "key": "credit_start", "subject": "", "value": "120", "note": "本区设定"},
    )
    assert response.status_code == 302
    own = GradingWeight.objects.get(district=daxing, key="credit_start")
    assert own.value == Decimal(120)
    client.force_login(staff(users["yubei_official"]))
    listed = client.get(changelist(GradingWeight)).context["cl"].result_list
    assert own not in listed and proposal in listed
