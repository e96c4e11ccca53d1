"""Writes of supervision. Views, the admin and commands call these; each takes the acting user, checks
permission through core.access (`can`, with Action.SUPERVISE for a district's records), validates,
and runs in one transaction. Refusals raise RegistryError / NotAllowed (core.errors) with a message for
the user; nothing is written then.

Who may do what:
    district official (of the facility's / inspection's district)  record inspections, findings, complaints,
        verify or reopen rectifications, change deadlines, enter household income, official evaluations,
        set the district's own grading weights
    operator (of the facility)  answer the facility's findings (describe the rectification, give a
        reference), self-assessments
    town official, API client   read only
    superuser                   everything
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import Action, can, is_operator_of, unrestricted
from core.errors import NotAllowed
from core.errors import ServiceError as RegistryError
from core.formatting import listing
from core.months import month_end, month_start
from core.versioning import StaleVersion
from facilities.models import Facility
from facilities.selectors import counted
from supervision import grading
from supervision.models import (
    Complaint,
    CreditLevel,
    Department,
    Evaluation,
    EvaluationDimension,
    EvaluationFramework,
    EvaluationItem,
    EvaluationScore,
    Finding,
    FindingAction,
    FindingDeadline,
    Grade,
    GradeMatrixCell,
    GradeRecord,
    GradeThreshold,
    GradingWeight,
    HouseholdIncome,
    Inspection,
    RiskLevel,
    TeamMember,
)
from targets.models import Region

__all__ = ["NotAllowed", "RegistryError"]


def _clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise RegistryError(_("请修正标出的问题后再保存。"), exc.message_dict) from exc


def _today() -> datetime.date:
    return timezone.localdate()


# ---------------------------------------------------------------- inspections


@dataclass(frozen=True)
class TeamInput:
    name: str
    role: str
    organisation: str = ""
    is_lead: bool = False


def _check_inspection(
    *,
    user,
    district: Region,
    kind: str,
    inspected_on: datetime.date,
    facilities: list[Facility],
    team: list[TeamInput],
    complaint: Complaint | None,
) -> None:
    if not can(user, Action.SUPERVISE, district):
        raise NotAllowed(_("只有本区卫健委可以登记检查。"))
    errors: dict[str, list[str]] = {}
    if inspected_on > _today() + datetime.timedelta(days=366):
        errors.setdefault("inspected_on", []).append(_("检查日期不合理。"))
    outside = [f.name for f in facilities if f.district_id != district.pk]
    if outside:
        errors.setdefault("facilities", []).append(
            _("以下机构不在%(district)s：%(names)s") % {"district": district.name, "names": listing(outside)}
        )
    if not facilities:
        errors.setdefault("facilities", []).append(_("请选择检查的机构。"))
    if kind == Inspection.Kind.PART_TIME_TEAM and not team:
        errors.setdefault("team", []).append(
            _("兼职督导走访须登记督导队伍成员（专家、属地工作人员、家长代表）。")
        )
    if complaint is not None and complaint.facility_id not in {f.pk for f in facilities}:
        errors.setdefault("complaint", []).append(_("所核查投诉的机构须在检查机构之中。"))
    for member in team:
        if not member.name.strip():
            errors.setdefault("team", []).append(_("检查组成员须填写姓名。"))
            break
        if member.role not in {"", *TeamMember.Role.values}:
            errors.setdefault("team", []).append(_("检查组成员的身份只能取给定选项之一。"))
            break
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)


def _write_team(inspection: Inspection, team: list[TeamInput]) -> None:
    inspection.team.all().delete()
    TeamMember.objects.bulk_create(
        [
            TeamMember(
                inspection=inspection,
                name=m.name.strip(),
                role=m.role,
                organisation=m.organisation.strip(),
                is_lead=m.is_lead,
            )
            for m in team
        ]
    )


@transaction.atomic
def inspection_create(
    *,
    user,
    district: Region,
    inspected_on: datetime.date,
    kind: str,
    facilities: list[Facility],
    departments: list[Department] = (),
    team: list[TeamInput] = (),
    title: str = "",
    summary: str = "",
    complaint: Complaint | None = None,
    backfilled: bool = False,
) -> Inspection:
    """Record an inspection. `backfilled`: an inspection held earlier, entered from its original record
    (its findings are then entered with their own dates through finding_backfill)."""
    team, facilities = list(team), list(facilities)
    if backfilled and inspected_on > _today():
        raise RegistryError(
            _("请修正标出的问题后再保存。"), {"inspected_on": [_("补录的历史检查，检查日期不能晚于今天。")]}
        )
    _check_inspection(
        user=user,
        district=district,
        kind=kind,
        inspected_on=inspected_on,
        facilities=facilities,
        team=team,
        complaint=complaint,
    )
    inspection = Inspection(
        district=district,
        inspected_on=inspected_on,
        kind=kind,
        title=title.strip(),
        summary=summary.strip(),
        complaint=complaint,
        backfilled=backfilled,
        created_by=user,
    )
    _clean(inspection)
    inspection.save()
    inspection.departments.set(departments)
    inspection.facilities.set(facilities)
    _write_team(inspection, team)
    return inspection


@transaction.atomic
def inspection_update(
    *,
    user,
    inspection: Inspection,
    inspected_on: datetime.date,
    kind: str,
    facilities: list[Facility],
    departments: list[Department] = (),
    team: list[TeamInput] = (),
    title: str = "",
    summary: str = "",
    complaint: Complaint | None = None,
) -> Inspection:
    """Correct an inspection record. A facility that already has findings from it cannot be removed, and the
    date cannot move after a finding's deadline."""
    team, facilities = list(team), list(facilities)
    _check_inspection(
        user=user,
        district=inspection.district,
        kind=kind,
        inspected_on=inspected_on,
        facilities=facilities,
        team=team,
        complaint=complaint,
    )
    with_findings = set(inspection.findings.values_list("facility_id", flat=True))
    removed = with_findings - {f.pk for f in facilities}
    if removed:
        names = listing(Facility.objects.filter(pk__in=removed).values_list("name", flat=True))
        raise RegistryError(
            _("请修正标出的问题后再保存。"),
            {"facilities": [_("以下机构已有本次检查的问题记录，不能移除：%(names)s") % {"names": names}]},
        )
    earliest = inspection.findings.order_by("deadline").values_list("deadline", flat=True).first()
    if earliest and inspected_on > earliest:
        raise RegistryError(
            _("请修正标出的问题后再保存。"),
            {
                "inspected_on": [
                    _("检查日期不能晚于已登记问题的整改期限（%(d)s）。") % {"d": earliest.isoformat()}
                ]
            },
        )
    inspection.inspected_on = inspected_on
    inspection.kind = kind
    inspection.title = title.strip()
    inspection.summary = summary.strip()
    inspection.complaint = complaint
    _clean(inspection)
    inspection.save()
    inspection.departments.set(departments)
    inspection.facilities.set(facilities)
    _write_team(inspection, team)
    return inspection


