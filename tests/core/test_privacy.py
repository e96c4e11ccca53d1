"""Privacy (issue 20, part 4): staff ID numbers are masked everywhere but the form that edits them, and a
complaint's internal handling note is read by officials only (core.privacy).

- The mask: an 18- or 15-character 居民身份证号 keeps its first 6 and last 4 characters; any other number at
  most its first 3 and last 2 (never more than a quarter at either end); one `*` per hidden character.
- The whole number: only in the staff form (`registry:staff_edit`) of those who keep the roster (the
  facility's operator and its district official) and the admin's change form for superusers. The roster on
  the facility page, the history panel, the admin for everyone else, the API and exports show it masked.
- The internal note (`Complaint.handling`): district and town officials of the complaint's scope and
  superusers (`Action.VIEW_INTERNAL`); never the facility's operator or an API client — not on the page, not
  in the history panel, null in the API and its CSV/XLSX.

The permission matrix (test_permission_matrix.py) checks the same two values in every response of every
role (matrix.PRIVATE_ALLOWED)."""

import datetime
import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from core import privacy
from core.api.serializers import IdNumberField, PrivateFieldsMixin
from core.tables import ObjectTable
from facilities.models import Facility, StaffMember
from supervision import services as supervision_services
from supervision.api.serializers import ComplaintSerializer
from supervision.models import Complaint
from tests.factories import add_staff

pytestmark = pytest.mark.django_db

FULL = "110115199001011235"
MASKED = "110115********1235"
NOTE = "约谈负责人，责令公示收费（内部办理记录）"


# ---------------------------------------------------------------- the mask


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("110115199001011234", "110115********1234"),  # 18 digits
        ("11011519900101123X", "110115********123X"),  # with the X check digit
        ("110115900101123", "110115*****1123"),  # a 15-digit first-generation number
        ("  110115199001011234 ", "110115********1234"),  # stray spaces are not part of it
        ("AB1234567", "AB*****67"),  # another document: at most 3 + 2, a quarter at either end
        ("E12345678901", "E12*******01"),
        ("1234", "1**4"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_the_mask_keeps_the_region_and_the_last_four_of_a_resident_id(number, shown):
    assert privacy.mask_id_number(number) == shown


def test_the_template_filter_and_the_serializer_field_use_the_same_mask():
    from core.templatetags.privacy import id_masked

    assert id_masked(FULL) == MASKED
    assert IdNumberField().to_representation(FULL) == MASKED


def test_a_table_column_of_id_numbers_is_masked_on_the_page_and_in_the_export(facility_a):
    add_staff(facility_a, name="张保育", id_number=FULL)

    class Roster(ObjectTable):
        def get_columns(self):
            return [privacy.id_number_column("身份证号", "id_number")]

    rows = StaffMember.objects.filter(facility=facility_a)
    assert Roster().build(rows).rows == [[MASKED]]
    assert list(Roster().export_rows(rows)) == [(MASKED,)]


def test_a_model_serializer_on_the_core_base_masks_id_numbers():
    class StaffSerializer(PrivateFieldsMixin, serializers.ModelSerializer):
        class Meta:
            model = StaffMember
            fields = ["name", "id_number"]

    assert StaffSerializer(StaffMember(name="张", id_number=FULL)).data["id_number"] == MASKED


# ---------------------------------------------------------------- staff ID numbers on the pages


@pytest.fixture
def member(facility_a):
    return add_staff(facility_a, name="张保育", id_number=FULL)[0]


@pytest.mark.parametrize("role", ["operator_a", "daxing_official"])
def test_the_roster_on_the_facility_page_shows_the_number_masked(client_as, facility_a, member, role):
    page = client_as(role).get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
    assert MASKED in page
    assert FULL not in page


@pytest.mark.parametrize("role", ["operator_a", "daxing_official"])
def test_the_staff_form_shows_the_whole_number_to_those_who_keep_the_roster(
    client_as, facility_a, member, role
):
    page = (
        client_as(role).get(reverse("registry:staff_edit", args=[facility_a.pk, member.pk])).content.decode()
    )
    assert f'value="{FULL}"' in page


def test_saving_the_staff_form_unchanged_keeps_the_number(client_as, facility_a, member):
    client = client_as("operator_a")
    data = {
        "name": member.name,
        "id_number": FULL,
        "role": member.role,
        "employment": member.employment,
        "version": member.version,
    }
    client.post(reverse("registry:staff_edit", args=[facility_a.pk, member.pk]), data)
    member.refresh_from_db()
    assert member.id_number == FULL


def test_the_history_panel_shows_both_numbers_of_a_change_masked(client_as, facility_a, member):
    # A draft facility: the operator's correction applies at once (of a filed one it would wait for review).
    Facility.objects.filter(pk=facility_a.pk).update(filing_status=Facility.FilingStatus.DRAFT)
    client = client_as("operator_a")
    data = {
        "name": member.name,
        "id_number": "11011519850505404X",
        "role": member.role,
        "employment": member.employment,
        "version": member.version,
    }
    client.post(reverse("registry:staff_edit", args=[facility_a.pk, member.pk]), data)
    assert StaffMember.objects.get(pk=member.pk).id_number == "11011519850505404X"
    for role in ("operator_a", "daxing_official", "superuser"):
        page = client_as(role).get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        assert MASKED in page and "110115********404X" in page, role  # before → after, both masked
        assert FULL not in page and "11011519850505404X" not in page, role


def _admin_user(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="facilities"))
    return user


