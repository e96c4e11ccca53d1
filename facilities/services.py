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
from core.formatting import listing
from core.identifiers import CREDIT_CODE_AUTHORITIES, credit_code_problem
from core.versioning import StaleVersion, claim
from facilities.models import (
    Authorization,
    Certificate,
    ChecklistItem,
    ChildPlacement,
    ClassUnit,
    Facility,
    FilingSequence,
    OperatorInvitation,
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
    invitation = None
    if district is None or not can(user, Action.REGISTER, district):
        # An invited operator registers their facility in the town they were invited to, under the
        # invitation (its inviter's authority): nowhere else, and once.
        invitation = (
            OperatorInvitation.objects.select_for_update()
            .filter(user=user, registered_at__isnull=True)
            .first()
        )
        if invitation is None or district is None or district.pk != invitation.town.parent_id:
            raise NotAllowed(_("您不能在该区县登记机构。"))
        if not invitation_valid(invitation):
            raise NotAllowed(_("邀请已失效（邀请人已不再管理该镇街），请联系区卫健委。"))
        data = {**data, "town": invitation.town}
    _check(data, units)
    facility = Facility(filing_status=Facility.FilingStatus.DRAFT)
    try:
        _write(facility, data, units)
    except IntegrityError as exc:
        raise RegistryError(integrity_message(exc)) from exc
    if invitation is not None:
        RoleAssignment.objects.create(
            user=user, role=RoleAssignment.Role.OPERATOR, facility=facility, granted_by=invitation.invited_by
        )
        invitation.facility, invitation.registered_at = facility, timezone.now()
        invitation.save(update_fields=["facility", "registered_at"])
        forget_grants(user)
        ensure_checklist(facility)
        return facility
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
    if needs_review(user, facility):
        # The edit form starts from the open change's values and says so: saving again amends that change
        # (the official reviews the latest proposal), it never withdraws it unseen.
        return _propose(user, facility, serialize_change(data, units), base_version=facility.version)
    try:
        _write(facility, data, units)
    except IntegrityError as exc:
        raise RegistryError(integrity_message(exc)) from exc
    return facility


def needs_review(user, facility: Facility) -> bool:
    """Whether a change by `user` to `facility` waits for a district official: any change an operator makes
    to a filed record — its fields and class units, its filing materials (ticks and uploaded files) and its
    roster."""
    return facility.filing_status == Facility.FilingStatus.FILED and not can(user, Action.REVIEW, facility)


def open_change(facility: Facility, kind: str = PendingChange.Kind.RECORD, *, lock: bool = False):
    """The facility's open change of that kind, or None."""
    rows = PendingChange.objects.filter(facility=facility, kind=kind, status=PendingChange.Status.PENDING)
    return (rows.select_for_update() if lock else rows).first()


def _propose(user, facility: Facility, parts: dict, *, base_version: int | None = None) -> PendingChange:
    """Put `parts` (fields + units, checklist or staff) into the facility's open record change, creating it
    when there is none. The returned change has `amended` set when it amended an open one."""
    change = open_change(facility, lock=True)
    if change is None:
        change = PendingChange.objects.create(
            facility=facility,
            kind=PendingChange.Kind.RECORD,
            data=parts,
            base_version=base_version if base_version is not None else facility.version,
            submitted_by=user,
        )
        change.amended = False
        return change
    change.data = {**change.data, **parts}
    if base_version is not None:
        change.base_version = base_version
    change.amended_at = timezone.now()
    change.save()
    change.amended = True
    return change


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


STAFF_CHANGE_FIELDS = ("name", "id_number", "role", "employment", "phone", "hired_on", "left_on")


def serialize_staff(member: StaffMember) -> dict:
    """One roster entry of a pending change: the person (None for someone new), the version it was read
    at, and the values proposed."""
    fields = {}
    for name in STAFF_CHANGE_FIELDS:
        value = getattr(member, name)
        fields[name] = value.isoformat() if isinstance(value, datetime.date) else value
    return {"id": member.pk, "version": member.version if member.pk else None, "fields": fields}


def staff_from_change(entry: dict) -> StaffMember:
    """The roster entry a pending change proposes, as an unsaved StaffMember (the current row when it edits
    one, with the proposed values)."""
    member = StaffMember.objects.get(pk=entry["id"]) if entry.get("id") else StaffMember()
    for name, value in entry["fields"].items():
        setattr(member, name, StaffMember._meta.get_field(name).to_python(value))
    return member


# ---------------------------------------------------------------- checklist and filing


@transaction.atomic
def checklist_update(
    *,
    user,
    facility: Facility,
    items: dict[str, tuple[bool, str]],
    versions: dict[str, int] | None = None,
) -> PendingChange | None:
    """Save the filing materials. An operator's change to the materials of a filed facility waits for review
    as part of its open record change (returned); otherwise the rows are written. `versions` are the
    versions of the rows as the user saw them: a row someone
    else changed since is refused (StaleVersion), and nothing of the checklist is written."""
    if not can(user, Action.EDIT, facility):
        raise NotAllowed(_("您无权编辑该机构。"))
    if facility.operating_status == Facility.OperatingStatus.CLOSED:
        raise NotAllowed(_("该机构已关停，记录不能再编辑。"))
    ensure_checklist(facility)
    review = needs_review(user, facility)
    proposed = {}
    for row in facility.checklist.all():
        if row.item in items:
            provided, reference = items[row.item]
            read = (versions or {}).get(row.item)
            if read is not None and read != row.version:
                raise StaleVersion(row, read)
            if (row.provided, row.reference) != (provided, reference):
                if review:
                    proposed[row.item] = [provided, reference]
                    # as for a roster entry: a stale tab's proposal for this item is refused, not merged
                    row.version = claim(ChecklistItem, row.pk, row.version, instance=row)
                else:
                    row.provided, row.reference = provided, reference
                    row.save()
    if review:
        # The checklist form starts from the open proposal, so what it sends is the whole proposal now: an
        # item set back to its filed value leaves the proposal.
        change = open_change(facility, lock=True)
        if not proposed and (change is None or "checklist" not in change.data):
            return None
        if not proposed and set(change.data) == {"checklist"}:
            change.status = PendingChange.Status.WITHDRAWN
            change.decided_at = timezone.now()
            change.decision_reason = _("机构撤回了全部拟变更的备案材料。")
            change.save()
            return change
        if not proposed:
            change.data = {k: v for k, v in change.data.items() if k != "checklist"}
            change.amended_at = timezone.now()
            change.save()
            return change
        return _propose(user, facility, {"checklist": proposed})
    return None


def missing_materials(facility: Facility) -> list[str]:
    """The required materials not yet provided: unticked, or without an uploaded file (documents.py)."""
    from facilities.documents import current_files, required_items

    provided = {row.item for row in facility.checklist.all() if row.provided}
    files = current_files(facility)
    return [
        str(ChecklistItem.Item(item).label)
        for item in required_items(facility)
        if item not in provided or item not in files
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
        problems.append(_("备案材料未齐：%(items)s。") % {"items": listing(missing)})
    from facilities.documents import material_problems

    to_correct = [p.label for p in material_problems(facility) if p.problem == "correction"]
    if to_correct:
        problems.append(_("以下材料须按要求补正后重新上传：%(items)s。") % {"items": listing(to_correct)})
    if problems:
        raise RegistryError(" ".join(problems))
    facility.filing_status = Facility.FilingStatus.SUBMITTED
    facility.submitted_at = timezone.now()
    facility.acknowledged_at = None
    facility.return_reason = ""
    facility.version += 1  # the row is locked; every workflow transition is a new version (API sync)
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
        from facilities.documents import issue_receipt

        facility.acknowledged_at = timezone.now()
        facility.version += 1  # the row is locked; every workflow transition is a new version (API sync)
        facility.save()
        issue_receipt(user=user, facility=facility)
    return facility


def open_flags(facility: Facility) -> list[tuple[str, str]]:
    """The rule flags raised on `facility` now (facilities.selectors.with_flags), with their labels."""
    from facilities.selectors import flags_of, with_flags

    return flags_of(with_flags(Facility.objects.filter(pk=facility.pk)).get())


@transaction.atomic
def filing_approve(
    *, user, facility: Facility, on: datetime.date | None = None, confirm_flags: bool = False
) -> Facility:
    """Approve a submitted filing. With rule flags open the official must confirm (`confirm_flags`) that
    they approve over them; otherwise it is refused with the flags listed."""
    facility = _reviewable(user, facility)
    if facility.filing_status != Facility.FilingStatus.SUBMITTED:
        raise NotAllowed(
            _("只有已提交待审的备案可以通过（当前：%(status)s）。")
            % {"status": facility.get_filing_status_display()}
        )
    flags = open_flags(facility)
    if flags and not confirm_flags:
        message = _("该机构有未解决的提示：%(flags)s。如确认仍予备案，请勾选确认后再通过。") % {
            "flags": listing(label for _code, label in flags)
        }
        raise RegistryError(message, {"confirm_flags": [message]})
    on = on or timezone.localdate()
    sequence, _created = FilingSequence.objects.select_for_update().get_or_create(
        district_id=facility.district_id, year=on.year
    )
    sequence.last += 1
    sequence.save()
    if open_authorization(facility) is not None:
        raise NotAllowed(_("该机构已有一项有效的备案记录，不能重复备案。"))
    facility.filing_number = f"{facility.district.code}-{on.year}-{sequence.last:04d}"
    facility.filed_on = on
    facility.filing_cancelled_on = None  # a new filing after a cancelled one: the cache shows the new one
    facility.filing_status = Facility.FilingStatus.FILED
    facility.acknowledged_at = facility.acknowledged_at or timezone.now()
    facility.return_reason = ""
    facility.version += 1  # the row is locked; every workflow transition is a new version (API sync)
    facility.save()
    # The dated record of the filing (the facility's fields above are its current-state cache).
    Authorization.objects.create(
        facility=facility,
        regime=Authorization.Regime.FILING,
        number=facility.filing_number,
        authority_id=facility.district_id,
        granted_on=on,
    )
    return facility


def open_authorization(facility: Facility, regime: str = Authorization.Regime.FILING) -> Authorization | None:
    """The facility's record of `regime` in force (not cancelled), locked; None when there is none. A filed
    facility whose record predates the records (written before them, or synthetic) gets it now from its own
    fields, when they are there: its number, the district, the filing date — never guessed."""
    record = (
        Authorization.objects.select_for_update(of=("self",))
        .filter(facility=facility, regime=regime, cancelled_on__isnull=True)
        .order_by("pk")
        .first()
    )
    if (
        record is None
        and regime == Authorization.Regime.FILING
        and facility.filing_status == Facility.FilingStatus.FILED
        and facility.filing_number
        and facility.filed_on
        and not Authorization.objects.filter(regime=regime, number=facility.filing_number).exists()
    ):
        record = Authorization.objects.create(
            facility=facility,
            regime=regime,
            number=facility.filing_number,
            authority_id=facility.district_id,
            granted_on=facility.filed_on,
        )
    return record


@transaction.atomic
def filing_return(*, user, facility: Facility, reason: str) -> Facility:
    facility = _reviewable(user, facility)
    if facility.filing_status != Facility.FilingStatus.SUBMITTED:
        raise NotAllowed(_("只有已提交待审的备案可以退回。"))
    if not reason.strip():
        raise RegistryError(_("退回须写明原因。"), {"reason": [_("请填写退回原因。")]})
    from facilities.documents import issue_notice

    facility.filing_status = Facility.FilingStatus.RETURNED
    facility.return_reason = reason.strip()
    facility.acknowledged_at = facility.acknowledged_at or timezone.now()
    facility.version += 1  # the row is locked; every workflow transition is a new version (API sync)
    facility.save()
    issue_notice(user=user, facility=facility, reason=facility.return_reason)
    return facility


# ---------------------------------------------------------------- pending changes


@transaction.atomic
def pending_change_approve(*, user, change: PendingChange) -> Facility:
    """Apply what the change asks: the record's fields and units, the filing materials, the roster entries
    (a record change), or the suspension or closure (a status request, with its placements)."""
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    facility = _reviewable(user, change.facility)
    if change.status != PendingChange.Status.PENDING:
        raise NotAllowed(_("该变更已处理。"))
    if change.kind == PendingChange.Kind.STATUS:
        request = change.data
        operating_status_change(
            user=user,
            facility=facility,
            to_status=request["to_status"],
            effective_on=datetime.date.fromisoformat(request["effective_on"]),
            reason=request["reason"],
            children_placement=request.get("note", ""),
            placements=[PlacementInput(**p) for p in request.get("placements", [])],
            request=change,
        )
        facility.refresh_from_db()
    else:
        if facility.operating_status == Facility.OperatingStatus.CLOSED:
            raise NotAllowed(_("该机构已关停，变更不能再生效。"))
        if "fields" in change.data:
            if facility.version != change.base_version:
                raise ConcurrencyError(_("该机构在变更提交后又被修改，请驳回后由机构重新提交。"))
            data, units = deserialize_change(change.data)
            _check(data, units)
            facility.version += 1  # the row is locked; the approved change is a new version of the record
            try:
                _write(facility, data, units)
            except IntegrityError as exc:
                raise RegistryError(integrity_message(exc)) from exc
        _apply_checklist(facility, change.data.get("checklist") or {})
        for entry in change.data.get("staff") or []:
            _apply_staff(facility, entry)
    change.status = PendingChange.Status.APPROVED
    change.decided_by = user
    change.decided_at = timezone.now()
    change.save()
    _settle_materials(user, change, accepted=True)
    return facility


def _settle_materials(user, change: PendingChange, *, accepted: bool) -> None:
    """The files a record change proposed (facilities.documents): in force when it is approved, out of force
    (rejected or withdrawn, kept with their history) otherwise."""
    if change.kind != PendingChange.Kind.RECORD or not (change.data or {}).get("materials"):
        return
    from facilities.documents import proposed_materials_settle

    proposed_materials_settle(user=user, change=change, accepted=accepted)


def _apply_checklist(facility: Facility, proposed: dict) -> None:
    ensure_checklist(facility)
    for row in facility.checklist.filter(item__in=list(proposed)):
        provided, reference = proposed[row.item]
        row.provided, row.reference = provided, reference
        row.save()


def _apply_staff(facility: Facility, entry: dict) -> None:
    member = staff_from_change(entry)
    if member.pk and member.facility_id != facility.pk:
        raise NotAllowed(_("人员不属于该机构。"))
    if member.pk and entry.get("version") is not None and member.version != entry["version"]:
        raise ConcurrencyError(
            _("%(name)s的信息在申请提交后又被修改，请驳回后由机构重新提交。") % {"name": member.name}
        )
    member.facility = facility
    try:
        member.full_clean()
        member.save()
    except ValidationError as exc:
        problem = {"name": member.name, "problem": exc.messages[0]}
        raise RegistryError(_("人员%(name)s：%(problem)s") % problem) from exc
    except IntegrityError as exc:
        raise RegistryError(_("该身份证号已在本机构在岗名单中。")) from exc


@transaction.atomic
def pending_change_withdraw(*, user, change: PendingChange) -> PendingChange:
    """The facility's operator takes back an open request before it is decided."""
    change = PendingChange.objects.select_for_update().get(pk=change.pk)
    if not can(user, Action.EDIT, change.facility) or not is_operator_of(user, change.facility):
        raise NotAllowed(_("只有机构填报人可以撤回本机构的申请。"))
    if change.status != PendingChange.Status.PENDING:
        raise NotAllowed(_("该申请已处理，不能撤回。"))
    change.status = PendingChange.Status.WITHDRAWN
    change.decided_at = timezone.now()
    change.decision_reason = _("机构撤回")
    change.save()
    _settle_materials(user, change, accepted=False)
    return change


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
    _settle_materials(user, change, accepted=False)
    return change


# ---------------------------------------------------------------- operating status


@dataclass(frozen=True)
class PlacementInput:
    """Where some children of a closing facility go: a facility of the registry, home, or elsewhere."""

    destination: str
    children: int
    receiving_facility_id: int | None = None
    confirmed: bool = False
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "destination": self.destination,
            "children": self.children,
            "receiving_facility_id": self.receiving_facility_id,
            "confirmed": self.confirmed,
            "note": self.note,
        }


def receiving_facilities(facility: Facility):
    """Facilities of the registry that can take children from `facility`: real, filed and operating, in its
    district (the directory's public information), never itself."""
    return Facility.objects.publicly_listed().filter(district_id=facility.district_id).exclude(pk=facility.pk)


def validate_placements(facility: Facility, placements: list[PlacementInput], note: str) -> dict[str, list]:
    """A closure accounts for every enrolled child: the placements add up to the recorded 在托人数; with no
    recorded number, at least one placement or a note (e.g. none were enrolled) is needed."""
    errors: dict[str, list] = {}
    allowed = set(receiving_facilities(facility).values_list("pk", flat=True))
    for placement in placements:
        if placement.children is None or placement.children <= 0:
            errors.setdefault("placements", []).append(_("去向人数须大于0。"))
        if placement.destination not in ChildPlacement.Destination.values:
            errors.setdefault("placements", []).append(_("未知去向。"))
        elif placement.destination == ChildPlacement.Destination.FACILITY:
            if placement.receiving_facility_id not in allowed:
                errors.setdefault("placements", []).append(
                    _("转入其他托育机构时须从本区已备案、正常运营的机构中选择接收机构。")
                )
        elif placement.receiving_facility_id is not None:
            errors.setdefault("placements", []).append(_("回家照护或其他去向不选接收机构。"))
    placed = sum(p.children or 0 for p in placements)
    enrolled = facility.enrolled_children
    if enrolled is not None and placed != enrolled:
        errors.setdefault("placements", []).append(
            _("在托 %(enrolled)s 人，已记录去向 %(placed)s 人：关停须逐一记录全部婴幼儿的去向。")
            % {"enrolled": enrolled, "placed": placed}
        )
    if enrolled is None and not placements and not note.strip():
        errors["children_placement"] = [_("关停须记录在托婴幼儿的去向（应急处置）。")]
    return errors


@transaction.atomic
def status_request_submit(
    *,
    user,
    facility: Facility,
    to_status: str,
    effective_on: datetime.date,
    reason: str,
    note: str = "",
    placements: list[PlacementInput] = (),
) -> PendingChange:
    """An operator asks to suspend or close their facility; the district official decides (and may correct
    the date and placements when recording the decision). One open request per facility."""
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if not can(user, Action.EDIT, facility) or not is_operator_of(user, facility):
        raise NotAllowed(_("只有机构填报人可以申请暂停或关停。"))
    if facility.archived_at is not None:
        raise NotAllowed(_("该机构已归档。"))
    allowed = TRANSITIONS[facility.operating_status] & REQUESTABLE
    if to_status not in allowed:
        raise NotAllowed(
            _("当前运营状态为“%(status)s”，不能申请“%(new)s”。")
            % {
                "status": facility.get_operating_status_display(),
                "new": dict(Facility.OperatingStatus.choices).get(to_status, to_status),
            }
        )
    if open_change(facility, PendingChange.Kind.STATUS) is not None:
        raise NotAllowed(_("该机构已有一项待审核的暂停/关停申请，请等待区卫健委处理或先撤回。"))
    errors = {}
    if not reason.strip():
        errors["reason"] = [_("请填写原因。")]
    placements = list(placements)
    if to_status == Facility.OperatingStatus.CLOSED:
        errors |= validate_placements(facility, placements, note)
    elif placements:
        errors["placements"] = [_("暂停服务不记录婴幼儿去向。")]
    if errors:
        raise RegistryError(_("请补充必填信息。"), errors)
    return PendingChange.objects.create(
        facility=facility,
        kind=PendingChange.Kind.STATUS,
        data={
            "to_status": to_status,
            "effective_on": effective_on.isoformat(),
            "reason": reason.strip(),
            "note": note.strip(),
            "placements": [p.as_dict() for p in placements],
        },
        base_version=facility.version,
        submitted_by=user,
    )


# What an operator may ask for; reopening and the other transitions are the official's.
REQUESTABLE = frozenset({Facility.OperatingStatus.SUSPENDED, Facility.OperatingStatus.CLOSED})

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
    placements: list[PlacementInput] = (),
    request: PendingChange | None = None,
) -> StatusChange:
    """Suspend, close or reopen. Closing records each placement of the enrolled children, cancels a filing
    (注销备案, dated the closing day) and ends the facility's open requests."""
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
    placements = list(placements)
    closing = to_status == Facility.OperatingStatus.CLOSED
    if closing:
        errors |= validate_placements(facility, placements, children_placement)
        record = (
            open_authorization(facility) if facility.filing_status == Facility.FilingStatus.FILED else None
        )
        granted = record.granted_on if record is not None else facility.filed_on
        if granted and facility.filing_status == Facility.FilingStatus.FILED and effective_on < granted:
            errors["effective_on"] = [
                _("关停日期不能早于备案日期（%(d)s）：注销备案的日期即关停日期。")
                % {"d": granted.isoformat()}
            ]
    elif placements:
        errors["placements"] = [_("只有关停时记录婴幼儿去向。")]
    if errors:
        raise RegistryError(_("请补充必填信息。"), errors)
    change = StatusChange.objects.create(
        facility=facility,
        from_status=facility.operating_status,
        to_status=to_status,
        effective_on=effective_on,
        reason=reason.strip(),
        children_placement=children_placement.strip(),
        request=request,
        decided_by=user,
    )
    for placement in placements:
        ChildPlacement.objects.create(status_change=change, **placement.as_dict())
    facility.operating_status = to_status
    facility.status_since = effective_on
    if closing and facility.filing_status == Facility.FilingStatus.FILED:
        record = open_authorization(facility)
        if record is not None:  # 注销备案: the filing record ends on the closing day, with the reason
            record.cancelled_on = effective_on
            record.cancel_reason = reason.strip()
            record.save()
        facility.filing_status = Facility.FilingStatus.CANCELLED
        facility.filing_cancelled_on = effective_on
    facility.version = F("version") + 1
    facility.save()
    facility.refresh_from_db()
    if closing:
        # A closed record takes no more changes: its open requests end with the closure (the status request
        # being decided is marked approved by its caller).
        open_requests = PendingChange.objects.filter(facility=facility, status=PendingChange.Status.PENDING)
        if request is not None:
            open_requests = open_requests.exclude(pk=request.pk)
        for open_request in open_requests:
            open_request.status = PendingChange.Status.WITHDRAWN
            open_request.decided_at = timezone.now()
            open_request.decision_reason = _("机构已关停，申请不再办理。")
            open_request.save()
            _settle_materials(user, open_request, accepted=False)
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
def staff_save(*, user, facility: Facility, member: StaffMember) -> StaffMember | PendingChange:
    """Add or edit a roster entry, kept in the history. An operator's roster change of a filed facility waits
    for review in the facility's open record change (returned instead of the member): the roster is part of
    what was filed (工作人员资格证明)."""
    _staff_editable(user, facility)
    if member.pk and member.facility_id != facility.pk:
        raise NotAllowed(_("人员不属于该机构。"))
    member.facility = facility
    if needs_review(user, facility):
        try:
            member.full_clean()
        except ValidationError as exc:
            raise RegistryError(_("请修正标出的问题后再保存。"), exc.message_dict) from exc
        if member.pk:
            current = StaffMember.objects.get(pk=member.pk)
            if current.version != member.version:
                raise StaleVersion(current, member.version, submitted=member)
            # The proposal moves the row's version on: a second tab still holding the version read before
            # is refused instead of silently replacing this entry of the proposal.
            member.version = claim(StaffMember, member.pk, member.version, instance=current)
        change = open_change(facility, lock=True)
        entries = list((change.data.get("staff") if change else None) or [])
        entry = serialize_staff(member)
        # One entry per person: editing the same person again amends their entry.
        same = [i for i, e in enumerate(entries) if member.pk and e.get("id") == member.pk]
        if same:
            entries[same[0]] = entry
        else:
            entries.append(entry)
        return _propose(user, facility, {"staff": entries})
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
def account_create(
    *, user, username: str, full_name: str, role: str, district=None, town=None, facility=None
):
    """An official opens an account below them, never beside or above: a city official (a district official
    granted on a city) a district official for one of the city's districts; a district official a town
    official for one of their towns, or an operator — of one of their facilities, or, with no facility yet,
    invited to register one in one of their towns (an OperatorInvitation: the operator registers the facility
    at their first sign-in). Returns (new user, generated password): the password is shown once, never stored
    in clear, and must be changed at the first sign-in."""
    import secrets

    from django.contrib.auth import get_user_model

    from facilities.selectors import subordinate_districts

    _districts, towns, facilities = manageable_scope(user)
    User = get_user_model()
    region = None
    if role == RoleAssignment.Role.DISTRICT_OFFICIAL:
        if district is None or not subordinate_districts(user).filter(pk=district.pk).exists():
            raise NotAllowed(
                _("只能为本级以下的区县开设区级管理员账户（市级管理员为所辖区县开设）。"),
                {"district": [_("请选择您所辖的下级区县。")]},
            )
        region = district
    elif role == RoleAssignment.Role.TOWN_OFFICIAL:
        if town is None or not towns.filter(pk=town.pk).exists():
            raise NotAllowed(_("只能为本区的镇街开设账户。"), {"town": [_("请选择本区的镇街。")]})
        region = town
    elif role == RoleAssignment.Role.OPERATOR:
        if facility is not None:
            if not facilities.filter(pk=facility.pk).exists():
                raise NotAllowed(_("只能为本区的机构开设账户。"), {"facility": [_("请选择本区的机构。")]})
        elif town is None or not towns.filter(pk=town.pk).exists():
            raise NotAllowed(
                _("请选择机构；机构尚未登记的，请选择其所在镇街，由填报人首次登录后自行登记。"),
                {"facility": [_("请选择本区的机构，或选择镇街邀请填报人登记新机构。")]},
            )
    else:
        raise NotAllowed(_("只能开设区级管理员、镇街管理员和机构填报人账户。"))
    try:
        username = usernames.clean_new_username(username)
    except ValidationError as error:
        raise RegistryError(error.messages[0], {"username": error.messages}) from None
    password = secrets.token_urlsafe(10)
    account = User.objects.create_user(username=username, password=password, first_name=full_name.strip())
    from core.signals import password_generated  # accounts flags it: changed at first sign-in

    password_generated.send(sender=account_create, user=account)
    if role == RoleAssignment.Role.OPERATOR and facility is None:
        OperatorInvitation.objects.create(user=account, town=town, invited_by=user)
    else:
        RoleAssignment.objects.create(
            user=account,
            role=role,
            region=region,
            facility=facility if role == RoleAssignment.Role.OPERATOR else None,
            granted_by=user,
        )
    return account, password


