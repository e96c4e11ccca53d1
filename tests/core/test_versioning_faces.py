"""The version check through each face a person edits with: the registry's forms (two sessions at once),
the admin's change forms and the API's If-Match."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from core.models import Versioned
from facilities.models import ChecklistItem, Facility, StaffMember
from facilities.services import ensure_checklist
from tests.factories import StaffMemberFactory


def _staff_post(member, **changes):
    data = {
        "name": member.name,
        "id_number": member.id_number,
        "role": member.role,
        "employment": member.employment,
        "phone": member.phone,
        "hired_on": member.hired_on.isoformat() if member.hired_on else "",
        "left_on": "",
        "version": member.version,
    }
    data.update(changes)
    return data


def _in_draft(facility):
    """An operator's edits of a draft facility apply at once (of a filed one they become a pending change
    for review), so the two sessions race on the rows themselves."""
    Facility.objects.filter(pk=facility.pk).update(filing_status=Facility.FilingStatus.DRAFT)


def test_two_sessions_on_one_staff_member_the_second_is_refused_and_keeps_its_input(operator_a, facility_a):
    _in_draft(facility_a)
    member = StaffMemberFactory(facility=facility_a, phone="13800000001")
    url = reverse("registry:staff_edit", args=[facility_a.pk, member.pk])
    first, second = Client(), Client()
    first.force_login(operator_a)
    second.force_login(operator_a)
    read = StaffMember.objects.get(pk=member.pk)  # both pages show version 1

    assert first.post(url, _staff_post(read, phone="13900000002")).status_code == 302
    refused = second.post(url, _staff_post(read, phone="13700000003"))

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "已被他人修改" in html and "13900000002" in html  # what changed meanwhile
    assert 'value="13700000003"' in html  # the user's input stays
    assert 'name="version" value="2"' in html  # saving again is a deliberate choice
    assert StaffMember.objects.get(pk=member.pk).phone == "13900000002"


def test_two_sessions_on_one_checklist_the_second_is_refused_whole(operator_a, facility_a):
    _in_draft(facility_a)
    ensure_checklist(facility_a)
    url = reverse("registry:checklist", args=[facility_a.pk])
    rows = {row.item: row for row in facility_a.checklist.all()}
    fire = ChecklistItem.Item.values[0]

    def post(reference, other):
        data = {}
        for item, row in rows.items():
            data[f"{item}__version"] = row.version
            data[f"{item}__provided"] = "on" if item == fire else ""
            data[f"{item}__reference"] = reference if item == fire else other
        return data

    first, second = Client(), Client()
    first.force_login(operator_a)
    second.force_login(operator_a)
    assert first.post(url, post("消防验收 2026-001", "")).status_code == 302
    refused = second.post(url, post("", "另一份材料"))

    assert refused.status_code == 200
    assert "已被他人修改" in refused.content.decode()
    stored = {row.item: row for row in facility_a.checklist.all()}
    assert stored[fire].reference == "消防验收 2026-001"
    assert all(row.reference != "另一份材料" for row in stored.values())


VERSIONED_ADMINS = sorted(
    (model for model in admin.site._registry if issubclass(model, Versioned)), key=lambda m: m._meta.label
)


@pytest.mark.parametrize("model", VERSIONED_ADMINS, ids=lambda m: m._meta.label)
def test_every_admin_change_form_of_a_versioned_record_carries_its_version(
    model, superuser_client, an_instance
):
    row = an_instance(model)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk])
    html = superuser_client.get(url).content.decode()
    if 'name="_save"' not in html:
        return  # a read-only admin (records written only by the services): nothing there to overwrite
    assert f'name="version" value="{row.version}"' in html


def test_a_stale_admin_save_is_refused(superuser_client):
    from subsidies.models import Fund

    fund = Fund.objects.order_by("pk").first()
    url = reverse("admin:subsidies_fund_change", args=[fund.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"name": "过期的名称", "version": fund.version})
    Fund.objects.get(pk=fund.pk).save()  # someone else saved meanwhile

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    assert Fund.objects.get(pk=fund.pk).name != "过期的名称"


def test_the_api_takes_the_version_from_if_match_and_answers_409_when_stale(api_as, facility_a, operator_a):
    api = api_as("daxing_official")
    url = f"/api/v1/facilities/{facility_a.pk}/"
    read = api.get(url)
    assert read["ETag"] == f'"{read.json()["version"]}"'
    etag = read["ETag"]

    assert api.patch(url, {"address": "新地址一号"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch(url, {"address": "新地址二号"}, format="json", HTTP_IF_MATCH=etag)

    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["current_version"] == read.json()["version"] + 1
    assert "新地址一号" in {change["after"] for change in error["changes"]}
    assert api.get(url).json()["address"] == "新地址一号"


def test_an_answer_to_a_finding_changed_meanwhile_is_refused_and_keeps_its_input(
    daxing_official, operator_a, facility_a
):
    from supervision import services as supervision
    from supervision.models import Finding
    from tests.factories import FindingFactory, InspectionFactory, days_ago

    inspection = InspectionFactory(facilities=[facility_a], user=daxing_official)
    finding = FindingFactory(inspection=inspection, facility=facility_a, user=daxing_official)
    operator = Client()
    operator.force_login(operator_a)
    page = operator.get(reverse("supervision:finding", args=[finding.pk]))
    read = page.context["answer_form"].initial["version"]

    supervision.finding_set_deadline(
        user=daxing_official, finding=finding, deadline=days_ago(-60), note="延期至两个月后"
    )
    refused = operator.post(
        reverse("supervision:finding_answer", args=[finding.pk]),
        {"note": "已清理疏散通道", "version": read},
    )

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "已被他人修改" in html and "已清理疏散通道" in html
    assert Finding.objects.get(pk=finding.pk).status == Finding.Status.OPEN