# ---------------------------------------------------------------- findings and rectification


def _lock(finding: Finding, version: int | None = None) -> Finding:
    """Re-read the finding under a row lock: two people acting at once are served one after the other, and
    the second sees the status the first left. With `version` (as the user's page showed it), a finding
    changed since is refused with what changed (core.versioning)."""
    locked = Finding.objects.select_for_update().select_related("facility", "inspection").get(pk=finding.pk)
    if version is not None and version != locked.version:
        raise StaleVersion(locked, version)
    return locked


def _record(finding, action, user, *, note="", reference="", on_date=None, happened_on=None) -> FindingAction:
    row = FindingAction(
        finding=finding,
        action=action,
        actor=user,
        note=note.strip(),
        reference=reference.strip(),
        on_date=on_date,
        happened_on=happened_on or _today(),
    )
    _clean(row, exclude=["finding", "actor"])
    row.save()
    return row


def _set_deadline(finding, kind, user, deadline, *, in_force_from=None, note="") -> FindingDeadline:
    """Add a deadline to the finding's history (never replacing an earlier one) and make it current."""
    row = FindingDeadline(
        finding=finding,
        deadline=deadline,
        in_force_from=in_force_from or _today(),
        kind=kind,
        set_by=user,
        note=note.strip()[:255],
    )
    _clean(row, exclude=["finding", "set_by"])
    row.save()
    return row


def may_answer(user, finding: Finding) -> bool:
    """The facility's operator (or a superuser) answers a finding that is open or sent back."""
    allowed = unrestricted(user) or is_operator_of(user, finding.facility)
    return bool(allowed) and finding.status in Finding.ANSWERABLE


def may_review(user, finding: Finding) -> bool:
    """District officials of the facility's district verify, reopen and change deadlines."""
    return can(user, Action.REVIEW, finding.facility)


