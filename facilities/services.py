"""Writes and workflows of the registry. Views, admin actions, commands and the API call these.

Every function takes the acting user, checks permission through core.access, validates against
the rule tables, and runs in one transaction. Refusals raise RegistryError (core.errors.ServiceError) or
NotAllowed / ConcurrencyError with a message for the user; nothing is written then.
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

from core import usernames
from core.access import Action, can, forget_grants, is_operator_of, unrestricted

# The registry's names for core.errors' classes (the same classes): callers may use either.
from core.errors import Conflict as ConcurrencyError
from core.errors import NotAllowed
from core.errors import ServiceError as RegistryError
from core.identifiers import CREDIT_CODE_AUTHORITIES, credit_code_problem
from core.versioning import StaleVersion, claim
from facilities.models import (
    Certificate,
    ChecklistItem,
    ClassUnit,
    Facility,
    FilingSequence,
    PendingChange,
    RoleAssignment,
    StaffMember,
    StatusChange,
)
from facilities.rules import Rules, load_rules
from facilities.selectors import manageable_assignments, manageable_scope

# Fields an operator or official edits on the facility form (everything else is workflow state).
EDITABLE_FIELDS = (
    "name",
    "kind",
    "ownership",
    "is_inclusive",
    "district",
    "town",
    "address",
    "latitude",
    "longitude",
    "indoor_area_m2",
    "outdoor_area_m2",
    "premises",
    "lease_start",
    "lease_end",
    "opening_date",
    "contact_person",
    "contact_phone",
    "public_phone",
    "serves_meals",
    "monthly_fee",
    "meal_fee",
    "inclusive_slots",
    "enrolled_children",
    "notes",
    "credit_code",
    "legal_representative",
    "sponsor_kind",
    "sponsor_name",
    "min_age_months",
    "max_age_months",
    "service_types",
    "opens_at",
    "closes_at",
)


@dataclass(frozen=True)
class UnitInput:
    class_type_id: int
    classes: int
    children_per_class: int


# ---------------------------------------------------------------- validation


def validate_units(units: list[UnitInput], rules: Rules) -> list[str]:
    """Class caps from the rule table; one row per class type."""
    errors, seen = [], set()
    for unit in units:
        rule = rules.class_types.get(unit.class_type_id)
        if rule is None:
            errors.append(_("未知班型。"))
            continue
        if unit.class_type_id in seen:
            errors.append(
                _("%(type)s填写了多行；同一班型请合并为一行（班数 × 每班人数）。") % {"type": rule.name}
            )
        seen.add(unit.class_type_id)
        if unit.classes <= 0 or unit.children_per_class <= 0:
            errors.append(_("%(type)s的班数和每班人数必须大于0。") % {"type": rule.name})
        elif unit.children_per_class > rule.max_children:
            errors.append(
                _("%(type)s每班不超过%(cap)s人（国家标准），填写为%(value)s人。")
                % {"type": rule.name, "cap": rule.max_children, "value": unit.children_per_class}
            )
    return errors


def validate_facility(data: dict, units: list[UnitInput], rules: Rules) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    for message in validate_units(units, rules):
        add("units", message)
    total = sum(u.classes * u.children_per_class for u in units if u.classes > 0 and u.children_per_class > 0)
    inclusive = data.get("inclusive_slots") or 0
    if inclusive < 0:
        add("inclusive_slots", _("普惠托位数不能为负数。"))
    elif inclusive > total:
        add(
            "inclusive_slots",
            _("普惠托位数（%(inclusive)s）不能大于班级设置合计的托位总数（%(total)s）。")
            % {"inclusive": inclusive, "total": total},
        )
    if inclusive and not data.get("is_inclusive"):
        add("is_inclusive", _("填写了普惠托位的机构须标记为普惠机构。"))
    town, district = data.get("town"), data.get("district")
    if town and district and town.parent_id != district.pk:
        add("town", _("所选镇街不属于所选区县。"))
    if data.get("premises") == Facility.Premises.LEASED and not data.get("lease_end"):
        add("lease_end", _("租赁场地须填写租期止。"))
    for field, message in validate_record(data):
        add(field, message)
    return errors


def validate_record(data: dict) -> list[tuple[str, str]]:
    """The legal identity, ages and hours: the credit code's check character and its first character
    against the legal form (Facility.CREDIT_CODE_AUTHORITY), the 举办者 named, ages and hours in order."""
    problems = []
    code = data.get("credit_code") or ""
    problem = credit_code_problem(code) if code else None
    if problem:
        problems.append(("credit_code", problem))
    expected = Facility.CREDIT_CODE_AUTHORITY.get(data.get("ownership") or "")
    if code and not problem and expected and code[0] != expected:
        problems.append(
            (
                "credit_code",
                _(
                    "举办性质为“%(ownership)s”的机构应由%(authority)s登记，统一社会信用代码第1位应为“%(expected)s”，"
                    "现为“%(first)s”（%(actual)s）。请核对代码或举办性质。"
                )
                % {
                    "ownership": Facility.Ownership(data["ownership"]).label,
                    "authority": CREDIT_CODE_AUTHORITIES[expected],
                    "expected": expected,
                    "first": code[0],
                    "actual": CREDIT_CODE_AUTHORITIES[code[0]],
                },
            )
        )
    if data.get("sponsor_kind") and not (data.get("sponsor_name") or "").strip():
        problems.append(("sponsor_name", _("请填写举办者的姓名或单位名称。")))
    if (data.get("sponsor_name") or "").strip() and not data.get("sponsor_kind"):
        problems.append(("sponsor_kind", _("请选择举办者是自然人还是法人或其他组织。")))
    low, high = data.get("min_age_months"), data.get("max_age_months")
    for field, months in (("min_age_months", low), ("max_age_months", high)):
        if months is not None and not 0 <= months <= 36:
            problems.append((field, _("招收月龄应在0至36个月之间。")))
    if low is not None and high is not None and low > high:
        problems.append(("max_age_months", _("招收最大月龄不能小于最小月龄。")))
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if (opens is None) != (closes is None):
        problems.append(("closes_at" if closes is None else "opens_at", _("开园和离园时间须同时填写。")))
    elif opens is not None and opens >= closes:
        problems.append(("closes_at", _("离园时间必须晚于开园时间。")))
    return problems


# ---------------------------------------------------------------- create and edit


def _write(facility: Facility, data: dict, units: list[UnitInput]) -> None:
    """Apply fields and units. Lowering inclusive slots goes first and raising it last, so the database's
    inclusive ≤ total check holds at every step while units change."""
    new_inclusive = data.get("inclusive_slots") or 0
    for field in EDITABLE_FIELDS:
        if field in data and field != "inclusive_slots":
            setattr(facility, field, data[field])
    facility.inclusive_slots = min(facility.inclusive_slots, new_inclusive)
    facility.save()
    existing = {u.class_type_id: u for u in facility.units.all()}
    wanted = {u.class_type_id: u for u in units}
    for type_id, unit in existing.items():
        if type_id not in wanted:
            unit.delete()
    for type_id, unit in wanted.items():
        row = existing.get(type_id)
        if row is None:
            ClassUnit.objects.create(
                facility=facility,
                class_type_id=type_id,
                classes=unit.classes,
                children_per_class=unit.children_per_class,
            )
        elif (row.classes, row.children_per_class) != (unit.classes, unit.children_per_class):
            row.classes, row.children_per_class = unit.classes, unit.children_per_class
            row.save()
    if facility.inclusive_slots != new_inclusive:
        Facility.objects.filter(pk=facility.pk).update(inclusive_slots=new_inclusive)
    facility.refresh_from_db()


def _check(data: dict, units: list[UnitInput]) -> None:
    if data.get("credit_code"):
        data["credit_code"] = data["credit_code"].strip().upper()  # as printed on the licence
    errors = validate_facility(data, units, load_rules())
    if errors:
        raise RegistryError(_("请修正标出的问题后再保存。"), errors)


@transaction.atomic
def facility_create(*, user, data: dict, units: list[UnitInput]) -> Facility:
    """A new facility record (draft). An operator who creates it becomes its operator."""
    district = data.get("district")
    if district is None or not can(user, Action.REGISTER, district):
        raise NotAllowed(_("您不能在该区县登记机构。"))
    _check(data, units)
    facility = Facility(filing_status=Facility.FilingStatus.DRAFT)
    try:
        _write(facility, data, units)
    except IntegrityError as exc:
        raise RegistryError(integrity_message(exc)) from exc
    if (
        not unrestricted(user)
        and not RoleAssignment.objects.filter(
            user=user, role=RoleAssignment.Role.DISTRICT_OFFICIAL, region=district
        ).exists()
    ):
        RoleAssignment.objects.create(
            user=user, role=RoleAssignment.Role.OPERATOR, facility=facility, granted_by=user
        )
        forget_grants(user)
    ensure_checklist(facility)
    return facility


def ensure_checklist(facility: Facility) -> None:
    present = set(facility.checklist.values_list("item", flat=True))
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(facility=facility, item=item)
            for item in ChecklistItem.Item.values
            if item not in present
        ]
    )


def _bump_version(facility: Facility, expected_version: int) -> None:
    """Optimistic lock (core.versioning): only one of two saves based on the same version succeeds; the
    other is refused with what changed meanwhile. The facility keeps its version in the service because an
    operator's edit of a filed record becomes a pending change against the version it bumps."""
    facility.version = claim(Facility, facility.pk, expected_version)