def test_the_admin_shows_the_number_masked_to_a_district_official(client, daxing_official, member):
    client.force_login(_admin_user(daxing_official))
    url = reverse("admin:facilities_staffmember_change", args=[member.pk])
    page = client.get(url).content.decode()
    assert MASKED in page and FULL not in page
    listing = client.get(reverse("admin:facilities_staffmember_changelist")).content.decode()
    assert FULL not in listing


def test_a_district_official_editing_in_the_admin_keeps_the_number(client, daxing_official, member):
    client.force_login(_admin_user(daxing_official))
    url = reverse("admin:facilities_staffmember_change", args=[member.pk])
    client.post(
        url,
        {
            "facility": member.facility_id,
            "name": "张保育（改）",
            "role": member.role,
            "employment": member.employment,
            "version": member.version,
            "certificates-TOTAL_FORMS": 0,
            "certificates-INITIAL_FORMS": 0,
            "trainings-TOTAL_FORMS": 0,
            "trainings-INITIAL_FORMS": 0,
        },
    )
    member.refresh_from_db()
    assert member.id_number == FULL


def test_a_superuser_edits_the_whole_number_in_the_admin(client, superuser, member):
    client.force_login(superuser)
    page = client.get(reverse("admin:facilities_staffmember_change", args=[member.pk])).content.decode()
    assert f'value="{FULL}"' in page


# ---------------------------------------------------------------- a complaint's internal note


@pytest.fixture
def complaint(facility_a, daxing_official):
    return supervision_services.complaint_save(
        user=daxing_official,
        facility=facility_a,
        data={
            "received_on": timezone.localdate() - datetime.timedelta(days=1),
            "channel": Complaint.Channel.HOTLINE,
            "summary": "收费不透明",
            "handling": NOTE,
            "outcome": "已责令整改",
        },
    )


def test_the_rule_names_officials_only(complaint, operator_a, town1_official, daxing_official, api_client):
    assert privacy.may_read_internal(daxing_official, complaint)
    assert privacy.may_read_internal(town1_official, complaint)
    assert not privacy.may_read_internal(operator_a, complaint)
    assert not privacy.may_read_internal(api_client, complaint)
    assert not privacy.may_read_internal(None, complaint)


@pytest.mark.parametrize("role", ["daxing_official", "town1_official", "superuser"])
def test_officials_read_the_note_on_the_complaint_page(client_as, complaint, role):
    page = client_as(role).get(reverse("supervision:complaint", args=[complaint.pk])).content.decode()
    assert NOTE in page


