"""Filing materials as documents: the uploaded file of each material, the district official's verdict on it,
and the numbered documents the district issues (the receipt on acknowledging, the notice on returning).

Services here (writes) follow facilities.services: the acting user, a permission check, one transaction, a
RegistryError with a message for the user and nothing written when refused. Files go through Django's
storage API (settings.STORAGES["default"]): the local file system by default, an S3-compatible store by
configuration (docs/registry.md). They are never served by the web server: downloads go through a view that
checks permission first.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import Action, can, is_operator_of
from core.errors import NotAllowed
from core.errors import ServiceError as RegistryError
from facilities.models import ChecklistItem, DocumentSequence, Facility, FilingDocument, MaterialFile
from facilities.rules import Rules, add_working_days, load_rules

# Accepted file types: extension → (content type, how the content must start).
FILE_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def max_upload_bytes() -> int:
    return int(getattr(settings, "FILING_UPLOAD_MAX_BYTES", 10 * 1024 * 1024))


def required_items(facility: Facility) -> list[str]:
    """The materials a filing of `facility` needs (the food licence only when it serves meals)."""
    return [
        item
        for item in ChecklistItem.Item.values
        if item != ChecklistItem.Item.FOOD_LICENCE or facility.serves_meals
    ]


def in_force(queryset=None):
    """The current files: in force (not a proposal) and not replaced."""
    queryset = MaterialFile.objects.all() if queryset is None else queryset
    return queryset.filter(replaced_at__isnull=True, state=MaterialFile.State.IN_FORCE)


def current_files(facility: Facility) -> dict[str, MaterialFile]:
    """item → the current (in force, not replaced) file of each material that has one."""
    return {
        f.item: f
        for f in in_force(MaterialFile.objects.filter(facility=facility)).select_related(
            "uploaded_by", "verdict_by"
        )
    }


def check_upload(upload) -> tuple[str, str]:
    """The extension and content type of an acceptable upload; a RegistryError (field `file`) otherwise.
    The type is checked twice: by the file name's extension and by the first bytes of the content."""
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FILE_TYPES:
        message = _("只接受 PDF、JPEG 或 PNG 文件（文件“%(name)s”的扩展名不符）。") % {"name": name}
        raise RegistryError(message, {"file": [message]})
    size = upload.size or 0
    if size == 0:
        message = _("文件“%(name)s”是空文件。") % {"name": name}
        raise RegistryError(message, {"file": [message]})
    limit = max_upload_bytes()
    if size > limit:
        message = _("文件“%(name)s”大小为 %(size)s MB，超过上限 %(limit)s MB。") % {
            "name": name,
            "size": f"{size / 1048576:.1f}",
            "limit": f"{limit / 1048576:.1f}".rstrip("0").rstrip("."),
        }
        raise RegistryError(message, {"file": [message]})
    content_type, signatures = FILE_TYPES[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        message = _("文件“%(name)s”的内容不是%(kind)s文件（扩展名与内容不符），请上传原始文件。") % {
            "name": name,
            "kind": extension.upper() if extension != "jpg" else "JPEG",
        }
        raise RegistryError(message, {"file": [message]})
    return extension, content_type


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _uploadable(user, facility: Facility) -> None:
    if not can(user, Action.EDIT, facility):
        raise NotAllowed(_("您无权上传该机构的备案材料。"))
    if facility.archived_at is not None:
        raise NotAllowed(_("该机构已归档，不能上传材料。"))
    if facility.operating_status == Facility.OperatingStatus.CLOSED:
        raise NotAllowed(_("该机构已关停，不能上传材料。"))
    if facility.filing_status == Facility.FilingStatus.SUBMITTED and not can(user, Action.REVIEW, facility):
        raise NotAllowed(_("备案材料审核期间不能更换文件；如需更换，请联系区卫健委退回。"))


@transaction.atomic
def material_upload(*, user, facility: Facility, item: str, upload) -> MaterialFile:
    """Store `upload` as the current file of material `item`; the file it replaces stays in the history
    with its verdict. An upload to a draft or returned filing also marks the material provided.

    An operator's upload to a filed facility is held instead, as any change of a filed record
    (facilities.services.needs_review): the file is stored as `proposed` in the facility's open record change
    (`materials`: item → file id), the current file stays in force, and the district official approves it (it
    becomes the current file) or rejects it with a reason. Uploading again for the same item amends the
    proposal: the earlier proposed file is withdrawn. The returned file has `held` set then."""
    from facilities import services  # services imports this module lazily; no cycle at import time

    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    _uploadable(user, facility)
    if item not in ChecklistItem.Item.values:
        raise RegistryError(_("没有这项备案材料。"), {"item": [_("请选择备案材料。")]})
    _extension, content_type = check_upload(upload)
    now = timezone.now()
    if services.needs_review(user, facility):
        return _propose_material(user, facility, item, upload, content_type, now)
    in_force(MaterialFile.objects.filter(facility=facility, item=item)).update(replaced_at=now)
    material = MaterialFile(
        facility=facility,
        item=item,
        original_name=(upload.name or "")[-255:],
        content_type=content_type,
        size=upload.size,
        sha256=_sha256(upload),
        uploaded_by=user,
    )
    material.file.save(upload.name, upload, save=False)
    material.save()
    if facility.filing_status in (Facility.FilingStatus.DRAFT, Facility.FilingStatus.RETURNED):
        ChecklistItem.objects.get_or_create(facility=facility, item=item)
        row = ChecklistItem.objects.get(facility=facility, item=item)
        if not row.provided:
            row.provided = True
            row.save()
    material.held = False
    return material


def _propose_material(user, facility: Facility, item: str, upload, content_type: str, now) -> MaterialFile:
    from facilities import services

    change = services.open_change(facility, lock=True)
    proposed = dict((change.data.get("materials") if change else None) or {})
    if item in proposed:
        # Amending the proposal: the file it proposed before is withdrawn (kept, with its history).
        MaterialFile.objects.filter(facility=facility, item=item, state=MaterialFile.State.PROPOSED).update(
            state=MaterialFile.State.WITHDRAWN, replaced_at=now
        )
    change = services._propose(user, facility, {"materials": proposed})
    material = MaterialFile(
        facility=facility,
        item=item,
        original_name=(upload.name or "")[-255:],
        content_type=content_type,
        size=upload.size,
        sha256=_sha256(upload),
        uploaded_by=user,
        state=MaterialFile.State.PROPOSED,
        change=change,
    )
    material.file.save(upload.name, upload, save=False)
    material.save()
    change.data = {**change.data, "materials": {**proposed, item: material.pk}}
    change.save()
    material.held = True
    return material


def proposed_materials_settle(*, user, change, accepted: bool) -> None:
    """The end of the files a record change proposed: on approval each becomes the current file of its item
    (the file it replaces stays in the history; the verdict is the approver's 符合要求, and the material is
    marked provided); on rejection or withdrawal they stay out of force, marked as such. Called by
    facilities.services when it decides a change, inside its transaction."""
    now = timezone.now()
    files = MaterialFile.objects.select_for_update(of=("self",)).filter(
        change=change, state=MaterialFile.State.PROPOSED
    )
    if not accepted:
        state = (
            MaterialFile.State.REJECTED
            if change.status == change.Status.REJECTED
            else MaterialFile.State.WITHDRAWN
        )
        files.update(state=state)
        return
    for material in files:
        in_force(MaterialFile.objects.filter(facility_id=material.facility_id, item=material.item)).update(
            replaced_at=now
        )
        material.state = MaterialFile.State.IN_FORCE
        material.verdict = MaterialFile.Verdict.ACCEPTED
        material.verdict_reason = ""
        material.verdict_by = user
        material.verdict_at = now
        material.save()
        row, _created = ChecklistItem.objects.get_or_create(
            facility_id=material.facility_id, item=material.item
        )
        if not row.provided:
            row.provided = True
            row.save()


@transaction.atomic
def material_verdict(*, user, material: MaterialFile, verdict: str, reason: str = "") -> MaterialFile:
    """The district official's verdict on the current file of a material: accepted, or needs correction
    with the reason the facility sees."""
    material = MaterialFile.objects.select_for_update().select_related("facility").get(pk=material.pk)
    facility = material.facility
    if not can(user, Action.REVIEW, facility):
        raise NotAllowed(_("只有本区卫健委可以审核备案材料。"))
    if is_operator_of(user, facility):
        raise NotAllowed(_("不能审核自己填报的机构。"))
    if material.state == MaterialFile.State.PROPOSED:
        raise RegistryError(_("该文件是待审的变更，请在变更申请页批准或驳回。"))
    if material.replaced_at is not None or material.state != MaterialFile.State.IN_FORCE:
        raise RegistryError(_("该文件已被新文件替换，请审核现行文件。"))
    if verdict not in MaterialFile.Verdict.values:
        raise RegistryError(_("请选择审核结论。"), {"verdict": [_("请选择审核结论。")]})
    reason = (reason or "").strip()
    if verdict == MaterialFile.Verdict.CORRECTION and not reason:
        message = _("需补正的材料须写明原因。")
        raise RegistryError(message, {"reason": [message]})
    material.verdict = verdict
    material.verdict_reason = reason if verdict == MaterialFile.Verdict.CORRECTION else ""
    material.verdict_by = user
    material.verdict_at = timezone.now()
    material.save()
    return material


@dataclass(frozen=True)
class MaterialProblem:
    item: str
    label: str
    problem: str  # "missing" or "correction"
    reason: str


def material_problems(
    facility: Facility, files: dict[str, MaterialFile] | None = None
) -> list[MaterialProblem]:
    """What stands in the way of the materials: each required material without a file, and each current
    file the district asked to correct (with its reason)."""
    files = current_files(facility) if files is None else files
    problems = []
    for item in required_items(facility):
        label = str(ChecklistItem.Item(item).label)
        current = files.get(item)
        if current is None:
            problems.append(MaterialProblem(item, label, "missing", _("未上传")))
        elif current.verdict == MaterialFile.Verdict.CORRECTION:
            problems.append(MaterialProblem(item, label, "correction", current.verdict_reason))
    return problems


def authority_name(facility: Facility) -> str:
    return _("%(district)s卫生健康委员会") % {"district": facility.district.name}


def _issue(*, user, facility: Facility, kind: str, content: dict) -> FilingDocument:
    on = timezone.localdate()
    sequence, _created = DocumentSequence.objects.select_for_update().get_or_create(
        district_id=facility.district_id, year=on.year, kind=kind
    )
    sequence.last += 1
    sequence.save()
    number = f"{facility.district.code}-{FilingDocument.PREFIX[kind]}-{on.year}-{sequence.last:04d}"
    return FilingDocument.objects.create(
        facility=facility, kind=kind, number=number, issued_on=on, issued_by=user, content=content
    )


def _facility_content(facility: Facility) -> dict:
    return {
        "facility": facility.name,
        "address": facility.address,
        "credit_code": facility.credit_code,
        "authority": authority_name(facility),
        "submitted_on": timezone.localdate(facility.submitted_at).isoformat()
        if facility.submitted_at
        else None,
    }


def issue_receipt(*, user, facility: Facility, rules: Rules | None = None) -> FilingDocument:
    """The receipt (回执) of an acknowledged filing: the materials received (the current files) and the date
    by which the district tells the facility if the filing does not meet the requirements. Called by
    facilities.services.filing_acknowledge inside its transaction."""
    rules = rules or load_rules()
    files = current_files(facility)
    received = [
        {
            "item": item,
            "label": str(ChecklistItem.Item(item).label),
            "file": files[item].original_name,
            "uploaded_on": timezone.localdate(files[item].uploaded_at).isoformat(),
        }
        for item in ChecklistItem.Item.values
        if item in files
    ]
    content = _facility_content(facility) | {
        "materials": received,
        "notice_due": _notice_due(facility, rules),
    }
    return _issue(user=user, facility=facility, kind=FilingDocument.Kind.RECEIPT, content=content)


def _notice_due(facility: Facility, rules: Rules) -> str | None:
    from facilities.models import RuleSetting

    if not facility.submitted_at:
        return None
    days = int(rules.setting(RuleSetting.Key.NOTICE_WORKING_DAYS))
    return add_working_days(timezone.localdate(facility.submitted_at), days).isoformat()


def issue_notice(*, user, facility: Facility, reason: str, rules: Rules | None = None) -> FilingDocument:
    """The notice (告知书) of a filing that does not meet the requirements: each material missing or to be
    corrected, with its reason, and the official's overall reason; dated against the 15-working-day clock.
    Called by facilities.services.filing_return inside its transaction."""
    rules = rules or load_rules()
    problems = material_problems(facility)
    due = _notice_due(facility, rules)
    content = _facility_content(facility) | {
        "problems": [
            {"item": p.item, "label": p.label, "problem": p.problem, "reason": p.reason} for p in problems
        ],
        "reason": reason,
        "notice_due": due,
        "within_deadline": due is None or timezone.localdate() <= datetime.date.fromisoformat(due),
    }
    return _issue(user=user, facility=facility, kind=FilingDocument.Kind.NOTICE, content=content)