@transaction.atomic
def finding_create(
    *,
    user,
    inspection: Inspection,
    facility: Facility,
    category: str,
    severity: str,
    description: str,
    deadline: datetime.date,
    legal_basis: str = "",
    responsible_person: str = "",
) -> Finding:
    if not can(user, Action.REVIEW, facility) or not can(user, Action.SUPERVISE, inspection.district):
        raise NotAllowed(_("只有本区卫健委可以登记检查发现的问题。"))
    errors: dict[str, list[str]] = {}
    if not inspection.facilities.filter(pk=facility.pk).exists():
        errors["facility"] = [_("该机构不在本次检查的机构之中。")]
    if deadline < inspection.inspected_on:
        errors["deadline"] = [
            _("整改期限不能早于检查日期（%(d)s）。") % {"d": inspection.inspected_on.isoformat()}
        ]
    if not description.strip():
        errors["description"] = [_("请描述发现的问题。")]
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    finding = Finding(
        inspection=inspection,
        facility=facility,
        category=category,
        severity=severity,
        description=description.strip(),
        legal_basis=legal_basis.strip(),
        responsible_person=responsible_person.strip(),
        deadline=deadline,
        created_by=user,
    )
    _clean(finding, exclude=["inspection", "facility", "created_by"])
    finding.save()
    _record(finding, FindingAction.Action.CREATED, user, on_date=deadline, note=finding.description)
    _set_deadline(finding, FindingDeadline.Kind.INITIAL, user, deadline)
    return finding


@transaction.atomic
def finding_backfill(
    *,
    user,
    inspection: Inspection,
    facility: Facility,
    category: str,
    severity: str,
    description: str,
    deadline: datetime.date,
    answered_on: datetime.date | None = None,
    verified_on: datetime.date | None = None,
    answer_note: str = "",
    legal_basis: str = "",
    responsible_person: str = "",
) -> Finding:
    """Enter a historic finding from the original record, with its real dates: found on the inspection's
    date, its deadline, when the facility answered and when it was verified. Only for an inspection
    marked as entered after the fact; the finding is marked too, and every step carries its original date
    (FindingAction.happened_on), so grading scores it by those dates, not by the day of entry."""
    if not can(user, Action.REVIEW, facility) or not can(user, Action.SUPERVISE, inspection.district):
        raise NotAllowed(_("只有本区卫健委可以补录历史问题。"))
    today, found = _today(), inspection.inspected_on
    errors: dict[str, list[str]] = {}
    if not inspection.backfilled:
        raise RegistryError(_("只有标记为“事后补录”的检查可以补录历史问题；本次检查请按整改流程登记。"))
    if not inspection.facilities.filter(pk=facility.pk).exists():
        errors["facility"] = [_("该机构不在本次检查的机构之中。")]
    if not description.strip():
        errors["description"] = [_("请描述发现的问题。")]
    if deadline < found:
        errors["deadline"] = [_("整改期限不能早于检查日期（%(d)s）。") % {"d": found.isoformat()}]
    if answered_on is not None and not found <= answered_on <= today:
        errors["answered_on"] = [_("整改提交日期须在检查日期之后、且不晚于今天。")]
    if verified_on is not None:
        if answered_on is None:
            errors["verified_on"] = [_("有验证日期时须填写整改提交日期。")]
        elif not answered_on <= verified_on <= today:
            errors["verified_on"] = [_("验证日期须在整改提交之后、且不晚于今天。")]
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    status = Finding.Status.OPEN
    if verified_on:
        status = Finding.Status.VERIFIED
    elif answered_on:
        status = Finding.Status.SUBMITTED
    finding = Finding(
        inspection=inspection,
        facility=facility,
        category=category,
        severity=severity,
        description=description.strip(),
        legal_basis=legal_basis.strip(),
        responsible_person=responsible_person.strip(),
        deadline=deadline,
        status=status,
        submitted_on=answered_on,
        verified_on=verified_on,
        verified_by=user if verified_on else None,
        backfilled=True,
        created_by=user,
    )
    _clean(finding, exclude=["inspection", "facility", "created_by", "verified_by"])
    finding.save()
    marker = _("事后补录（按原始记录）")
    _record(
        finding,
        FindingAction.Action.CREATED,
        user,
        on_date=deadline,
        note=f"{marker}：{finding.description}",
        happened_on=found,
    )
    _set_deadline(finding, FindingDeadline.Kind.INITIAL, user, deadline, in_force_from=found, note=marker)
    if answered_on:
        _record(
            finding,
            FindingAction.Action.SUBMITTED,
            user,
            note=f"{marker}：{answer_note.strip()}" if answer_note.strip() else marker,
            on_date=answered_on,
            happened_on=answered_on,
        )
    if verified_on:
        _record(
            finding,
            FindingAction.Action.VERIFIED,
            user,
            note=marker,
            on_date=verified_on,
            happened_on=verified_on,
        )
    return finding