def _facility_editable(user, facility: Facility) -> None:
    """The one rule of who may edit a facility record (the admin asks `may_edit_directly`)."""
    if not can(user, Action.EDIT, facility):
        raise NotAllowed(_("您无权编辑该机构。"))
    if facility.archived_at is not None:
        raise NotAllowed(_("该机构已归档，记录不能再编辑。"))
    if facility.operating_status == Facility.OperatingStatus.CLOSED:
        raise NotAllowed(_("该机构已关停，记录不能再编辑。"))
    if facility.filing_status == Facility.FilingStatus.SUBMITTED and not can(user, Action.REVIEW, facility):
        raise NotAllowed(_("备案材料审核期间不能修改；如需修改，请联系区卫健委退回。"))


def may_edit_directly(user, facility: Facility | None) -> bool:
    """Whether an edit by `user` would change the record at once (not become a pending change): the rule
    of facility_update, for the admin, which writes directly."""
    if facility is None or unrestricted(user):
        return True
    try:
        _facility_editable(user, facility)
    except NotAllowed:
        return False
    return facility.filing_status != Facility.FilingStatus.FILED or can(user, Action.REVIEW, facility)


def may_edit_staff(user, facility: Facility | None) -> bool:
    """Whether `user` may change the roster of `facility` (the rule of staff_save)."""
    if facility is None or unrestricted(user):
        return True
    try:
        _staff_editable(user, facility)
    except NotAllowed:
        return False
    return True


