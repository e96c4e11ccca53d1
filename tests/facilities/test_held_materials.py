"""Material uploads to a filed facility go through the same review as its other changes: the operator's new
file is held in the facility's open record change (我的申请, the facility page), the current file stays in
force until the district official approves; a rejection keeps the current file and shows the operator the
reason. The API's upload is the same service. Before filing, an upload applies at once, as before."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities import documents, services
from facilities.models import MaterialFile, PendingChange
from tests.facilities.conftest import complete_checklist
from tests.factories import MINIMAL_PDF

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def filed(facility_a, operator_a, daxing_official):
    """Facility A filed through the workflow, with every material's file in force."""
    complete_checklist(facility_a)
    services.filing_submit(user=operator_a, facility=facility_a)
    return services.filing_approve(user=daxing_official, facility=facility_a, confirm_flags=True)


def upload(user, facility, name="消防验收-新.png", content=PNG, item="fire_safety"):
    return documents.material_upload(
        user=user, facility=facility, item=item, upload=SimpleUploadedFile(name, content)
    )


def open_change(facility):
    return PendingChange.objects.get(facility=facility, status=PendingChange.Status.PENDING)


def page(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(name, args=args)).content.decode()


class TestHeld:
    def test_an_operators_upload_to_a_filed_facility_waits_and_the_current_file_stays(
        self, client, filed, operator_a
    ):
        before = documents.current_files(filed)["fire_safety"]
        proposed = upload(operator_a, filed)
        assert proposed.held and proposed.state == MaterialFile.State.PROPOSED
        change = open_change(filed)
        assert proposed.change == change and change.data["materials"] == {"fire_safety": proposed.pk}
        assert documents.current_files(filed)["fire_safety"] == before  # still in force
        before.refresh_from_db()
        assert before.replaced_at is None
        # The operator sees it as pending: on the facility page, the materials page and 我的申请.
        detail = page(client, operator_a, "registry:detail", filed.pk)
        assert "待审的新文件" in detail and "消防验收-新.png" in detail
        assert "消防验收-新.png" in page(client, operator_a, "registry:materials", filed.pk)
        assert reverse("registry:change", args=[change.pk]) in page(client, operator_a, "registry:requests")

    def test_a_second_upload_amends_the_request_and_withdraws_the_first_proposal(self, filed, operator_a):
        first = upload(operator_a, filed, name="消防-1.pdf", content=MINIMAL_PDF)
        second = upload(operator_a, filed, name="消防-2.pdf", content=MINIMAL_PDF)
        assert PendingChange.objects.filter(facility=filed, status="pending").count() == 1
        first.refresh_from_db()
        assert first.state == MaterialFile.State.WITHDRAWN
        assert open_change(filed).data["materials"] == {"fire_safety": second.pk}

    def test_a_proposed_file_joins_a_field_edit_in_one_request(self, filed, operator_a):
        services.checklist_update(user=operator_a, facility=filed, items={"licence": (True, "新执照号")})
        upload(operator_a, filed)
        change = open_change(filed)
        assert set(change.data) == {"checklist", "materials"}

    def test_an_official_upload_to_a_filed_facility_applies_at_once(self, filed, daxing_official):
        material = upload(daxing_official, filed)
        assert not material.held and documents.current_files(filed)["fire_safety"] == material

    def test_before_filing_an_upload_applies_at_once(self, facility_a, operator_a):
        material = upload(operator_a, facility_a)
        assert not material.held and material.state == MaterialFile.State.IN_FORCE
        assert not PendingChange.objects.filter(facility=facility_a).exists()

    def test_a_verdict_is_not_given_on_a_proposal(self, filed, operator_a, daxing_official):
        proposed = upload(operator_a, filed)
        with pytest.raises(services.RegistryError, match="待审的变更"):
            documents.material_verdict(user=daxing_official, material=proposed, verdict="accepted")