@transaction.atomic
def finding_answer(
    *,
    user,
    finding: Finding,
    note: str,
    reference: str = "",
    rectified_on: datetime.date | None = None,
    version: int | None = None,
) -> Finding:
    """The operator describes the rectification (and where its evidence is); the finding waits for an
    official to verify it. The submission date decides whether it was on time."""
    finding = _lock(finding, version)
    if not (unrestricted(user) or is_operator_of(user, finding.facility)):
        raise NotAllowed(_("只有本机构的填报人可以提交整改情况。"))
    if finding.status not in Finding.ANSWERABLE:
        raise RegistryError(
            _("该问题当前状态为“%(status)s”，不能再提交整改。") % {"status": finding.get_status_display()}
        )
    today = _today()
    errors = {}
    if not note.strip():
        errors["note"] = [_("请说明整改情况。")]
    if rectified_on and rectified_on > today:
        errors["rectified_on"] = [_("整改完成日期不能晚于今天。")]
    if rectified_on and rectified_on < finding.inspection.inspected_on:
        errors["rectified_on"] = [_("整改完成日期不能早于检查日期。")]
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    finding.status = Finding.Status.SUBMITTED
    finding.submitted_on = today
    finding.save(update_fields=["status", "submitted_on", "updated_at"])
    _record(
        finding,
        FindingAction.Action.SUBMITTED,
        user,
        note=note,
        reference=reference,
        on_date=rectified_on or today,
    )
    return finding


@transaction.atomic
def finding_verify(
    *,
    user,
    finding: Finding,
    note: str = "",
    reference: str = "",
    verified_on: datetime.date | None = None,
    version: int | None = None,
) -> Finding:
    finding = _lock(finding, version)
    if not may_review(user, finding):
        raise NotAllowed(_("只有本区卫健委可以验证整改。"))
    if finding.status != Finding.Status.SUBMITTED:
        raise RegistryError(
            _("只有“已提交整改”的问题可以验证；当前状态为“%(status)s”。")
            % {"status": finding.get_status_display()}
        )
    verified_on = verified_on or _today()
    if verified_on > _today() or (finding.submitted_on and verified_on < finding.submitted_on):
        raise RegistryError(
            _("请修正标出的问题后再保存。"), {"verified_on": [_("验证日期须在提交整改之后、且不晚于今天。")]}
        )
    finding.status = Finding.Status.VERIFIED
    finding.verified_on = verified_on
    finding.verified_by = user
    finding.save(update_fields=["status", "verified_on", "verified_by", "updated_at"])
    _record(finding, FindingAction.Action.VERIFIED, user, note=note, reference=reference, on_date=verified_on)
    return finding


@transaction.atomic
def finding_reopen(
    *,
    user,
    finding: Finding,
    note: str,
    deadline: datetime.date | None = None,
    reference: str = "",
    version: int | None = None,
) -> Finding:
    """Send a rectification back (or reopen a verified finding that recurred), with the reason and, if
    given, a new deadline."""
    finding = _lock(finding, version)
    if not may_review(user, finding):
        raise NotAllowed(_("只有本区卫健委可以退回整改。"))
    if finding.status not in (Finding.Status.SUBMITTED, Finding.Status.VERIFIED):
        raise RegistryError(
            _("只有已提交整改或已验证销号的问题可以退回；当前状态为“%(status)s”。")
            % {"status": finding.get_status_display()}
        )
    if not note.strip():
        raise RegistryError(_("请修正标出的问题后再保存。"), {"note": [_("请写明退回原因。")]})
    if deadline and deadline < finding.inspection.inspected_on:
        raise RegistryError(_("请修正标出的问题后再保存。"), {"deadline": [_("整改期限不能早于检查日期。")]})
    finding.status = Finding.Status.REOPENED
    finding.verified_on = None
    finding.verified_by = None
    fields = ["status", "verified_on", "verified_by", "updated_at"]
    if deadline:
        finding.deadline = deadline
        fields.append("deadline")
    finding.save(update_fields=fields)
    _record(finding, FindingAction.Action.REOPENED, user, note=note, reference=reference, on_date=deadline)
    if deadline:
        # The new deadline is added to the history: the earlier ones, and the lateness measured against
        # them, stay (supervision.grading.answer_rounds).
        _set_deadline(finding, FindingDeadline.Kind.REOPENED, user, deadline, note=note)
    return finding


