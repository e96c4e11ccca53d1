"""The filing workflow over the API (facilities/api/workflow.py): the checklist, operating-status changes and
requests, and pending-change decisions call the pages' services and are scoped as the pages are."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from facilities.models import Facility, MaterialFile, PendingChange
from tests.factories.facilities import MINIMAL_PDF
from tests.helpers import error_of

pytestmark = pytest.mark.django_db


def today() -> str:
    """The portal's today (Asia/Shanghai), read when the test runs, not when the module is imported."""
    return timezone.localdate().isoformat()


def checklist_url(facility):
    return f"/api/v1/facilities/{facility.pk}/checklist/"


def test_checklist_read_and_update_by_the_district_official(api_as, facility_a):
    official = api_as("daxing_official")
    body = official.get(checklist_url(facility_a)).json()
    assert body["facility_id"] == facility_a.pk and body["items"]
    item = body["items"][0]
    response = official.patch(
        checklist_url(facility_a),
        {
            "items": [
                {"item": item["item"], "provided": True, "reference": "REF-1", "version": item["version"]}
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    row = facility_a.checklist.get(item=item["item"])
    assert (row.provided, row.reference) == (True, "REF-1")
    # A stale version is refused and changes nothing.
    stale = official.patch(
        checklist_url(facility_a),
        {"items": [{"item": item["item"], "provided": False, "version": item["version"]}]},
        format="json",
    )
    error_of(stale, 409)
    assert facility_a.checklist.get(item=item["item"]).reference == "REF-1"


def test_checklist_scope(api_as, facility_a):
    error_of(api_as("town2_official").get(checklist_url(facility_a)), 404)
    error_of(api_as("operator_b").patch(checklist_url(facility_a), {"items": []}, format="json"), 404)
    error_of(api_as("anonymous").get(checklist_url(facility_a)), 401)
    # A town official reads the checklist of their town's facility but may not change it: as on the checklist
    # page, the facility is not found for editing.
    town1 = api_as("town1_official")
    body = town1.get(checklist_url(facility_a)).json()
    item = body["items"][0]["item"]
    error_of(
        town1.patch(checklist_url(facility_a), {"items": [{"item": item, "provided": True}]}, format="json"),
        404,
    )


def test_status_change_by_the_official(api_as, facility_a):
    url = f"/api/v1/facilities/{facility_a.pk}/status/"
    payload = {"to_status": "suspended", "effective_on": today(), "reason": "整改"}
    error_of(api_as("yubei_official").post(url, payload, format="json"), 404)
    error_of(api_as("town1_official").post(url, payload, format="json"), 404)
    error_of(api_as("operator_a").post(url, payload, format="json"), 404)
    error_of(api_as("reader").post(url, payload, format="json"), 403)  # a read-only token
    facility_a.refresh_from_db()
    assert facility_a.operating_status == Facility.OperatingStatus.OPERATING
    version = facility_a.version
    response = api_as("daxing_official").post(url, payload, format="json")
    assert response.status_code == 200, response.content
    facility_a.refresh_from_db()
    assert facility_a.operating_status == Facility.OperatingStatus.SUSPENDED
    assert response.json()["operating_status"] == "suspended" and facility_a.version > version
    error_of(api_as("daxing_official").post(url, {**payload, "reason": " "}, format="json"), 400)


def test_status_request_then_reject_and_approve(api_as, facility_a):
    url = f"/api/v1/facilities/{facility_a.pk}/status-request/"
    payload = {"to_status": "suspended", "effective_on": today(), "reason": "装修"}
    error_of(api_as("daxing_official").post(url, payload, format="json"), 403)  # the operator asks
    response = api_as("operator_a").post(url, payload, format="json")
    assert response.status_code == 201, response.content
    first = response.json()["id"]
    assert PendingChange.objects.get(pk=first).status == "pending"

    decide = f"/api/v1/pending-changes/{first}/"
    error_of(api_as("yubei_official").post(decide + "reject/", {"reason": "x"}, format="json"), 404)
    error_of(api_as("operator_a").post(decide + "reject/", {"reason": "x"}, format="json"), 404)
    assert api_as("town1_official").get(decide).status_code == 200
    error_of(api_as("town1_official").post(decide + "reject/", {"reason": "x"}, format="json"), 404)
    error_of(api_as("daxing_official").post(decide + "reject/", {"reason": ""}, format="json"), 400)
    rejected = api_as("daxing_official").post(decide + "reject/", {"reason": "材料不全"}, format="json")
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_reason"] == "材料不全"
    facility_a.refresh_from_db()
    assert facility_a.operating_status == Facility.OperatingStatus.OPERATING

    # Asked again, and approved: the facility is suspended by the page's service.
    second = api_as("operator_a").post(url, payload, format="json").json()["id"]
    error_of(api_as("operator_a").post(f"/api/v1/pending-changes/{second}/approve/"), 404)
    approved = api_as("daxing_official").post(f"/api/v1/pending-changes/{second}/approve/")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    facility_a.refresh_from_db()
    assert facility_a.operating_status == Facility.OperatingStatus.SUSPENDED
    error_of(api_as("daxing_official").post(f"/api/v1/pending-changes/{second}/approve/"), 403)  # decided


def test_pending_changes_list_is_scoped(api_as, facility_a):
    api_as("operator_a").post(
        f"/api/v1/facilities/{facility_a.pk}/status-request/",
        {"to_status": "suspended", "effective_on": today(), "reason": "装修"},
        format="json",
    )
    ids = [row["id"] for row in api_as("daxing_official").get("/api/v1/pending-changes/").json()["results"]]
    assert len(ids) == 1
    assert api_as("yubei_official").get("/api/v1/pending-changes/").json()["results"] == []
    assert api_as("operator_b").get("/api/v1/pending-changes/").json()["results"] == []


# ---------------------------------------------------------------- inspections, findings, complaints


def test_inspection_finding_and_complaint_are_recorded_through_the_pages_services(api_as, facility_a):
    from supervision.models import Complaint, Finding, Inspection

    official = api_as("daxing_official")
    body = {
        "district": "110115",
        "inspected_on": today(),
        "kind": "routine",
        "facilities": [facility_a.pk],
        "team": [{"name": "张三", "role": "expert", "is_lead": True}],
        "title": "日常检查",
    }
    error_of(api_as("town1_official").post("/api/v1/inspections/", body, format="json"), 404)
    error_of(api_as("yubei_official").post("/api/v1/inspections/", body, format="json"), 404)
    assert not Inspection.objects.filter(title="日常检查").exists()
    response = official.post("/api/v1/inspections/", body, format="json")
    assert response.status_code == 201, response.content
    inspection = Inspection.objects.get(pk=response.json()["id"])
    assert list(inspection.facilities.all()) == [facility_a]

    finding = {
        "inspection": inspection.pk,
        "facility": facility_a.pk,
        "category": "records",
        "severity": "minor",
        "description": "台账不全",
        "deadline": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }
    error_of(api_as("operator_a").post("/api/v1/inspections/findings/", finding, format="json"), 404)
    response = official.post("/api/v1/inspections/findings/", finding, format="json")
    assert response.status_code == 201, response.content
    assert Finding.objects.get(pk=response.json()["id"]).description == "台账不全"
    late = {**finding, "deadline": "2000-01-01"}  # before the inspection: the service's own rule
    assert (
        "deadline"
        in error_of(official.post("/api/v1/inspections/findings/", late, format="json"), 400)["fields"]
    )

    complaint = {"facility": facility_a.pk, "received_on": today(), "summary": "收费不透明"}
    error_of(api_as("operator_a").post("/api/v1/inspections/complaints/", complaint, format="json"), 404)
    error_of(api_as("town1_official").post("/api/v1/inspections/complaints/", complaint, format="json"), 404)
    error_of(api_as("yubei_official").post("/api/v1/inspections/complaints/", complaint, format="json"), 404)
    response = official.post("/api/v1/inspections/complaints/", complaint, format="json")
    assert response.status_code == 201, response.content
    assert Complaint.objects.get(pk=response.json()["id"]).summary == "收费不透明"


def test_an_operators_checklist_change_to_a_filed_facility_waits_for_review(api_as, facility_a):
    operator = api_as("operator_a")
    first = operator.patch(
        checklist_url(facility_a),
        {"items": [{"item": "licence", "provided": True, "reference": "L-1"}]},
        format="json",
    )
    assert first.status_code == 202, first.content
    change = PendingChange.objects.get(pk=first.json()["pending_change_id"])
    assert change.data["checklist"] == {"licence": [True, "L-1"]}
    # A second item sent alone joins the open proposal; the first stays proposed (as on the page).
    second = operator.patch(
        checklist_url(facility_a),
        {"items": [{"item": "premises", "provided": True, "reference": "P-1"}]},
        format="json",
    )
    assert second.status_code == 202, second.content
    change.refresh_from_db()
    assert change.data["checklist"] == {"licence": [True, "L-1"], "premises": [True, "P-1"]}
    assert facility_a.checklist.filter(item="licence", reference="L-1").count() == 0  # not applied yet


# ------------------------------------------------------------------------------------ filing materials


def materials_url(facility, *rest):
    return "/".join([f"/api/v1/facilities/{facility.pk}/materials", *map(str, rest)]) + "/"


def upload(client, facility, name, content, item="licence"):
    return client.post(
        materials_url(facility), {"item": item, "file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def returned(facility):
    """A filing sent back for correction: an operator's uploads apply at once (to a filed facility they are
    held for review, tests/facilities/test_held_materials.py)."""
    Facility.objects.filter(pk=facility.pk).update(filing_status=Facility.FilingStatus.RETURNED)
    facility.refresh_from_db()
    return facility


def test_an_operator_uploads_a_material_file_and_reads_it_back(api_as, facility_a):
    returned(facility_a)
    operator = api_as("operator_a")
    response = upload(operator, facility_a, "营业执照.pdf", MINIMAL_PDF)
    assert response.status_code == 201, response.content
    stored = response.json()
    assert stored["item"] == "licence" and stored["content_type"] == "application/pdf"
    assert stored["verdict"] is None and "file" not in stored  # never the storage path
    listed = operator.get(materials_url(facility_a)).json()
    assert [f["id"] for f in listed["files"] if f["item"] == "licence"] == [stored["id"]]
    download = operator.get(materials_url(facility_a, stored["id"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    assert download["Content-Disposition"].startswith("attachment")
    # A replacement becomes the current file; the first stays in the history, out of the list.
    second = upload(operator, facility_a, "营业执照-新.pdf", MINIMAL_PDF).json()
    listed = operator.get(materials_url(facility_a)).json()
    assert [f["id"] for f in listed["files"] if f["item"] == "licence"] == [second["id"]]
    assert MaterialFile.objects.get(pk=stored["id"]).replaced_at is not None


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_stored(api_as, facility_a):
    before = MaterialFile.objects.count()
    refused = upload(api_as("operator_a"), facility_a, "licence.pdf", b"MZ\x90\x00 not a pdf at all")
    error = error_of(refused, 400)
    assert "扩展名与内容不符" in str(error)
    assert MaterialFile.objects.count() == before


def test_material_files_are_scoped_like_the_materials_page(api_as, facility_a):
    stored = upload(api_as("operator_a"), facility_a, "licence.pdf", MINIMAL_PDF).json()
    for outsider in ("operator_b", "town2_official", "yubei_official"):
        error_of(api_as(outsider).get(materials_url(facility_a)), 404)
        error_of(api_as(outsider).get(materials_url(facility_a, stored["id"])), 404)
    error_of(api_as("anonymous").get(materials_url(facility_a)), 401)


def test_the_district_official_gives_a_verdict_with_a_reason(api_as, facility_a):
    returned(facility_a)
    stored = upload(api_as("operator_a"), facility_a, "licence.pdf", MINIMAL_PDF).json()
    verdict_url = materials_url(facility_a, stored["id"], "verdict")
    official = api_as("daxing_official")
    error_of(official.post(verdict_url, {"verdict": "correction"}, format="json"), 400)
    error_of(api_as("operator_a").post(verdict_url, {"verdict": "accepted"}, format="json"), 403)
    response = official.post(verdict_url, {"verdict": "correction", "reason": "执照已过期"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["verdict"] == "correction" and response.json()["verdict_reason"] == "执照已过期"
    error_of(official.post(verdict_url, {"verdict": "maybe"}, format="json"), 400)