@transaction.atomic
def facility_update(
    *, user, facility: Facility, data: dict, units: list[UnitInput], expected_version: int
) -> Facility | PendingChange:
    """Edit a facility. An operator's change to a filed record becomes a PendingChange for review; the
    approved record stays what the public and the statistics see."""
    _facility_editable(user, facility)
    new_district = data.get("district")
    moving = new_district is not None and new_district.pk != facility.district_id
    if moving and not can(user, Action.REGISTER, new_district):
        raise NotAllowed(_("您不能把机构移到该区县。"))
    _check(data, units)
    _bump_version(facility, expected_version)
    if facility.filing_status == Facility.FilingStatus.FILED and not can(user, Action.REVIEW, facility):
        PendingChange.objects.filter(facility=facility, status=PendingChange.Status.PENDING).update(
            status=PendingChange.Status.WITHDRAWN,
            decided_at=timezone.now(),
            decision_reason=_("被新提交的变更替代"),
        )
        return PendingChange.objects.create(
            facility=facility,
            data=serialize_change(data, units),
            base_version=facility.version,
            submitted_by=user,
        )
    try:
        _write(facility, data, units)
    except IntegrityError as exc:
        raise RegistryError(integrity_message(exc)) from exc
    return facility


def serialize_change(data: dict, units: list[UnitInput]) -> dict:
    fields = {}
    for key in EDITABLE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime.date | datetime.time):
            value = value.isoformat()
        fields[key] = value
    return {
        "fields": fields,
        "units": [
            {
                "class_type_id": u.class_type_id,
                "classes": u.classes,
                "children_per_class": u.children_per_class,
            }
            for u in units
        ],
    }