@transaction.atomic
def finding_set_deadline(
    *, user, finding: Finding, deadline: datetime.date, note: str, version: int | None = None
) -> Finding:
    finding = _lock(finding, version)
    if not may_review(user, finding):
        raise NotAllowed(_("只有本区卫健委可以调整整改期限。"))
    if finding.status == Finding.Status.VERIFIED:
        raise RegistryError(_("已验证销号的问题不能调整期限。"))
    errors = {}
    if not note.strip():
        errors["note"] = [_("请写明调整原因。")]
    if deadline < finding.inspection.inspected_on:
        errors["deadline"] = [_("整改期限不能早于检查日期。")]
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    old = finding.deadline
    finding.deadline = deadline
    finding.save(update_fields=["deadline", "updated_at"])
    _set_deadline(finding, FindingDeadline.Kind.EXTENDED, user, deadline, note=note)
    _record(
        finding,
        FindingAction.Action.DEADLINE,
        user,
        note=_("%(old)s → %(new)s：%(note)s")
        % {"old": old.isoformat(), "new": deadline.isoformat(), "note": note},
        on_date=deadline,
    )
    return finding


# ---------------------------------------------------------------- complaints

COMPLAINT_FIELDS = ("received_on", "channel", "summary", "handling", "outcome", "substantiated", "closed_on")


@transaction.atomic
def complaint_save(*, user, facility: Facility, data: dict, complaint: Complaint | None = None) -> Complaint:
    """Record or update a complaint about a facility (district officials of its district)."""
    target = complaint.facility if complaint else facility
    if not can(user, Action.REVIEW, target) or (complaint and facility.pk != complaint.facility_id):
        raise NotAllowed(_("只有本区卫健委可以登记和办理投诉。"))
    complaint = complaint or Complaint(facility=facility, recorded_by=user)
    for name in COMPLAINT_FIELDS:
        if name in data:
            value = data[name]
            setattr(complaint, name, value.strip() if isinstance(value, str) else value)
    errors = {}
    if complaint.received_on and complaint.received_on > _today():
        errors["received_on"] = [_("受理日期不能晚于今天。")]
    if complaint.closed_on and complaint.substantiated is None:
        errors["substantiated"] = [_("办结时须写明投诉是否属实。")]
    if complaint.closed_on and complaint.received_on and complaint.closed_on < complaint.received_on:
        errors["closed_on"] = [_("办结日期不能早于受理日期。")]
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    _clean(complaint, exclude=["facility", "recorded_by"])
    complaint.save()
    return complaint


# ---------------------------------------------------------------- fee cap income


@transaction.atomic
def household_income_set(
    *, user, district: Region, year: int, amount: Decimal, source_note: str
) -> HouseholdIncome:
    if not can(user, Action.SUPERVISE, district):
        raise NotAllowed(_("只有本区卫健委可以录入家庭月均可支配收入。"))
    errors = {}
    if amount is None or amount <= 0:
        errors["amount"] = [_("收入必须大于0。")]
    if not source_note.strip():
        errors["source_note"] = [_("请注明数据来源。")]
    if not 2000 <= year <= _today().year:
        errors["year"] = [_("年份不合理。")]
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    row, _created = HouseholdIncome.objects.update_or_create(
        district=district,
        year=year,
        defaults={"amount": amount, "source_note": source_note.strip(), "entered_by": user},
    )
    return row


# ---------------------------------------------------------------- grading weights (a district's own)


SUBJECT_CHOICES = {
    "severity": Finding.Severity.choices,
    "kind": Facility.Kind.choices,
    "disclosure": GradingWeight.Disclosure.choices,
    "grade": Grade.choices,
}


def weight_subjects(key: str) -> list[tuple[str, str]]:
    """The subjects a key takes (empty: the key has none)."""
    kind = GradingWeight.SUBJECTS.get(key)
    return list(SUBJECT_CHOICES[kind]) if kind else []


@transaction.atomic
def grading_weight_set(
    *,
    user,
    district: Region,
    key: str,
    subject: str,
    value: Decimal,
    note: str = "",
    effective_from: datetime.date | None = None,
) -> GradingWeight:
    """A district replaces one number of the project's proposal with its own. Without a date the row in
    force today (or a new undated row) takes the value; from a date, the row in force then is closed the
    day before and a new row starts, so earlier periods keep the earlier value (history by date)."""
    if not can(user, Action.SUPERVISE, district):
        raise NotAllowed(_("只有本区卫健委可以设定本区的分级参数。"))
    if key not in GradingWeight.Key.values:
        raise RegistryError(_("未知参数。"), {"key": [_("未知参数。")]})
    subject = (subject or "").strip()
    allowed = [value_ for value_, _label in weight_subjects(key)]
    if (allowed and subject not in allowed) or (not allowed and subject):
        message = (
            _("该参数的对象只能是：%(choices)s。") % {"choices": listing(allowed)}
            if allowed
            else _("该参数没有对象，请留空。")
        )
        raise RegistryError(_("请修正标出的问题后再保存。"), {"subject": [message]})
    if value is None or value < 0:
        raise RegistryError(_("请修正标出的问题后再保存。"), {"value": [_("参数不能为负数。")]})
    rows = GradingWeight.objects.select_for_update().filter(district=district, key=key, subject=subject)
    return _dated_write(
        list(rows),
        effective_from,
        {"value": value, "note": note.strip()},
        lambda **dates: GradingWeight(
            district=district, key=key, subject=subject, value=value, note=note.strip(), **dates
        ),
    )