def test_the_operator_reads_the_complaint_and_its_outcome_but_not_the_note(client_as, complaint, facility_a):
    client = client_as("operator_a")
    page = client.get(reverse("supervision:complaint", args=[complaint.pk])).content.decode()
    assert "收费不透明" in page and "已责令整改" in page
    assert NOTE not in page  # neither in the record nor in its history panel
    facility_page = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
    assert NOTE not in facility_page  # the facility's history panel lists its complaints' changes too
    assert (
        NOTE
        in client_as("daxing_official").get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
    )


def test_a_change_of_only_the_note_is_not_listed_for_the_operator(client_as, complaint, daxing_official):
    supervision_services.complaint_save(
        user=daxing_official, facility=complaint.facility, complaint=complaint, data={"handling": "再次约谈"}
    )
    url = reverse("supervision:complaint", args=[complaint.pk])
    assert "再次约谈" in client_as("daxing_official").get(url).content.decode()
    assert "再次约谈" not in client_as("operator_a").get(url).content.decode()


@pytest.mark.parametrize(
    ("role", "readable"),
    [("operator_a", False), ("reader", False), ("town1_official", True), ("daxing_official", True)],
)
def test_the_api_answers_the_note_to_officials_and_null_to_others(api_as, complaint, role, readable):
    client = api_as(role)
    item = client.get(reverse("api-complaint-detail", args=[complaint.pk])).json()
    listed = client.get(reverse("api-complaint-list")).json()["results"]
    expected = NOTE if readable else None
    assert item["handling"] == expected
    assert [row["handling"] for row in listed if row["id"] == complaint.pk] == [expected]


@pytest.mark.parametrize("role", ["operator_a", "reader"])
def test_the_api_exports_leave_the_note_out(api_as, complaint, role):
    client = api_as(role)
    csv = client.get(reverse("api-complaint-list"), {"format": "csv"})
    assert csv.status_code == 200 and "收费不透明" in csv.content.decode("utf-8-sig")
    assert NOTE not in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("api-complaint-list"), {"format": "xlsx"})
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as workbook:
        text = b"".join(workbook.read(n) for n in workbook.namelist()).decode("utf-8", "replace")
    assert "收费不透明" in text and NOTE not in text


def test_an_official_exports_the_note(api_as, complaint):
    csv = api_as("daxing_official").get(reverse("api-complaint-list"), {"format": "csv"})
    assert NOTE in csv.content.decode("utf-8-sig")


def test_one_query_decides_the_note_for_a_whole_page(complaint, operator_a, town1_official, rf):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        Complaint.objects.create(
            facility=complaint.facility,
            received_on=complaint.received_on,
            summary=f"投诉{n}",
            handling=NOTE,
            recorded_by=complaint.recorded_by,
        )
    rows = list(Complaint.objects.select_related("facility__district", "facility__town"))
    request = rf.get("/")
    request.user = town1_official
    with CaptureQueriesContext(connection) as queries:
        data = ComplaintSerializer(rows, many=True, context={"request": request}).data
    assert {row["handling"] for row in data} == {NOTE}
    assert len(queries) <= 3  # the grants, and one look-up for the page


# ---------------------------------------------------------------- the matrix's detector


def test_the_matrix_finds_the_whole_number_in_a_page_and_inside_a_workbook(client_as, facility_a, member):
    from django.http import HttpResponse

    from core import spreadsheets
    from tests.security.matrix import disclosed
    from tests.security.world import STAFF_ID_NUMBER

    assert STAFF_ID_NUMBER == FULL
    form = client_as("operator_a").get(reverse("registry:staff_edit", args=[facility_a.pk, member.pk]))
    assert disclosed(form) == {"full ID number"}
    sheet = spreadsheets.SheetSpec(title="名单", columns=[("身份证号", None)], rows=[(FULL,)])
    assert disclosed(HttpResponse(spreadsheets.write_workbook([sheet]))) == {"full ID number"}
    masked = spreadsheets.SheetSpec(title="名单", columns=[("身份证号", None)], rows=[(MASKED,)])
    assert disclosed(HttpResponse(spreadsheets.write_workbook([masked]))) == set()
