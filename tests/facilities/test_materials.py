"""Filing materials as documents: uploads (type, size, content), the official's verdicts, submitting needs
every file, the receipt and the notice, approval over open flags, and who may download a file."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from facilities import documents, services
from facilities.models import ChecklistItem, Facility, FilingDocument, MaterialFile, StaffMember
from facilities.rules import add_working_days
from facilities.services import NotAllowed, RegistryError
from tests.facilities.conftest import complete_checklist
from tests.factories import MINIMAL_PDF, add_staff

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def upload(name, content):
    return SimpleUploadedFile(name, content)


def client_for(client, user):
    client.force_login(user)
    return client


def submitted(facility, operator):
    complete_checklist(facility)
    return services.filing_submit(user=operator, facility=facility)


class TestUpload:
    def test_a_pdf_is_stored_marks_the_material_provided_and_replacing_keeps_the_old(
        self, operator_a, facility_a
    ):
        services.ensure_checklist(facility_a)
        first = documents.material_upload(
            user=operator_a, facility=facility_a, item="licence", upload=upload("执照.pdf", MINIMAL_PDF)
        )
        assert first.content_type == "application/pdf" and first.size == len(MINIMAL_PDF)
        assert first.file.read() == MINIMAL_PDF
        assert ChecklistItem.objects.get(facility=facility_a, item="licence").provided
        second = documents.material_upload(
            user=operator_a, facility=facility_a, item="licence", upload=upload("执照-新.png", PNG)
        )
        first.refresh_from_db()
        assert first.replaced_at is not None and second.replaced_at is None
        assert second.content_type == "image/png"
        assert documents.current_files(facility_a)["licence"] == second
        assert MaterialFile.objects.filter(facility=facility_a, item="licence").count() == 2
        assert first.file.storage.exists(first.file.name)  # the old file is kept

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("执照.docx", b"PK\x03\x04", "只接受 PDF、JPEG 或 PNG 文件"),
            ("执照", MINIMAL_PDF, "只接受 PDF、JPEG 或 PNG 文件"),
            ("执照.pdf", PNG, "扩展名与内容不符"),
            ("照片.jpg", MINIMAL_PDF, "不是JPEG文件"),
            ("照片.png", JPEG, "不是PNG文件"),
            ("空.pdf", b"", "空文件"),
        ],
    )
    def test_wrong_types_and_contents_are_refused_and_nothing_is_stored(
        self, operator_a, facility_a, name, content, message
    ):
        with pytest.raises(RegistryError, match=message):
            documents.material_upload(
                user=operator_a, facility=facility_a, item="licence", upload=upload(name, content)
            )
        assert not MaterialFile.objects.filter(facility=facility_a).exists()

    def test_a_file_over_the_limit_is_refused_with_the_limit(self, settings, operator_a, facility_a):
        settings.FILING_UPLOAD_MAX_BYTES = 2 * 1048576
        big = MINIMAL_PDF + b"0" * (2 * 1048576)
        with pytest.raises(RegistryError, match=r"超过上限 2 MB"):
            documents.material_upload(
                user=operator_a, facility=facility_a, item="licence", upload=upload("大.pdf", big)
            )
        assert not MaterialFile.objects.filter(facility=facility_a).exists()

    def test_jpeg_is_accepted(self, operator_a, facility_a):
        material = documents.material_upload(
            user=operator_a, facility=facility_a, item="premises", upload=upload("租赁合同.JPG", JPEG)
        )
        assert material.content_type == "image/jpeg"

    def test_others_cannot_upload_and_nothing_changes_under_review(
        self, operator_a, operator_b, town1_official, facility_a
    ):
        for user in (operator_b, town1_official):
            with pytest.raises(NotAllowed):
                documents.material_upload(
                    user=user, facility=facility_a, item="licence", upload=upload("a.pdf", MINIMAL_PDF)
                )
        submitted(facility_a, operator_a)
        with pytest.raises(NotAllowed, match="审核期间不能更换文件"):
            documents.material_upload(
                user=operator_a, facility=facility_a, item="licence", upload=upload("a.pdf", MINIMAL_PDF)
            )

    def test_the_upload_page_shows_a_refusal_beside_the_material(self, client, operator_a, facility_a):
        response = client_for(client, operator_a).post(
            reverse("registry:materials", args=[facility_a.pk]),
            {"item": "fire_safety", "file": upload("消防.pdf", PNG)},
        )
        assert response.status_code == 400
        assert "扩展名与内容不符" in response.content.decode()
        response = client.post(
            reverse("registry:materials", args=[facility_a.pk]),
            {"item": "fire_safety", "file": upload("消防.pdf", MINIMAL_PDF)},
            follow=True,
        )
        assert "已上传“消防验收或备案材料”：消防.pdf" in response.content.decode()


class TestSubmit:
    def test_submitting_needs_a_file_for_every_required_material(self, operator_a, facility_a):
        services.ensure_checklist(facility_a)
        ChecklistItem.objects.filter(facility=facility_a).update(provided=True)  # ticks alone are not enough
        with pytest.raises(RegistryError) as refused:
            services.filing_submit(user=operator_a, facility=facility_a)
        for label in ("营业执照或法人登记证书", "场地证明", "卫生评价报告（合格）", "消防验收或备案材料"):
            assert label in refused.value.message
        assert "食品经营许可" not in refused.value.message  # facility A serves no meals
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "draft"

    def test_a_material_to_correct_must_be_replaced_before_resubmitting(
        self, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        licence = documents.current_files(facility_a)["licence"]
        documents.material_verdict(
            user=daxing_official, material=licence, verdict="correction", reason="执照已过期"
        )
        services.filing_return(user=daxing_official, facility=facility_a, reason="材料需补正")
        with pytest.raises(RegistryError, match="须按要求补正后重新上传：营业执照或法人登记证书"):
            services.filing_submit(user=operator_a, facility=facility_a)
        documents.material_upload(
            user=operator_a, facility=facility_a, item="licence", upload=upload("新执照.pdf", MINIMAL_PDF)
        )
        assert services.filing_submit(user=operator_a, facility=facility_a).filing_status == "submitted"


class TestVerdicts:
    def test_needs_correction_needs_a_reason_and_records_who_and_when(
        self, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        material = documents.current_files(facility_a)["premises"]
        with pytest.raises(RegistryError, match="须写明原因"):
            documents.material_verdict(
                user=daxing_official, material=material, verdict="correction", reason=" "
            )
        judged = documents.material_verdict(
            user=daxing_official, material=material, verdict="correction", reason="租赁合同缺少盖章页"
        )
        assert (judged.verdict, judged.verdict_reason, judged.verdict_by) == (
            "correction",
            "租赁合同缺少盖章页",
            daxing_official,
        )
        assert judged.verdict_at is not None
        accepted = documents.material_verdict(
            user=daxing_official, material=material, verdict="accepted", reason="x"
        )
        assert (accepted.verdict, accepted.verdict_reason) == ("accepted", "")

    def test_only_the_district_official_judges(self, operator_a, town1_official, yubei_official, facility_a):
        submitted(facility_a, operator_a)
        material = documents.current_files(facility_a)["premises"]
        for user in (operator_a, town1_official, yubei_official):
            with pytest.raises(NotAllowed):
                documents.material_verdict(user=user, material=material, verdict="accepted")

    def test_the_operator_sees_the_verdict_and_reason_on_the_facility_page(
        self, client, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        material = documents.current_files(facility_a)["fire_safety"]
        client_for(client, daxing_official).post(
            reverse("registry:material_verdict", args=[material.pk]),
            {"verdict": "correction", "reason": "消防验收意见书不清晰"},
        )
        page = (
            client_for(client, operator_a)
            .get(reverse("registry:detail", args=[facility_a.pk]))
            .content.decode()
        )
        assert "需补正" in page and "消防验收意见书不清晰" in page

    def test_the_verdict_form_refuses_correction_without_reason(
        self, client, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        material = documents.current_files(facility_a)["fire_safety"]
        response = client_for(client, daxing_official).post(
            reverse("registry:material_verdict", args=[material.pk]),
            {"verdict": "correction", "reason": ""},
            follow=True,
        )
        assert "需补正的材料须写明原因" in response.content.decode()
        material.refresh_from_db()
        assert material.verdict == ""


class TestDocuments:
    def test_acknowledging_issues_a_numbered_receipt_listing_the_materials(
        self, client, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        services.filing_acknowledge(user=daxing_official, facility=facility_a)
        services.filing_acknowledge(user=daxing_official, facility=facility_a)  # once only
        receipt = FilingDocument.objects.get(facility=facility_a)
        today = timezone.localdate()
        assert receipt.kind == "receipt" and receipt.number == f"110115-HZ-{today.year}-0001"
        assert receipt.issued_on == today and receipt.issued_by == daxing_official
        assert [m["item"] for m in receipt.content["materials"]] == [
            "licence",
            "premises",
            "staff",
            "health_evaluation",
            "fire_safety",
        ]
        page = (
            client_for(client, operator_a)
            .get(reverse("registry:document", args=[receipt.pk]))
            .content.decode()
        )
        assert "托育机构备案回执" in page and receipt.number in page and "甲托育园" in page
        assert "licence.pdf" in page and "卫生健康委员会" in page
        detail = client.get(reverse("registry:detail", args=[facility_a.pk])).content.decode()
        assert reverse("registry:document", args=[receipt.pk]) in detail

    def test_returning_issues_a_notice_of_exactly_what_to_correct_within_the_clock(
        self, client, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        files = documents.current_files(facility_a)
        documents.material_verdict(user=daxing_official, material=files["licence"], verdict="accepted")
        documents.material_verdict(
            user=daxing_official,
            material=files["health_evaluation"],
            verdict="correction",
            reason="报告结论为不合格",
        )
        services.filing_return(user=daxing_official, facility=facility_a, reason="卫生评价须合格")
        notice = FilingDocument.objects.get(facility=facility_a, kind="notice")
        facility_a.refresh_from_db()
        due = add_working_days(timezone.localdate(facility_a.submitted_at), 15)
        assert notice.content["problems"] == [
            {
                "item": "health_evaluation",
                "label": "卫生评价报告（合格）",
                "problem": "correction",
                "reason": "报告结论为不合格",
            }
        ]
        assert notice.content["notice_due"] == due.isoformat() and notice.content["within_deadline"]
        page = (
            client_for(client, operator_a)
            .get(reverse("registry:document", args=[notice.pk]))
            .content.decode()
        )
        assert "不符合要求告知书" in page and "报告结论为不合格" in page and "卫生评价须合格" in page
        assert "营业执照" not in page.split('id="notice-problems"')[1].split("</table>")[0]

    def test_a_notice_lists_missing_materials_when_meals_were_added_under_review(
        self, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        Facility.objects.filter(pk=facility_a.pk).update(serves_meals=True)
        facility_a.refresh_from_db()
        services.filing_return(user=daxing_official, facility=facility_a, reason="提供膳食须有食品经营许可")
        notice = FilingDocument.objects.get(facility=facility_a, kind="notice")
        assert [(p["item"], p["problem"]) for p in notice.content["problems"]] == [
            ("food_licence", "missing")
        ]

    def test_documents_of_another_facility_are_not_found(
        self, client, operator_a, operator_b, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        services.filing_acknowledge(user=daxing_official, facility=facility_a)
        receipt = FilingDocument.objects.get(facility=facility_a)
        assert (
            client_for(client, operator_b).get(reverse("registry:document", args=[receipt.pk])).status_code
            == 404
        )


class TestApproval:
    def test_approval_over_open_flags_needs_confirmation(
        self, client, operator_a, daxing_official, facility_a
    ):
        submitted(facility_a, operator_a)
        flags = services.open_flags(facility_a)
        assert flags  # two toddler classes and no caregivers: understaffed
        with pytest.raises(RegistryError, match="未解决的提示"):
            services.filing_approve(user=daxing_official, facility=facility_a)
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "submitted"
        page = (
            client_for(client, daxing_official)
            .get(reverse("registry:detail", args=[facility_a.pk]))
            .content.decode()
        )
        assert 'name="confirm_flags"' in page and flags[0][1] in page
        client.post(reverse("registry:approve", args=[facility_a.pk]), follow=True)
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "submitted"
        client.post(reverse("registry:approve", args=[facility_a.pk]), {"confirm_flags": "on"})
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "filed"

    def test_without_flags_no_confirmation_is_asked(self, client, operator_a, daxing_official, facility_a):
        add_staff(facility_a, n=6, certified=True)
        add_staff(facility_a, role=StaffMember.Role.HEALTH_CARE, name="卫生保健员")
        submitted(facility_a, operator_a)
        assert services.open_flags(facility_a) == []
        page = (
            client_for(client, daxing_official)
            .get(reverse("registry:detail", args=[facility_a.pk]))
            .content.decode()
        )
        assert 'name="confirm_flags"' not in page
        approved = services.filing_approve(
            user=daxing_official, facility=facility_a, on=datetime.date(2026, 3, 2)
        )
        assert approved.filing_status == "filed"

    def test_the_api_takes_the_same_confirmation(self, api_as, operator_a, daxing_official, facility_a):
        submitted(facility_a, operator_a)
        api = api_as("daxing_official")
        url = reverse("api-facility-approve", args=[facility_a.pk])
        refused = api.post(url, {}, format="json")
        assert refused.status_code == 400 and "未解决的提示" in str(refused.json())
        assert api.post(url, {"confirm_flags": True}, format="json").status_code == 200
        facility_a.refresh_from_db()
        assert facility_a.filing_status == "filed"


class TestDownload:
    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("operator_a", 200),
            ("daxing_official", 200),
            ("operator_b", 404),
            ("town1_official", 404),
            ("yubei_official", 404),
        ],
    )
    def test_only_the_facility_and_its_district_download(
        self, client, users, role, status, operator_a, facility_a
    ):
        complete_checklist(facility_a)
        material = documents.current_files(facility_a)["licence"]
        response = client_for(client, users[role]).get(
            reverse("registry:material_download", args=[material.pk])
        )
        assert response.status_code == status
        if status == 200:
            assert response["Content-Disposition"].startswith("attachment;")
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content) == MINIMAL_PDF

    def test_the_media_folder_is_not_served(self, client, operator_a, facility_a):
        complete_checklist(facility_a)
        material = documents.current_files(facility_a)["licence"]
        assert client_for(client, operator_a).get("/media/" + material.file.name).status_code == 404