def _dated_write(rows: list, effective_from: datetime.date | None, values: dict, build):
    """The dated rule rows of one district's weight or matrix cell (`rows`, locked): without a date the row
    in force today (or a new undated row) takes `values`; from a date, the row in force then is closed the
    day before and a new row (`build(effective_from=…, effective_to=…)`) starts, ending where the next
    later row begins, so earlier periods keep the earlier value (history by date)."""
    on = effective_from or _today()

    def in_force(day):
        return next(
            (
                r
                for r in rows
                if (r.effective_from is None or r.effective_from <= day)
                and (r.effective_to is None or r.effective_to >= day)
            ),
            None,
        )

    current = in_force(on)
    if current is not None and (effective_from is None or current.effective_from == effective_from):
        for name, value in values.items():
            setattr(current, name, value)
        _clean(current, exclude=["district"])
        current.save()
        return current
    if current is not None:  # a change from a date: the earlier row ends the day before
        ends = current.effective_to
        current.effective_to = effective_from - datetime.timedelta(days=1)
        _clean(current, exclude=["district"])
        current.save()
    else:
        later = [r.effective_from for r in rows if r.effective_from and r.effective_from > on]
        ends = min(later) - datetime.timedelta(days=1) if later else None
    row = build(effective_from=effective_from, effective_to=ends)
    _clean(row, exclude=["district"])
    row.save()
    return row


MATRIX_CHOICES = {
    "risk_level": RiskLevel.choices,
    "credit_level": CreditLevel.choices,
    "grade": Grade.choices,
}


@transaction.atomic
def grade_matrix_set(
    *,
    user,
    district: Region,
    risk_level: str,
    credit_level: str,
    grade: str,
    note: str = "",
    effective_from: datetime.date | None = None,
) -> GradeMatrixCell:
    """A district sets which grade a risk level and a credit level give together, in place of the
    project's proposal: now (the cell in force today), or from a date (the earlier cell ends the day
    before, so earlier periods keep their grade). Each value must be one of its choices ("Z" is refused
    here with a message, and by the database's CHECK)."""
    if not can(user, Action.SUPERVISE, district):
        raise NotAllowed(_("只有本区卫健委可以设定本区的分级矩阵。"))
    given = {"risk_level": risk_level, "credit_level": credit_level, "grade": grade}
    errors = {}
    for field, choices in MATRIX_CHOICES.items():
        allowed = [value for value, _label in choices]
        if given[field] not in allowed:
            errors[field] = [_("只能是：%(choices)s。") % {"choices": listing(str(c) for c in allowed)}]
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    rows = GradeMatrixCell.objects.select_for_update().filter(
        district=district, risk_level=risk_level, credit_level=credit_level
    )
    note = (note or "").strip()
    return _dated_write(
        list(rows),
        effective_from,
        {"grade": grade, "note": note},
        lambda **dates: GradeMatrixCell(district=district, note=note, **given, **dates),
    )


# ---------------------------------------------------------------- quality evaluations


@dataclass(frozen=True)
class ScoreInput:
    dimension_id: int
    item_id: int | None = None
    score: Decimal | None = None
    failed: bool = False
    note: str = ""


def may_evaluate(user, facility: Facility, kind: str) -> bool:
    if kind == Evaluation.Kind.SELF:
        return bool(unrestricted(user) or is_operator_of(user, facility))
    return can(user, Action.REVIEW, facility)


