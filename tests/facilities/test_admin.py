"""The registry in the admin: every model reachable, every page scoped through core.access on top
of Django's model permissions, and workflow state read-only (it changes only through the services)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.forms import CheckboxInput
from django.test import RequestFactory
from django.urls import reverse

from facilities.models import (
    ClassTypeRule,
    Facility,
    FilingSequence,
    PendingChange,
    RoleAssignment,
    StaffMember,
    StatusChange,
)
from tests.factories import FacilityFactory, UserFactory, add_staff

pytestmark = pytest.mark.django_db

Role = RoleAssignment.Role

REGISTERED = [m for m in apps.get_app_config("facilities").get_models() if m in admin.site._registry]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def staff_with_all_facilities_permissions(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="facilities"))
    return user


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def yubei_facility(yubei_town):
    return FacilityFactory(town=yubei_town, name="渝北测试托育园")


def shown(response):
    return {f.pk for f in response.context["cl"].result_list}


def form_data(response, **changes):
    """What the browser posts back from an admin change form (unchanged unless `changes` says so)."""
    data = {}

    def put(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field.widget, CheckboxInput):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = "" if value is None else value

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        put(inline.formset.management_form)
        for form in inline.formset.forms:
            put(form)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


# ---------------------------------------------------------------- registration


# Uploaded material files and the receipts and notices issued on them are reached only through the portal's
# permission-checked pages (facilities/document_views.py): the admin's file widget would link to storage.
OUTSIDE_THE_ADMIN = {"MaterialFile", "FilingDocument", "DocumentSequence"}


def test_every_facilities_model_is_in_the_admin_or_inline():
    inlined = {
        inline.model for model_admin in admin.site._registry.values() for inline in model_admin.inlines
    }
    for model in apps.get_app_config("facilities").get_models():
        # pghistory's history rows, and the documents kept out of the admin
        if model._meta.model_name.endswith("event") or model.__name__ in OUTSIDE_THE_ADMIN:
            continue
        assert model in admin.site._registry or model in inlined, model.__name__


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_the_admin_classes_pass_djangos_checks(model):
    assert admin.site._registry[model].check() == []


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
def test_superuser_opens_every_changelist(seeded, superuser_client, facility_a, model):
    response = superuser_client.get(changelist(model))
    assert response.status_code == 200


def test_superuser_sees_every_facility(seeded, superuser_client, facility_a, yubei_facility):
    response = superuser_client.get(changelist(Facility), {"all": ""})
    assert shown(response) == set(Facility.objects.values_list("pk", flat=True))
    assert {yubei_facility.pk, facility_a.pk} <= shown(response)


def test_superuser_opens_the_facility_forms(seeded, superuser_client, facility_a):
    assert superuser_client.get(change_url(facility_a)).status_code == 200
    assert superuser_client.get(reverse("admin:facilities_facility_add")).status_code == 200


# ---------------------------------------------------------------- scoping


def test_a_district_official_sees_only_their_district(
    seeded, client, daxing_official, daxing, facility_a, facility_b, yubei_facility
):
    login(client, staff_with_all_facilities_permissions(daxing_official))
    response = client.get(changelist(Facility), {"all": ""})
    assert response.status_code == 200
    assert shown(response) == set(Facility.objects.filter(district=daxing).values_list("pk", flat=True))
    assert {facility_a.pk, facility_b.pk} <= shown(response)
    assert yubei_facility.pk not in shown(response)
    assert client.get(change_url(facility_a)).status_code == 200
    outside = client.get(change_url(yubei_facility))
    assert outside.status_code == 302
    assert outside["Location"] == reverse("admin:index")
    assert client.post(change_url(yubei_facility), {"name": "改名"}).status_code == 302
    yubei_facility.refresh_from_db()
    assert yubei_facility.name == "渝北测试托育园"


def test_scoping_cannot_widen_django_permissions(seeded, client, daxing_official, facility_a):
    daxing_official.is_staff = True
    daxing_official.save()
    login(client, daxing_official)
    assert client.get(changelist(Facility)).status_code == 403
    assert client.get(change_url(facility_a)).status_code == 403


def test_an_operator_sees_only_their_own_facility(seeded, client, operator_a, facility_a, facility_b):
    login(client, staff_with_all_facilities_permissions(operator_a))
    response = client.get(changelist(Facility))
    assert shown(response) == {facility_a.pk}
    assert client.get(change_url(facility_b)).status_code == 302
    assert response.context["cl"].model_admin.has_change_permission(response.wsgi_request, facility_a)
    assert client.get(reverse("admin:facilities_facility_add")).status_code == 403


def test_an_operators_filed_facility_is_read_only_in_the_admin(seeded, client, operator_a, facility_a):
    Facility.objects.filter(pk=facility_a.pk).update(
        filing_status=Facility.FilingStatus.FILED, filing_number="110115-2025-0001", filed_on="2025-05-01"
    )
    login(client, staff_with_all_facilities_permissions(operator_a))
    page = client.get(change_url(facility_a))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.post(change_url(facility_a), {"name": "改名"}).status_code == 403


def test_a_town_official_may_view_but_not_edit(seeded, client, town1_official, facility_a, facility_b):
    login(client, staff_with_all_facilities_permissions(town1_official))
    assert shown(client.get(changelist(Facility))) == {facility_a.pk}
    assert client.get(change_url(facility_a)).status_code == 200
    assert client.post(change_url(facility_a), {"name": "改名"}).status_code == 403


def test_staff_rosters_are_scoped_by_view_staff(
    seeded, client, daxing_official, town1_official, facility_a, yubei_facility
):
    (mine,) = add_staff(facility_a)
    (theirs,) = add_staff(yubei_facility)
    login(client, staff_with_all_facilities_permissions(daxing_official))
    assert shown(client.get(changelist(StaffMember))) == {mine.pk}
    assert client.get(change_url(theirs)).status_code == 302
    login(client, staff_with_all_facilities_permissions(town1_official))
    assert shown(client.get(changelist(StaffMember))) == set()  # rosters hold ID numbers
    assert client.get(change_url(mine)).status_code == 302


def test_workflow_records_are_scoped(seeded, client, daxing_official, facility_a, yubei_facility):
    root = UserFactory()
    mine = PendingChange.objects.create(facility=facility_a, data={}, base_version=1, submitted_by=root)
    PendingChange.objects.create(facility=yubei_facility, data={}, base_version=1, submitted_by=root)
    status = StatusChange.objects.create(
        facility=yubei_facility,
        from_status="operating",
        to_status="suspended",
        effective_on="2025-05-01",
        reason="整改",
        decided_by=root,
    )
    FilingSequence.objects.create(district=yubei_facility.district, year=2025, last=3)
    login(client, staff_with_all_facilities_permissions(daxing_official))
    assert shown(client.get(changelist(PendingChange))) == {mine.pk}
    assert shown(client.get(changelist(StatusChange))) == set()
    assert client.get(change_url(status)).status_code == 302
    assert shown(client.get(changelist(FilingSequence))) == set()


def test_role_assignments_are_for_superusers_only(seeded, client, daxing_official):
    login(client, staff_with_all_facilities_permissions(daxing_official))
    assert client.get(changelist(RoleAssignment)).status_code == 403


def test_rules_are_read_by_officials_and_changed_by_superusers(seeded, client, daxing_official):
    rule = ClassTypeRule.objects.first()
    login(client, staff_with_all_facilities_permissions(daxing_official))
    assert client.get(changelist(ClassTypeRule)).status_code == 200
    assert client.post(change_url(rule), {"name": "改"}).status_code == 403
    assert client.get(reverse("admin:facilities_classtyperule_add")).status_code == 403


# ---------------------------------------------------------------- workflow state stays with the services


def test_pending_changes_and_status_changes_are_read_only(superuser_client, django_user_model):
    request = RequestFactory().get("/")
    request.user = django_user_model.objects.get(username="superuser")
    for model in (PendingChange, StatusChange, FilingSequence):
        assert (
            superuser_client.get(reverse(f"admin:facilities_{model._meta.model_name}_add")).status_code == 403
        )
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_workflow_fields_are_read_only(seeded, superuser_client, facility_a):
    url = change_url(facility_a)
    data = form_data(
        superuser_client.get(url),
        name="甲托育园（改）",
        filing_status="filed",
        filing_number="110115-2099-9999",
        operating_status="closed",
        version="99",
        is_synthetic="on",
    )
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    facility_a.refresh_from_db()
    assert facility_a.name == "甲托育园（改）"
    assert facility_a.filing_status == Facility.FilingStatus.DRAFT
    assert facility_a.filing_number == ""
    assert facility_a.operating_status == Facility.OperatingStatus.OPERATING
    assert not facility_a.is_synthetic
    assert facility_a.version == 2  # an admin edit is a new version for the portal's optimistic lock


def test_nobody_deletes_a_facility_in_the_admin(
    seeded, client, superuser_client, daxing_official, facility_a
):
    """A deleted facility would take its history with it: drafts are archived on the portal instead."""
    delete = reverse("admin:facilities_facility_delete", args=[facility_a.pk])
    assert superuser_client.get(delete).status_code == 403
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:facilities_facility_changelist")
    bulk = {"action": "delete_selected", "_selected_action": [facility_a.pk], "post": "yes"}
    superuser_client.post(changelist, bulk)
    login(client, staff_with_all_facilities_permissions(daxing_official))
    assert client.get(delete).status_code == 403
    assert Facility.objects.filter(pk=facility_a.pk).exists()


# ---------------------------------------------------------------- inclusive slots ≤ total


def test_inclusive_above_the_units_total_is_refused_with_a_message(seeded, superuser_client, facility_a):
    url = change_url(facility_a)
    response = superuser_client.post(
        url, form_data(superuser_client.get(url), inclusive_slots="31", is_inclusive="on")
    )
    assert response.status_code == 200
    assert "普惠托位数（31）不能大于班级设置合计的托位总数（30）。" in response.content.decode()
    facility_a.refresh_from_db()
    assert (facility_a.total_slots, facility_a.inclusive_slots) == (30, 0)


def test_removing_units_below_the_inclusive_slots_is_refused(seeded, superuser_client, facility_a):
    Facility.objects.filter(pk=facility_a.pk).update(is_inclusive=True, inclusive_slots=20)
    url = change_url(facility_a)
    response = superuser_client.post(url, form_data(superuser_client.get(url), **{"units-0-DELETE": "on"}))
    assert response.status_code == 200
    assert "普惠托位数（20）不能大于班级设置合计的托位总数（0）。" in response.content.decode()
    assert facility_a.units.count() == 1


def test_units_and_inclusive_slots_rise_together(seeded, superuser_client, facility_a):
    url = change_url(facility_a)
    data = form_data(
        superuser_client.get(url), **{"units-0-classes": "3", "inclusive_slots": "40", "is_inclusive": "on"}
    )
    assert superuser_client.post(url, data).status_code == 302
    facility_a.refresh_from_db()
    assert (facility_a.total_slots, facility_a.inclusive_slots) == (45, 40)


def test_units_can_be_swapped_while_all_slots_are_inclusive(seeded, superuser_client, facility_a):
    """Deleting the only unit before adding its replacement must not trip the database CHECK."""
    Facility.objects.filter(pk=facility_a.pk).update(is_inclusive=True, inclusive_slots=30)
    url = change_url(facility_a)
    older = ClassTypeRule.objects.get(code="older")
    data = form_data(
        superuser_client.get(url),
        **{
            "units-0-DELETE": "on",
            "units-TOTAL_FORMS": "2",
            "units-1-class_type": str(older.pk),
            "units-1-classes": "2",
            "units-1-children_per_class": "20",
        },
    )
    assert superuser_client.post(url, data).status_code == 302
    facility_a.refresh_from_db()
    assert (facility_a.total_slots, facility_a.inclusive_slots) == (40, 30)
    assert [u.class_type.code for u in facility_a.units.all()] == ["older"]


def test_a_save_based_on_an_old_version_is_refused(seeded, superuser_client, facility_a):
    url = change_url(facility_a)
    data = form_data(superuser_client.get(url), name="过期的修改")
    Facility.objects.filter(pk=facility_a.pk).update(version=5)
    response = superuser_client.post(url, data)
    assert response.status_code == 200
    assert "该机构已被他人修改" in response.content.decode()
    facility_a.refresh_from_db()
    assert facility_a.name == "甲托育园"


def test_a_facility_added_in_the_admin_gets_units_and_a_checklist(seeded, superuser_client, daxing, town1):
    toddler = ClassTypeRule.objects.get(code="toddler")
    response = superuser_client.post(
        reverse("admin:facilities_facility_add"),
        {
            "name": "新建托育园",
            "kind": Facility.Kind.PRIVATE,
            "district": daxing.pk,
            "town": town1.pk,
            "is_inclusive": "on",
            "inclusive_slots": "15",
            "units-TOTAL_FORMS": "1",
            "units-INITIAL_FORMS": "0",
            "units-0-class_type": toddler.pk,
            "units-0-classes": "1",
            "units-0-children_per_class": "15",
            "checklist-TOTAL_FORMS": "0",
            "checklist-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    facility = Facility.objects.get(name="新建托育园")
    assert (facility.total_slots, facility.inclusive_slots, facility.version) == (15, 15, 1)
    assert facility.filing_status == Facility.FilingStatus.DRAFT
    assert facility.checklist.count() == len(facility.checklist.model.Item.values)


def test_staff_are_edited_in_the_admin_with_their_facility_scope(
    seeded, client, operator_a, facility_a, facility_b
):
    login(client, staff_with_all_facilities_permissions(operator_a))
    data = {
        "name": "张三",
        "role": StaffMember.Role.CAREGIVER,
        "employment": StaffMember.Employment.FULL_TIME,
        "certificates-TOTAL_FORMS": "0",
        "certificates-INITIAL_FORMS": "0",
        "trainings-TOTAL_FORMS": "0",
        "trainings-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:facilities_staffmember_add"), {**data, "facility": facility_b.pk})
    assert response.status_code == 200  # facility_b is not theirs: refused by the form
    assert not StaffMember.objects.exists()
    response = client.post(reverse("admin:facilities_staffmember_add"), {**data, "facility": facility_a.pk})
    assert response.status_code == 302
    assert StaffMember.objects.get().facility == facility_a


def test_a_database_refusal_the_form_missed_is_a_message_not_an_error_page(
    seeded, superuser_client, facility_a, monkeypatch
):
    from facilities.admin import FacilityAdminForm

    monkeypatch.setattr(FacilityAdminForm, "_units", lambda self: None)  # skip the form's own check
    url = change_url(facility_a)
    data = form_data(superuser_client.get(url), inclusive_slots="31", is_inclusive="on")
    response = superuser_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "普惠托位数不能大于托位总数。" in response.content.decode()
    facility_a.refresh_from_db()
    assert (facility_a.inclusive_slots, facility_a.is_inclusive, facility_a.version) == (0, False, 1)


# ---------------------------------------------------------------- roles


def test_superusers_grant_roles_with_the_region_level_checked(
    seeded, superuser_client, daxing_official, daxing, town1
):
    add = reverse("admin:facilities_roleassignment_add")
    user = UserFactory(username="new_official")
    refused = superuser_client.post(
        add, {"user": user.pk, "role": Role.DISTRICT_OFFICIAL, "region": town1.pk}
    )
    assert refused.status_code == 200
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert (
        superuser_client.post(
            add, {"user": user.pk, "role": Role.DISTRICT_OFFICIAL, "region": daxing.pk}
        ).status_code
        == 302
    )
    assignment = RoleAssignment.objects.get(user=user)
    assert assignment.granted_by.username == "superuser"


def test_the_facility_autocomplete_is_scoped(
    seeded, client, daxing_official, daxing, facility_a, yubei_facility
):
    login(client, staff_with_all_facilities_permissions(daxing_official))
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "facilities", "model_name": "staffmember", "field_name": "facility", "term": "托育"},
    )
    found = {int(row["id"]) for row in response.json()["results"]}
    assert facility_a.pk in found
    assert found <= set(Facility.objects.filter(district=daxing).values_list("pk", flat=True))
    assert yubei_facility.pk not in found