def deserialize_change(payload: dict) -> tuple[dict, list[UnitInput]]:
    from targets.models import Region

    data = {}
    for key, value in payload["fields"].items():
        field = Facility._meta.get_field(key)
        if field.is_relation:
            data[key] = Region.objects.get(pk=value) if value is not None else None
        elif value is None:
            data[key] = None
        else:
            data[key] = field.to_python(value)
    return data, [UnitInput(**u) for u in payload["units"]]


# ---------------------------------------------------------------- checklist and filing


@transaction.atomic
def checklist_update(
    *,
    user,
    facility: Facility,
    items: dict[str, tuple[bool, str]],
    versions: dict[str, int] | None = None,
) -> None:
    """Save the filing materials. `versions` are the versions of the rows as the user saw them: a row
    someone else changed since is refused (StaleVersion), and nothing of the checklist is written."""
    if not can(user, Action.EDIT, facility):
        raise NotAllowed(_("您无权编辑该机构。"))
    if facility.operating_status == Facility.OperatingStatus.CLOSED:
        raise NotAllowed(_("该机构已关停，记录不能再编辑。"))
    ensure_checklist(facility)
    for row in facility.checklist.all():
        if row.item in items:
            provided, reference = items[row.item]
            read = (versions or {}).get(row.item)
            if read is not None and read != row.version:
                raise StaleVersion(row, read)
            if (row.provided, row.reference) != (provided, reference):
                row.provided, row.reference = provided, reference
                row.save()


def missing_materials(facility: Facility) -> list[str]:
    needed = set(ChecklistItem.Item.values)
    if not facility.serves_meals:
        needed.discard(ChecklistItem.Item.FOOD_LICENCE)
    provided = {row.item for row in facility.checklist.all() if row.provided}
    return [
        str(ChecklistItem.Item(item).label) for item in ChecklistItem.Item.values if item in needed - provided
    ]


@transaction.atomic
def filing_submit(*, user, facility: Facility) -> Facility:
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if not can(user, Action.EDIT, facility):
        raise NotAllowed(_("您无权提交该机构的备案。"))
    if facility.archived_at is not None:
        raise NotAllowed(_("该机构已归档，不能提交备案。"))
    if facility.filing_status not in (Facility.FilingStatus.DRAFT, Facility.FilingStatus.RETURNED):
        raise NotAllowed(
            _("当前备案状态为“%(status)s”，不能提交。") % {"status": facility.get_filing_status_display()}
        )
    if facility.operating_status == Facility.OperatingStatus.CLOSED:
        raise NotAllowed(_("该机构已关停，不能提交备案。"))
    problems = []
    if not facility.units.exists():
        problems.append(_("尚未填写班级设置。"))
    missing = missing_materials(facility)
    if missing:
        problems.append(_("备案材料未齐：%(items)s。") % {"items": "、".join(missing)})
    if problems:
        raise RegistryError(" ".join(problems))
    facility.filing_status = Facility.FilingStatus.SUBMITTED
    facility.submitted_at = timezone.now()
    facility.acknowledged_at = None
    facility.return_reason = ""
    facility.save()
    return facility