@transaction.atomic
def evaluation_create(
    *,
    user,
    facility: Facility,
    framework: EvaluationFramework,
    kind: str,
    assessed_on: datetime.date,
    scores: list[ScoreInput],
    notes: str = "",
) -> Evaluation:
    """A self-assessment (the facility's operator) or an official assessment (district officials), scored
    against the framework's items — or its dimensions where it has no items. Earlier assessments stay."""
    if kind not in Evaluation.Kind.values:
        raise RegistryError(_("未知评估方式。"))
    if not may_evaluate(user, facility, kind):
        if kind == Evaluation.Kind.SELF:
            raise NotAllowed(_("只有本机构的填报人可以填写自评。"))
        raise NotAllowed(_("只有本区卫健委可以填写官方评估。"))
    if framework.status == EvaluationFramework.Status.DRAFT:
        raise RegistryError(_("该评估框架版本尚未发布，不能用于评估。"))
    if framework.status == EvaluationFramework.Status.RETIRED:
        raise RegistryError(_("该评估框架已有新版本，请按最新版本评估。"))
    if not framework.is_active:
        raise RegistryError(_("该评估框架已停用。"))
    if assessed_on > _today():
        raise RegistryError(_("请修正标出的问题后再保存。"), {"assessed_on": [_("评估日期不能晚于今天。")]})
    dimensions = {d.pk: d for d in framework.dimensions.prefetch_related("items")}
    items = {i.pk: i for d in dimensions.values() for i in d.items.all()}
    errors: dict[str, list[str]] = {}
    rows = []
    seen = set()
    for entry in scores:
        dimension = dimensions.get(entry.dimension_id)
        item = items.get(entry.item_id) if entry.item_id else None
        if dimension is None or (entry.item_id and (item is None or item.dimension_id != dimension.pk)):
            errors.setdefault("scores", []).append(_("得分不属于该评估框架。"))
            continue
        if item is None and dimension.items.all():
            errors.setdefault("scores", []).append(
                _("“%(d)s”按条目评分，不能直接给维度打分。") % {"d": dimension.name}
            )
            continue
        key = (dimension.pk, item.pk if item else None)
        if key in seen:
            errors.setdefault("scores", []).append(_("同一条目只能评分一次。"))
            continue
        seen.add(key)
        points = item.points if item else dimension.points
        label = item.text if item else dimension.name
        if entry.score is not None:
            if entry.score < 0:
                errors.setdefault("scores", []).append(_("“%(l)s”得分不能为负数。") % {"l": label})
            elif points is not None and entry.score > points:
                errors.setdefault("scores", []).append(
                    _("“%(l)s”得分 %(s)s 超过分值 %(p)s。") % {"l": label, "s": entry.score, "p": points}
                )
            elif points is None:
                errors.setdefault("scores", []).append(_("“%(l)s”未设分值，只能填写说明。") % {"l": label})
        failed = bool(entry.failed and item is not None and item.is_veto)
        if entry.score is None and not failed and not entry.note.strip():
            continue
        rows.append(
            EvaluationScore(
                dimension=dimension, item=item, score=entry.score, failed=failed, note=entry.note.strip()
            )
        )
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)
    evaluation = Evaluation(
        facility=facility,
        framework=framework,
        kind=kind,
        assessed_on=assessed_on,
        assessor=user,
        notes=notes.strip(),
    )
    _clean(evaluation, exclude=["facility", "framework", "assessor"])
    evaluation.save()
    for row in rows:
        row.evaluation = evaluation
    try:
        EvaluationScore.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise RegistryError(_("评分保存失败：%(e)s") % {"e": exc}) from exc
    return evaluation


# ---------------------------------------------------------------- grade history


@transaction.atomic
def grade_records_keep(*, period: datetime.date, district: Region | None = None, user=None) -> int:
    """Keep the risk + credit grade of every active, real facility (of `district`, or all) for the month
    `period`, computed as of the month's last day, with the reasons. A month is kept once it has ended;
    a facility already kept for that month is left as it was (a record is never rewritten). Returns how
    many records were added. With `user`: only a district official of `district` (or a superuser)."""
    period = month_start(period)
    as_of = month_end(period)
    if user is not None and not (
        unrestricted(user) or (district is not None and can(user, Action.SUPERVISE, district))
    ):
        raise NotAllowed(_("只有本区卫健委可以记录本区的监管等级。"))
    if as_of >= _today():
        raise RegistryError(
            _("%(month)s尚未结束，月末之后才能记录该月的等级。") % {"month": period.strftime("%Y-%m")}
        )
    facilities = counted(Facility.objects.filter(operating_status__in=grading.ACTIVE_STATUSES)).exclude(
        grade_records__period=period
    )
    if district is not None:
        facilities = facilities.filter(district=district)
    try:
        results = grading.grade_all(facilities, as_of)
    except grading.GradingRuleMissing as exc:
        raise RegistryError(str(exc)) from exc
    GradeRecord.objects.bulk_create(
        [
            GradeRecord(
                facility=r.facility,
                period=period,
                as_of=as_of,
                grade=r.grade,
                risk_level=r.risk_level,
                credit_level=r.credit_level,
                risk_points=r.risk_points,
                credit_points=r.credit_points,
                reasons=[
                    {
                        "part": line.part,
                        "key": line.key,
                        "label": line.label,
                        "detail": line.detail,
                        "points": str(line.points),
                        "finding_id": line.finding_id,
                        "complaint_id": line.complaint_id,
                    }
                    for line in r.lines
                ],
            )
            for r in results
        ],
        ignore_conflicts=True,  # kept by a concurrent run meanwhile: the first record stays
    )
    return len(results)


