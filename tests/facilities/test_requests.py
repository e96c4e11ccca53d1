"""Requests an operator can follow (issue 14, parts 4 and 5): changes to a filed record — its fields, filing
materials and roster — wait for review as one open change that a second edit amends, never replaces unseen;
the operator sees pending, approved and rejected requests with their reasons on the facility page and in
“我的申请”; operators ask to suspend or close; closing records each placement and cancels the filing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.versioning import StaleVersion
from facilities import services
from facilities.models import (
    ChecklistItem,
    ChildPlacement,
    Facility,
    PendingChange,
    StaffMember,
    StatusChange,
)
from facilities.services import NotAllowed, PlacementInput, RegistryError
from tests.facilities.test_workflow import change_status, submit, update
from tests.factories import FacilityFactory

pytestmark = pytest.mark.django_db

CLOSING_DAY = datetime.date(2026, 11, 30)


@pytest.fixture
def filed(operator_a, daxing_official, facility_a):
    """Facility A, filed by its operator and approved by the district."""
    submit(facility_a, operator_a)
    services.filing_approve(
        user=daxing_official, facility=facility_a, on=datetime.date(2025, 3, 1), confirm_flags=True
    )
    facility_a.refresh_from_db()
    return facility_a


def pending_of(facility, kind=PendingChange.Kind.RECORD):
    return PendingChange.objects.get(facility=facility, kind=kind, status=PendingChange.Status.PENDING)


# ---------------------------------------------------------------- following a change


class TestTheOperatorFollowsAChange:
    def test_a_rejected_change_and_its_reason_are_on_the_facility_page_and_in_my_requests(
        self, filed, operator_a, daxing_official, client_as
    ):
        change = update(operator_a, filed, monthly_fee=Decimal("3600"))
        services.pending_change_reject(user=daxing_official, change=change, reason="收费调整须先公示一个月")
        client = client_as("operator_a")
        page = client.get(reverse("registry:detail", args=[filed.pk])).content.decode()
        requests = page.split('id="facility-requests"')[1].split("</ul>")[0]
        assert "已驳回" in requests and "收费调整须先公示一个月" in requests
        assert reverse("registry:change", args=[change.pk]) in requests
        mine = client.get(reverse("registry:requests"))
        assert mine.status_code == 200
        decided = mine.content.decode().split('id="decided-requests"')[1]
        assert "收费调整须先公示一个月" in decided and filed.name in decided
        detail = client.get(reverse("registry:change", args=[change.pk])).content.decode()
        assert "驳回原因：" in detail and "收费调整须先公示一个月" in detail

    def test_a_pending_change_is_shown_on_the_facility_page_until_decided(
        self, filed, operator_a, daxing_official, client_as
    ):
        change = update(operator_a, filed, monthly_fee=Decimal("3600"))
        page = client_as("operator_a").get(reverse("registry:detail", args=[filed.pk])).content.decode()
        assert "待区卫健委审核" in page and reverse("registry:change", args=[change.pk]) in page
        services.pending_change_approve(user=daxing_official, change=change)
        page = client_as("operator_a").get(reverse("registry:detail", args=[filed.pk])).content.decode()
        assert "待区卫健委审核" not in page
        assert "已批准" in page.split('id="facility-requests"')[1]

    def test_my_requests_is_for_operators_only(self, filed, client_as):
        assert client_as("operator_a").get(reverse("registry:requests")).status_code == 200
        assert client_as("daxing_official").get(reverse("registry:requests")).status_code == 404

    def test_the_operator_may_withdraw_an_open_change(self, filed, operator_a, operator_b):
        change = update(operator_a, filed, monthly_fee=Decimal("3600"))
        with pytest.raises(NotAllowed):
            services.pending_change_withdraw(user=operator_b, change=change)
        services.pending_change_withdraw(user=operator_a, change=change)
        change.refresh_from_db()
        assert change.status == PendingChange.Status.WITHDRAWN


class TestASecondEditAmendsTheFirst:
    def test_the_second_edit_amends_the_open_change_and_keeps_the_first_edit(
        self, filed, operator_a, daxing_official
    ):
        first = update(operator_a, filed, monthly_fee=Decimal("3600"))
        filed.refresh_from_db()
        # The edit form starts from the open change (see the view test below): the fee is still in it.
        second = update(operator_a, filed, monthly_fee=Decimal("3600"), public_phone="010-61234567")
        assert second.pk == first.pk and second.amended
        assert PendingChange.objects.filter(facility=filed).count() == 1
        first.refresh_from_db()
        assert first.status == PendingChange.Status.PENDING and first.amended_at is not None
        services.pending_change_approve(user=daxing_official, change=first)
        filed.refresh_from_db()
        assert (filed.monthly_fee, filed.public_phone) == (Decimal("3600"), "010-61234567")

    def test_the_edit_form_starts_from_the_pending_values_and_says_so(self, filed, operator_a, client_as):
        update(operator_a, filed, monthly_fee=Decimal("3600"))
        response = client_as("operator_a").get(reverse("registry:edit", args=[filed.pk]))
        assert Decimal(response.context["form"]["monthly_fee"].value()) == Decimal("3600")
        page = response.content.decode()
        assert 'id="pending-banner"' in page and "保存将修改这项申请（不会撤回它）" in page
        assert "3600" in page.split('id="pending-banner"')[1].split("</details>")[0]

    def test_saving_the_form_again_through_the_page_amends_and_says_so(self, filed, operator_a, client_as):
        update(operator_a, filed, monthly_fee=Decimal("3600"))
        client = client_as("operator_a")
        form = client.get(reverse("registry:edit", args=[filed.pk])).context["form"]
        data = {name: form[name].value() for name in services.EDITABLE_FIELDS}
        data = {k: ("" if v is None else v) for k, v in data.items()}
        data.update(
            {
                "version": form["version"].value(),
                "public_phone": "010-61234567",
                "units-TOTAL_FORMS": "1",
                "units-INITIAL_FORMS": "0",
                "units-0-class_type": str(filed.units.get().class_type_id),
                "units-0-classes": "2",
                "units-0-children_per_class": "15",
            }
        )
        data = {k: v for k, v in data.items() if v is not False}
        response = client.post(reverse("registry:edit", args=[filed.pk]), data, follow=True)
        assert "已修改待审核的变更申请" in response.content.decode()
        proposal = pending_of(filed).data["fields"]
        assert (Decimal(proposal["monthly_fee"]), proposal["public_phone"]) == (
            Decimal("3600"),
            "010-61234567",
        )


# ---------------------------------------------------------------- materials and roster of a filed facility


class TestMaterialsAndRosterOfAFiledFacility:
    def test_unticking_the_materials_of_a_filed_facility_waits_for_review(
        self, filed, operator_a, daxing_official
    ):
        change = services.checklist_update(
            user=operator_a, facility=filed, items={"fire_safety": (False, ""), "licence": (True, "执照-2")}
        )
        assert isinstance(change, PendingChange)
        rows = {r.item: (r.provided, r.reference) for r in ChecklistItem.objects.filter(facility=filed)}
        assert rows["fire_safety"] == (True, "材料-1") and rows["licence"] == (True, "材料-1")
        assert change.data["checklist"] == {"fire_safety": [False, ""], "licence": [True, "执照-2"]}
        services.pending_change_approve(user=daxing_official, change=change)
        rows = {r.item: (r.provided, r.reference) for r in ChecklistItem.objects.filter(facility=filed)}
        assert rows["fire_safety"] == (False, "") and rows["licence"] == (True, "执照-2")

    def test_materials_and_fields_go_into_the_same_open_change(self, filed, operator_a):
        first = update(operator_a, filed, monthly_fee=Decimal("3600"))
        change = services.checklist_update(
            user=operator_a, facility=filed, items={"fire_safety": (False, "")}
        )
        assert change.pk == first.pk and set(change.data) == {"fields", "units", "checklist"}

    def test_an_official_changes_the_materials_directly(self, filed, daxing_official):
        assert (
            services.checklist_update(
                user=daxing_official, facility=filed, items={"fire_safety": (False, "")}
            )
            is None
        )
        assert not ChecklistItem.objects.get(facility=filed, item="fire_safety").provided

    def test_a_new_caregiver_and_a_leaver_wait_for_review(self, filed, operator_a, daxing_official):
        leaver = StaffMember.objects.create(facility=filed, name="王离", role=StaffMember.Role.CAREGIVER)
        joiner = StaffMember(name="李新", role=StaffMember.Role.CAREGIVER, id_number="11010519491231002X")
        change = services.staff_save(user=operator_a, facility=filed, member=joiner)
        assert isinstance(change, PendingChange)
        leaver.left_on = datetime.date(2026, 11, 1)
        again = services.staff_save(user=operator_a, facility=filed, member=leaver)
        assert again.pk == change.pk and len(again.data["staff"]) == 2
        assert not StaffMember.objects.filter(name="李新").exists()
        assert StaffMember.objects.get(pk=leaver.pk).left_on is None
        services.pending_change_approve(user=daxing_official, change=again)
        assert StaffMember.objects.get(name="李新").facility == filed
        assert StaffMember.objects.get(pk=leaver.pk).left_on == datetime.date(2026, 11, 1)

    def test_a_second_tab_on_the_same_caregiver_is_refused_not_merged_into_the_proposal(
        self, filed, operator_a
    ):
        member = StaffMember.objects.create(facility=filed, name="王一", role=StaffMember.Role.CAREGIVER)
        first_tab = StaffMember.objects.get(pk=member.pk)
        second_tab = StaffMember.objects.get(pk=member.pk)
        first_tab.phone = "13800000001"
        change = services.staff_save(user=operator_a, facility=filed, member=first_tab)
        second_tab.phone = "13900000002"
        with pytest.raises(StaleVersion):
            services.staff_save(user=operator_a, facility=filed, member=second_tab)
        change.refresh_from_db()
        assert [entry["fields"]["phone"] for entry in change.data["staff"]] == ["13800000001"]

    def test_a_second_tab_on_the_materials_is_refused_not_merged_into_the_proposal(self, filed, operator_a):
        read = {row.item: row.version for row in ChecklistItem.objects.filter(facility=filed)}
        change = services.checklist_update(
            user=operator_a, facility=filed, items={"fire_safety": (False, "")}, versions=read
        )
        with pytest.raises(StaleVersion):
            services.checklist_update(
                user=operator_a,
                facility=filed,
                items={"fire_safety": (True, "材料-1"), "licence": (True, "执照-9")},
                versions=read,
            )
        change.refresh_from_db()
        assert change.data["checklist"] == {"fire_safety": [False, ""]}

    def test_the_change_page_masks_the_proposed_id_number(self, filed, operator_a, client_as):
        joiner = StaffMember(name="李新", role=StaffMember.Role.CAREGIVER, id_number="11010519491231002X")
        change = services.staff_save(user=operator_a, facility=filed, member=joiner)
        page = client_as("daxing_official").get(reverse("registry:change", args=[change.pk])).content.decode()
        assert "李新" in page and "110105********002X" in page and "11010519491231002X" not in page
        # Nor does the facility's history panel show the proposal (it lives on the change's page).
        facility_page = client_as("daxing_official").get(reverse("registry:detail", args=[filed.pk]))
        assert "11010519491231002X" not in facility_page.content.decode()

    def test_a_draft_roster_changes_at_once(self, operator_a, facility_a):
        member = StaffMember(name="张草", role=StaffMember.Role.CAREGIVER)
        assert isinstance(
            services.staff_save(user=operator_a, facility=facility_a, member=member), StaffMember
        )


# ---------------------------------------------------------------- lifecycle


def placements(*rows):
    return [PlacementInput(**row) for row in rows]


class TestClosure:
    def test_closing_records_placements_and_cancels_the_filing(self, filed, daxing_official, town1):
        receiving = FacilityFactory(town=town1, name="接收托育园", filed=True)
        Facility.objects.filter(pk=filed.pk).update(enrolled_children=12, filed_on=datetime.date(2025, 3, 1))
        filed.refresh_from_db()
        change = change_status(
            daxing_official,
            filed,
            "closed",
            CLOSING_DAY,
            "举办者停办",
            placements=placements(
                {
                    "destination": "facility",
                    "children": 9,
                    "receiving_facility_id": receiving.pk,
                    "confirmed": True,
                },
                {"destination": "home", "children": 3},
            ),
        )
        filed.refresh_from_db()
        assert (filed.operating_status, filed.filing_status) == ("closed", "cancelled")
        assert filed.filing_cancelled_on == CLOSING_DAY and filed.filing_number  # the number stays on record
        assert [
            (p.destination, p.receiving_facility, p.children, p.confirmed) for p in change.placements.all()
        ] == [
            ("facility", receiving, 9, True),
            ("home", None, 3, False),
        ]
        assert (
            Facility.objects.filed_on_day(CLOSING_DAY - datetime.timedelta(days=1))
            .filter(pk=filed.pk)
            .exists()
        )
        assert not Facility.objects.filed_on_day(CLOSING_DAY).filter(pk=filed.pk).exists()

    def test_the_placements_must_account_for_every_enrolled_child(self, filed, daxing_official):
        Facility.objects.filter(pk=filed.pk).update(enrolled_children=12)
        filed.refresh_from_db()
        with pytest.raises(RegistryError) as refused:
            change_status(
                daxing_official,
                filed,
                "closed",
                CLOSING_DAY,
                "停办",
                placements=placements({"destination": "home", "children": 5}),
            )
        assert "在托 12 人，已记录去向 5 人" in " ".join(refused.value.errors["placements"])
        filed.refresh_from_db()
        assert filed.operating_status == "operating" and not ChildPlacement.objects.exists()

    def test_a_receiving_facility_must_be_another_filed_one_of_the_registry(self, filed, daxing_official):
        Facility.objects.filter(pk=filed.pk).update(enrolled_children=2)
        filed.refresh_from_db()
        with pytest.raises(RegistryError):
            change_status(
                daxing_official,
                filed,
                "closed",
                CLOSING_DAY,
                "停办",
                placements=placements(
                    {"destination": "facility", "children": 2, "receiving_facility_id": filed.pk}
                ),
            )

    def test_the_closed_facilitys_page_shows_the_cancelled_filing(self, filed, daxing_official, client_as):
        change_status(
            daxing_official, filed, "closed", CLOSING_DAY, "停办", children_placement="无在托婴幼儿"
        )
        page = client_as("daxing_official").get(reverse("registry:detail", args=[filed.pk])).content.decode()
        assert "已注销备案" in page and "2026-11-30 注销备案" in page
        assert "status-filing-filed" not in page


class TestOperatorsAskToSuspendOrClose:
    def test_an_operator_asks_to_close_and_the_official_decides(
        self, filed, operator_a, daxing_official, town1
    ):
        receiving = FacilityFactory(town=town1, name="接收托育园", filed=True)
        Facility.objects.filter(pk=filed.pk).update(enrolled_children=4)
        filed.refresh_from_db()
        with pytest.raises(NotAllowed):  # they ask; they do not decide
            change_status(operator_a, filed, "closed", CLOSING_DAY, "停办")
        request = services.status_request_submit(
            user=operator_a,
            facility=filed,
            to_status="closed",
            effective_on=CLOSING_DAY,
            reason="举办者停办",
            placements=placements(
                {"destination": "facility", "children": 4, "receiving_facility_id": receiving.pk}
            ),
        )
        filed.refresh_from_db()
        assert filed.operating_status == "operating" and request.kind == "status"
        services.pending_change_approve(user=daxing_official, change=request)
        filed.refresh_from_db()
        request.refresh_from_db()
        assert (filed.operating_status, filed.filing_status, request.status) == (
            "closed",
            "cancelled",
            "approved",
        )
        closing = StatusChange.objects.get(facility=filed)
        assert closing.request == request and closing.placements.get().receiving_facility == receiving

    def test_a_suspension_request_can_be_rejected_with_a_reason(self, filed, operator_a, daxing_official):
        request = services.status_request_submit(
            user=operator_a, facility=filed, to_status="suspended", effective_on=CLOSING_DAY, reason="装修"
        )
        with pytest.raises(NotAllowed, match="已有一项待审核"):
            services.status_request_submit(
                user=operator_a,
                facility=filed,
                to_status="closed",
                effective_on=CLOSING_DAY,
                reason="x",
                note="无",
            )
        services.pending_change_reject(user=daxing_official, change=request, reason="请先报送装修方案")
        filed.refresh_from_db()
        assert filed.operating_status == "operating"

    def test_closing_ends_the_open_record_change(self, filed, operator_a, daxing_official):
        change = update(operator_a, filed, monthly_fee=Decimal("3600"))
        change_status(
            daxing_official, filed, "closed", CLOSING_DAY, "停办", children_placement="无在托婴幼儿"
        )
        change.refresh_from_db()
        assert change.status == PendingChange.Status.WITHDRAWN and "关停" in change.decision_reason

    def test_the_request_page_offers_suspension_and_closure_to_the_operator(self, filed, client_as):
        response = client_as("operator_a").get(reverse("registry:status_request", args=[filed.pk]))
        assert response.status_code == 200
        assert [value for value, _label in response.context["form"].fields["to_status"].choices] == [
            "suspended",
            "closed",
        ]
        assert (
            client_as("daxing_official").get(reverse("registry:status_request", args=[filed.pk])).status_code
            == 404
        )