@transaction.atomic
def facility_archive(*, user, facility: Facility) -> Facility:
    """Archive a draft that will not be filed. Registry records are never deleted: the archived facility
    leaves every list, page and statistic of the people who work with it, and superusers still read it
    with its whole history. A filed facility is closed instead (the operating-status workflow)."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if not can(user, Action.EDIT, facility):
        raise NotAllowed(_("您无权归档该机构。"))
    if facility.archived_at is not None:
        raise NotAllowed(_("该机构已归档。"))
    if facility.filing_status not in (Facility.FilingStatus.DRAFT, Facility.FilingStatus.RETURNED):
        raise NotAllowed(_("只有未备案的草稿可以归档；已提交或已备案的机构请办理关停。"))
    facility.archived_at = timezone.now()
    facility.archived_by = user if getattr(user, "is_authenticated", False) else None
    facility.version = claim(Facility, facility.pk, facility.version)
    facility.save(update_fields=["archived_at", "archived_by", "version", "updated_at", "updated_by"])
    return facility


def _reviewable(user, facility: Facility) -> Facility:
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if not can(user, Action.REVIEW, facility):
        raise NotAllowed(_("只有本区卫健委可以审核备案。"))
    if is_operator_of(user, facility):
        raise NotAllowed(_("不能审核自己填报的机构。"))
    return facility


@transaction.atomic
def filing_acknowledge(*, user, facility: Facility) -> Facility:
    facility = _reviewable(user, facility)
    if facility.filing_status != Facility.FilingStatus.SUBMITTED:
        raise NotAllowed(_("只有已提交待审的备案可以出具回执。"))
    if facility.acknowledged_at is None:
        facility.acknowledged_at = timezone.now()
        facility.save()
    return facility


@transaction.atomic
def filing_approve(*, user, facility: Facility, on: datetime.date | None = None) -> Facility:
    facility = _reviewable(user, facility)
    if facility.filing_status != Facility.FilingStatus.SUBMITTED:
        raise NotAllowed(
            _("只有已提交待审的备案可以通过（当前：%(status)s）。")
            % {"status": facility.get_filing_status_display()}
        )
    on = on or timezone.localdate()
    sequence, _created = FilingSequence.objects.select_for_update().get_or_create(
        district_id=facility.district_id, year=on.year
    )
    sequence.last += 1
    sequence.save()
    facility.filing_number = f"{facility.district.code}-{on.year}-{sequence.last:04d}"
    facility.filed_on = on
    facility.filing_status = Facility.FilingStatus.FILED
    facility.acknowledged_at = facility.acknowledged_at or timezone.now()
    facility.return_reason = ""
    facility.save()
    return facility


@transaction.atomic
def filing_return(*, user, facility: Facility, reason: str) -> Facility:
    facility = _reviewable(user, facility)
    if facility.filing_status != Facility.FilingStatus.SUBMITTED:
        raise NotAllowed(_("只有已提交待审的备案可以退回。"))
    if not reason.strip():
        raise RegistryError(_("退回须写明原因。"), {"reason": [_("请填写退回原因。")]})
    facility.filing_status = Facility.FilingStatus.RETURNED
    facility.return_reason = reason.strip()
    facility.acknowledged_at = facility.acknowledged_at or timezone.now()
    facility.save()
    return facility


# ---------------------------------------------------------------- pending changes


@transaction.atomic
def pending_change_approve(*, user, change: PendingChange) -> Facility:
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    facility = _reviewable(user, change.facility)
    if change.status != PendingChange.Status.PENDING:
        raise NotAllowed(_("该变更已处理。"))
    if facility.version != change.base_version:
        raise ConcurrencyError(_("该机构在变更提交后又被修改，请驳回后由机构重新提交。"))
    if facility.operating_status == Facility.OperatingStatus.CLOSED:
        raise NotAllowed(_("该机构已关停，变更不能再生效。"))
    data, units = deserialize_change(change.data)
    _check(data, units)
    facility.version += 1  # the row is locked; the approved change is a new version of the record
    try:
        _write(facility, data, units)
    except IntegrityError as exc:
        raise RegistryError(integrity_message(exc)) from exc
    change.status = PendingChange.Status.APPROVED
    change.decided_by = user
    change.decided_at = timezone.now()
    change.save()
    return facility


@transaction.atomic
def pending_change_reject(*, user, change: PendingChange, reason: str) -> PendingChange:
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    _reviewable(user, change.facility)
    if change.status != PendingChange.Status.PENDING:
        raise NotAllowed(_("该变更已处理。"))
    if not reason.strip():
        raise RegistryError(_("驳回须写明原因。"), {"reason": [_("请填写驳回原因。")]})
    change.status = PendingChange.Status.REJECTED
    change.decided_by = user
    change.decided_at = timezone.now()
    change.decision_reason = reason.strip()
    change.save()
    return change


# ---------------------------------------------------------------- operating status

TRANSITIONS = {
    Facility.OperatingStatus.PLANNED: {
        Facility.OperatingStatus.UNDER_CONSTRUCTION,
        Facility.OperatingStatus.OPERATING,
    },
    Facility.OperatingStatus.UNDER_CONSTRUCTION: {
        Facility.OperatingStatus.OPERATING,
        Facility.OperatingStatus.CLOSED,
    },
    Facility.OperatingStatus.OPERATING: {Facility.OperatingStatus.SUSPENDED, Facility.OperatingStatus.CLOSED},
    Facility.OperatingStatus.SUSPENDED: {Facility.OperatingStatus.OPERATING, Facility.OperatingStatus.CLOSED},
    Facility.OperatingStatus.CLOSED: set(),
}


@transaction.atomic
def operating_status_change(
    *,
    user,
    facility: Facility,
    to_status: str,
    effective_on: datetime.date,
    reason: str,
    children_placement: str = "",
) -> StatusChange:
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if not can(user, Action.MANAGE_STATUS, facility):
        raise NotAllowed(_("只有本区卫健委可以变更机构运营状态。"))
    if facility.archived_at is not None:
        raise NotAllowed(_("该机构已归档，运营状态不能再变更。"))
    if to_status not in TRANSITIONS[facility.operating_status]:
        raise NotAllowed(
            _("不能从“%(old)s”变更为“%(new)s”。")
            % {
                "old": facility.get_operating_status_display(),
                "new": Facility.OperatingStatus(to_status).label,
            }
        )
    errors = {}
    if not reason.strip():
        errors["reason"] = [_("请填写原因。")]
    if to_status == Facility.OperatingStatus.CLOSED and not children_placement.strip():
        errors["children_placement"] = [_("关停须记录在托婴幼儿的去向（应急处置）。")]
    if errors:
        raise RegistryError(_("请补充必填信息。"), errors)
    change = StatusChange.objects.create(
        facility=facility,
        from_status=facility.operating_status,
        to_status=to_status,
        effective_on=effective_on,
        reason=reason.strip(),
        children_placement=children_placement.strip(),
        decided_by=user,
    )
    facility.operating_status = to_status
    facility.status_since = effective_on
    facility.version = F("version") + 1
    facility.save()
    facility.refresh_from_db()
    return change


def integrity_message(exc: IntegrityError) -> str:
    text = str(exc)
    for constraint in Facility._meta.constraints:
        if constraint.name in text:
            return str(constraint.violation_error_message)
    if "not in district" in text:
        return _("所选镇街不属于所选区县。")
    return _("保存失败：数据不符合约束（%(detail)s）。") % {"detail": text.splitlines()[0]}


# ---------------------------------------------------------------- staff


def _staff_editable(user, facility: Facility) -> None:
    if not can(user, Action.EDIT, facility) or not can(user, Action.VIEW_STAFF, facility):
        raise NotAllowed(_("您无权维护该机构的人员。"))
    if facility.operating_status == Facility.OperatingStatus.CLOSED:
        raise NotAllowed(_("该机构已关停，记录不能再编辑。"))


@transaction.atomic
def staff_save(*, user, facility: Facility, member: StaffMember) -> StaffMember:
    """Add or edit a roster entry. The roster is the facility's own record (not part of the filed capacity),
    so changes apply at once and are kept in the history."""
    _staff_editable(user, facility)
    if member.pk and member.facility_id != facility.pk:
        raise NotAllowed(_("人员不属于该机构。"))
    member.facility = facility
    try:
        member.full_clean()
        member.save()
    except ValidationError as exc:
        raise RegistryError(_("请修正标出的问题后再保存。"), exc.message_dict) from exc
    except IntegrityError as exc:
        raise RegistryError(_("该身份证号已在本机构在岗名单中。")) from exc
    return member


@transaction.atomic
def staff_add_record(*, user, member: StaffMember, record) -> None:
    """Attach a certificate or a training record to a staff member."""
    _staff_editable(user, member.facility)
    record.staff = member
    try:
        record.full_clean()
    except ValidationError as exc:
        raise RegistryError(_("请修正标出的问题后再保存。"), exc.message_dict) from exc
    record.save()


@transaction.atomic
def certificate_update(*, user, certificate: Certificate) -> Certificate:
    """Correct a certificate (number, issuer, dates) of a roster the user keeps; the history keeps the
    previous values. A retired certificate stays as it was retired."""
    _staff_editable(user, certificate.staff.facility)
    if Certificate.objects.filter(pk=certificate.pk, retired_at__isnull=False).exists():
        raise NotAllowed(_("该证书已停用，不能再修改。"))
    try:
        certificate.full_clean()
    except ValidationError as exc:
        raise RegistryError(_("请修正标出的问题后再保存。"), exc.message_dict) from exc
    certificate.save()
    return certificate


@transaction.atomic
def certificate_retire(*, user, certificate: Certificate) -> Certificate:
    """Retire a certificate (withdrawn, replaced, entered by mistake): kept with its history, never deleted,
    and no longer counted in the 持证上岗 rate or the flags."""
    _staff_editable(user, certificate.staff.facility)
    if certificate.retired_at is not None:
        raise RegistryError(_("该证书已停用。"))
    certificate.retired_at = timezone.now()
    certificate.save(update_fields=["retired_at"])
    return certificate


# ---------------------------------------------------------------- accounts


@transaction.atomic
def account_create(*, user, username: str, full_name: str, role: str, town=None, facility=None):
    """A district official opens an account below them in their own district: a town official for one of
    its towns or an operator for one of its facilities. Returns (new user, generated password) — the
    password is shown once and never stored in clear."""
    import secrets

    from django.contrib.auth import get_user_model

    _districts, towns, facilities = manageable_scope(user)
    User = get_user_model()
    if role == RoleAssignment.Role.TOWN_OFFICIAL:
        if town is None or not towns.filter(pk=town.pk).exists():
            raise NotAllowed(_("只能为本区的镇街开设账户。"))
    elif role == RoleAssignment.Role.OPERATOR:
        if facility is None or not facilities.filter(pk=facility.pk).exists():
            raise NotAllowed(_("只能为本区的机构开设账户。"))
    else:
        raise NotAllowed(_("区级管理员只能开设镇街管理员和机构填报人账户。"))
    try:
        username = usernames.clean_new_username(username)
    except ValidationError as error:
        raise RegistryError(error.messages[0], {"username": error.messages}) from None
    password = secrets.token_urlsafe(10)
    account = User.objects.create_user(username=username, password=password, first_name=full_name.strip())
    from core.signals import password_generated  # accounts flags it: changed at first sign-in

    password_generated.send(sender=account_create, user=account)
    RoleAssignment.objects.create(
        user=account,
        role=role,
        region=town if role == RoleAssignment.Role.TOWN_OFFICIAL else None,
        facility=facility if role == RoleAssignment.Role.OPERATOR else None,
        granted_by=user,
    )
    return account, password


@transaction.atomic
def role_revoke(*, user, assignment: RoleAssignment) -> None:
    if not manageable_assignments(user).filter(pk=assignment.pk).exists():
        raise NotAllowed(_("您无权撤销该授权。"))
    assignment.delete()