# ---------------------------------------------------------------- evaluation framework editions


def _may_manage_frameworks(user) -> bool:
    # The frameworks are national standards (WS/T 821) or a district's own headings shared by every
    # facility: their editions are managed centrally.
    return bool(unrestricted(user))


@transaction.atomic
def framework_draft_next(*, user, framework: EvaluationFramework) -> EvaluationFramework:
    """A new draft edition copied from `framework` (its dimensions, items and grade lines), to be edited
    and then published. The copied edition stays as it is: assessments made with it keep their score."""
    if not _may_manage_frameworks(user):
        raise NotAllowed(_("只有系统管理员可以起草评估框架的新版本。"))
    framework = EvaluationFramework.objects.select_for_update().get(pk=framework.pk)
    if EvaluationFramework.objects.filter(
        key=framework.key, status=EvaluationFramework.Status.DRAFT
    ).exists():
        raise RegistryError(_("该框架已有一个草稿版本，请先发布或删除它。"))
    latest = EvaluationFramework.objects.filter(key=framework.key).order_by("-edition").first()
    draft = EvaluationFramework(
        key=framework.key,
        edition=latest.edition + 1,
        status=EvaluationFramework.Status.DRAFT,
        previous=framework,
        name=framework.name,
        standard_code=framework.standard_code,
        total_points=framework.total_points,
        content_status=framework.content_status,
        veto_grade=framework.veto_grade,
        source=framework.source,
        basis=framework.basis,
        is_active=framework.is_active,
        created_by=user,
    )
    _clean(draft, exclude=["previous", "source", "created_by"])
    draft.save()
    for dimension in framework.dimensions.prefetch_related("items").order_by("sort_order", "code"):
        copy = EvaluationDimension.objects.create(
            framework=draft,
            code=dimension.code,
            name=dimension.name,
            points=dimension.points,
            sort_order=dimension.sort_order,
        )
        EvaluationItem.objects.bulk_create(
            [
                EvaluationItem(
                    dimension=copy,
                    code=item.code,
                    text=item.text,
                    points=item.points,
                    is_veto=item.is_veto,
                    sort_order=item.sort_order,
                )
                for item in dimension.items.all()
            ]
        )
    GradeThreshold.objects.bulk_create(
        [
            GradeThreshold(
                framework=draft, grade=t.grade, min_score=t.min_score, sort_order=t.sort_order, basis=t.basis
            )
            for t in framework.thresholds.all()
        ]
    )
    return draft


@transaction.atomic
def framework_publish(*, user, framework: EvaluationFramework) -> EvaluationFramework:
    """Publish a draft edition: from now on it is frozen and offered for new assessments; the edition
    published before it is retired (frozen as well, and still the one its assessments were made with)."""
    if not _may_manage_frameworks(user):
        raise NotAllowed(_("只有系统管理员可以发布评估框架。"))
    framework = EvaluationFramework.objects.select_for_update().get(pk=framework.pk)
    if framework.status != EvaluationFramework.Status.DRAFT:
        raise RegistryError(_("只有草稿版本可以发布。"))
    dimensions = list(framework.dimensions.prefetch_related("items"))
    if not dimensions:
        raise RegistryError(_("草稿没有任何评估维度，不能发布。"))
    points = [d.points for d in dimensions]
    if (
        framework.total_points is not None
        and all(p is not None for p in points)
        and sum(points) != framework.total_points
    ):
        raise RegistryError(
            _("各维度分值之和 %(sum)s 与总分 %(total)s 不一致。")
            % {"sum": sum(points), "total": framework.total_points}
        )
    EvaluationFramework.objects.filter(key=framework.key, status=EvaluationFramework.Status.PUBLISHED).update(
        status=EvaluationFramework.Status.RETIRED, version=F("version") + 1
    )
    framework.status = EvaluationFramework.Status.PUBLISHED
    framework.published_on = _today()
    framework.save(update_fields=["status", "published_on", "updated_at"])
    return framework