class TestDecided:
    def test_approval_makes_the_proposed_file_current_and_keeps_the_old(
        self, client, filed, operator_a, daxing_official
    ):
        before = documents.current_files(filed)["fire_safety"]
        proposed = upload(operator_a, filed)
        assert "消防验收-新.png" in page(client, daxing_official, "registry:change", proposed.change_id)
        services.pending_change_approve(user=daxing_official, change=proposed.change)
        proposed.refresh_from_db()
        before.refresh_from_db()
        assert (
            proposed.state == MaterialFile.State.IN_FORCE
            and documents.current_files(filed)["fire_safety"] == proposed
        )
        assert proposed.verdict == "accepted" and proposed.verdict_by == daxing_official
        assert before.replaced_at is not None  # kept in the history

    def test_rejection_keeps_the_current_file_and_shows_the_operator_why(
        self, client, filed, operator_a, daxing_official
    ):
        before = documents.current_files(filed)["fire_safety"]
        proposed = upload(operator_a, filed)
        services.pending_change_reject(
            user=daxing_official, change=proposed.change, reason="消防验收意见书缺少盖章页"
        )
        proposed.refresh_from_db()
        assert proposed.state == MaterialFile.State.REJECTED
        assert documents.current_files(filed)["fire_safety"] == before
        for name, args in (
            ("registry:detail", [filed.pk]),
            ("registry:materials", [filed.pk]),
            ("registry:requests", []),
        ):
            assert "消防验收意见书缺少盖章页" in page(client, operator_a, name, *args), name

    def test_withdrawing_the_request_withdraws_its_files(self, filed, operator_a):
        proposed = upload(operator_a, filed)
        services.pending_change_withdraw(user=operator_a, change=proposed.change)
        proposed.refresh_from_db()
        assert proposed.state == MaterialFile.State.WITHDRAWN
        assert not MaterialFile.objects.filter(facility=filed, state="proposed").exists()


class TestApi:
    def url(self, facility):
        return f"/api/v1/facilities/{facility.pk}/materials/"

    def post(self, api, facility, name="消防验收-新.png", content=PNG):
        return api.post(
            self.url(facility),
            {"item": "fire_safety", "file": SimpleUploadedFile(name, content)},
            format="multipart",
        )

    def test_an_upload_is_held_202_then_approved(self, api_as, filed):
        operator, official = api_as("operator_a"), api_as("daxing_official")
        before = documents.current_files(filed)["fire_safety"]
        response = self.post(operator, filed)
        assert response.status_code == 202, response.content
        body = response.json()
        assert body["state"] == "proposed" and body["change_id"]
        listed = operator.get(self.url(filed)).json()
        assert [f["id"] for f in listed["files"] if f["item"] == "fire_safety"] == [before.pk]
        assert [f["id"] for f in listed["proposed"]] == [body["id"]]
        approved = official.post(f"/api/v1/pending-changes/{body['change_id']}/approve/")
        assert approved.status_code == 200, approved.content
        listed = operator.get(self.url(filed)).json()
        assert [f["id"] for f in listed["files"] if f["item"] == "fire_safety"] == [body["id"]]
        assert listed["proposed"] == []

    def test_a_rejected_upload_leaves_the_current_file_with_the_reason_on_the_change(self, api_as, filed):
        operator, official = api_as("operator_a"), api_as("daxing_official")
        before = documents.current_files(filed)["fire_safety"]
        body = self.post(operator, filed).json()
        rejected = official.post(
            f"/api/v1/pending-changes/{body['change_id']}/reject/", {"reason": "文件不清晰"}, format="json"
        )
        assert rejected.status_code == 200, rejected.content
        change = operator.get(f"/api/v1/pending-changes/{body['change_id']}/").json()
        assert change["status"] == "rejected" and change["decision_reason"] == "文件不清晰"
        listed = operator.get(self.url(filed)).json()
        assert [f["id"] for f in listed["files"] if f["item"] == "fire_safety"] == [before.pk]

    def test_before_filing_the_api_upload_applies_at_once(self, api_as, facility_a):
        response = self.post(api_as("operator_a"), facility_a)
        assert response.status_code == 201 and response.json()["state"] == "in_force"