def open_invitation(user):
    """The user's invitation to register a facility, while it is open (None otherwise)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        OperatorInvitation.objects.filter(user=user, registered_at__isnull=True)
        .select_related("town__parent", "invited_by")
        .first()
    )


def invitation_valid(invitation) -> bool:
    """An invitation stands while its inviter is active and still manages its town."""
    inviter = invitation.invited_by
    if inviter is None or not inviter.is_active:
        return False
    return manageable_scope(inviter)[1].filter(pk=invitation.town_id).exists()


def manageable_invitations(user):
    """Open invitations of the towns `user` manages (shown, and withdrawn, on the accounts page)."""
    return OperatorInvitation.objects.filter(
        registered_at__isnull=True, town__in=manageable_scope(user)[1]
    ).select_related("user", "town", "invited_by")


@transaction.atomic
def invitation_withdraw(*, user, invitation) -> None:
    """Withdraw an open invitation: the invited account is deactivated (it holds no grant)."""
    if not manageable_invitations(user).filter(pk=invitation.pk).exists():
        raise NotAllowed(_("您无权撤销该邀请。"))
    account = invitation.user
    invitation.delete()
    if not RoleAssignment.objects.filter(user=account).exists():
        account.is_active = False
        account.save(update_fields=["is_active"])


@transaction.atomic
def role_revoke(*, user, assignment: RoleAssignment) -> None:
    if not manageable_assignments(user).filter(pk=assignment.pk).exists():
        raise NotAllowed(_("您无权撤销该授权。"))
    assignment.delete()
