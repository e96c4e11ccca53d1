"""Reads of the registry: national-rule flags as SQL annotations (so the registry can filter on them),
staff indicators and filing clocks (the history panel is core.history)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression, RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from core.access import Action
from core.formatting import listing
from facilities.models import (
    Certificate,
    ClassUnit,
    Facility,
    RoleAssignment,
    RuleSetting,
    StaffMember,
    TrainingRecord,
)
from facilities.rules import (
    KeptRules,
    Rules,
    WorkingCalendar,
    add_working_days,
    load_rules,
)


def counts_synthetic(include_synthetic: bool | None = None) -> bool:
    """The one switch deciding whether synthetic facilities (is_synthetic) count in statistics, dashboards and
    lists of real facilities: never in the portal's database. STATISTICS_COUNT_SYNTHETIC is on only in a demo
    database (name ending _demo, tuoyu_portal/settings.py) and in the benchmark's (ops/benchmark/settings)."""
    if include_synthetic is not None:
        return include_synthetic
    return bool(getattr(settings, "STATISTICS_COUNT_SYNTHETIC", False))


def counted(queryset: QuerySet, include_synthetic: bool | None = None, *, field="is_synthetic") -> QuerySet:
    """`queryset` without synthetic facilities, unless they count (counts_synthetic). `field` is the path to
    the facility's is_synthetic flag (e.g. "facility__is_synthetic")."""
    return queryset if counts_synthetic(include_synthetic) else queryset.filter(**{field: False})


class Flag:
    UNDERSTAFFED = "understaffed"
    NO_HEALTH_WORKER = "no_health_worker"
    SHORT_LEASE = "short_lease"
    FILING_OVERDUE = "filing_overdue"
    DUPLICATE_ID = "duplicate_id"
    OVER_ENROLLED = "over_enrolled"
    LEASE_EXPIRED = "lease_expired"
    LEASE_EXPIRING = "lease_expiring"
    HEALTH_CERTIFICATE_EXPIRED = "health_certificate_expired"

    LABELS = {
        UNDERSTAFFED: gettext_lazy("保育人员不足"),
        NO_HEALTH_WORKER: gettext_lazy("卫生保健人员不符合要求"),
        SHORT_LEASE: gettext_lazy("租期不足"),
        FILING_OVERDUE: gettext_lazy("备案审核超期"),
        DUPLICATE_ID: gettext_lazy("身份证号重复在岗"),
        OVER_ENROLLED: gettext_lazy("在托人数超过托位数"),
        LEASE_EXPIRED: gettext_lazy("租期已到期"),
        LEASE_EXPIRING: gettext_lazy("租期即将到期"),
        HEALTH_CERTIFICATE_EXPIRED: gettext_lazy("健康证过期"),
    }
    CHOICES = list(LABELS.items())


# A lease ending within this many days is flagged ahead of time: a district-level setting (RuleSetting
# LEASE_WARNING_DAYS, set by each district on the rules page); this figure only stands in while the rule table
# has no national row (before the seed).
LEASE_WARNING_DAYS = 90


def lease_warning_until(today: datetime.date):
    """The last lease end flagged as ending soon, per facility: today plus its district's warning days (the
    district's own setting, else the national starting value). Correlated subqueries, so a list with flags
    stays one statement whatever the districts have set."""
    key = RuleSetting.Key.LEASE_WARNING_DAYS
    own = RuleSetting.objects.filter(key=key, district_id=OuterRef("district_id")).values("value")[:1]
    national = RuleSetting.objects.filter(key=key, district__isnull=True).values("value")[:1]
    days = Cast(
        Coalesce(
            Subquery(own, output_field=DecimalField()),
            Subquery(national, output_field=DecimalField()),
            Value(Decimal(LEASE_WARNING_DAYS)),
        ),
        IntegerField(),
    )
    # PostgreSQL: date + integer is the date that many days later
    return CombinedExpression(Value(today, output_field=DateField()), "+", days, output_field=DateField())


def _required_caregivers(rules: Rules):
    """Σ classes × ⌈children per class / ratio⌉ over a facility's units, with each class type's ratio from the
    rule table (a type without its own ratio takes the strictest of the ages it spans)."""
    ratios = {pk: rules.ratio(pk)[0] for pk in rules.class_types}
    whens = [When(class_type_id=pk, then=Value(r)) for pk, r in ratios.items() if r]
    if not whens:
        return Value(0)
    ratio = Case(*whens, default=Value(None), output_field=IntegerField())
    per_unit = ExpressionWrapper(
        F("classes") * ((F("children_per_class") + ratio - 1) / ratio), output_field=IntegerField()
    )
    required = (
        ClassUnit.objects.filter(facility=OuterRef("pk"))
        .order_by()  # no join to the class types for ClassUnit's default ordering
        .values("facility")
        .annotate(n=Sum(per_unit))
        .values("n")
    )
    return Coalesce(Subquery(required, output_field=IntegerField()), 0)


def _enrolment_models():
    """The monthly report and its lines (reporting.EnrolmentReport / EnrolmentLine), reached through the
    facility's reverse relation: reporting sits above this app (import-linter), so it is never imported."""
    report = Facility._meta.get_field("enrolment_reports").related_model
    return report, report._meta.get_field("lines").related_model


def _latest_report_month():
    """The month of the facility's latest monthly enrolment report (NULL: it has none)."""
    report, _line = _enrolment_models()
    latest = report.objects.filter(facility=OuterRef("pk")).order_by("-month").values("month")[:1]
    return Subquery(latest, output_field=DateField())


def _reported_caregivers(rules: Rules):
    """Σ over the class types of the latest report ⌈children enrolled / ratio⌉: the caregivers the national
    ratio asks for the children actually enrolled (the ratio per class type from the same rule table as the
    declared figure)."""
    _report, line = _enrolment_models()
    ratios = {pk: rules.ratio(pk)[0] for pk in rules.class_types}
    whens = [When(class_type_id=pk, then=Value(r)) for pk, r in ratios.items() if r]
    if not whens:
        return Value(0)
    ratio = Case(*whens, default=Value(None), output_field=IntegerField())
    per_line = ExpressionWrapper((F("enrolled") + ratio - 1) / ratio, output_field=IntegerField())
    required = (
        line.objects.filter(report__facility=OuterRef("pk"), report__month=OuterRef("ratio_report_month"))
        .values("report")
        .annotate(n=Sum(per_line))
        .values("n")
    )
    return Coalesce(Subquery(required, output_field=IntegerField()), 0)


def ratio_basis(facility: Facility) -> str:
    """Which enrolment the caregiver-ratio check of an annotated facility used: its latest monthly report
    (named by its month) or, without one, the declared classes (班数 × 每班人数)."""
    return ratio_basis_of_month(getattr(facility, "ratio_report_month", None))


def ratio_basis_of_month(month: datetime.date | None) -> str:
    if month:
        return gettext("按 %(month)s 在托月报") % {"month": f"{month:%Y-%m}"}
    return gettext("按申报数")


def understaffed_label(month: datetime.date | None) -> str:
    """The caregiver-ratio flag's label with the basis it was judged on."""
    return gettext("%(label)s（%(basis)s）") % {
        "label": Flag.LABELS[Flag.UNDERSTAFFED],
        "basis": ratio_basis_of_month(month),
    }


class RowExists(Exists):
    """EXISTS evaluated for each row that reaches it. The OFFSET 0 keeps PostgreSQL from planning it as a hash
    of the whole sub-query (which it prefers when it expects many outer rows, LIMIT or not): a national
    page of 100 facilities hashed all 157,000 staff rows (150 ms) where 100 index look-ups take 1 ms."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def with_flags(
    queryset: QuerySet[Facility], rules: Rules | None = None, *, precompiled: bool = False
) -> QuerySet[Facility]:
    """Annotate each facility with the national-rule checks, as booleans the registry can filter on.

    `precompiled` (for a top-level query of facilities, never one used as a sub-query; the API's): only the
    flags and `ratio_report_month` (what flags_of reads), each the same expression as below compiled to SQL
    once per process for today's date and the rule tables' content (KeptRules), instead of building and
    compiling some hundred expressions on every request; the intermediate counts are left out, which
    roughly halves the sub-plans PostgreSQL has to plan."""
    kept = KeptRules()
    if precompiled and rules is None:
        compiled = kept.get(("flags", timezone.localdate(), queryset.db), lambda: _compiled_flags(kept))
        raw = {name: RawSQL(sql, params, output_field=out) for name, (sql, params, out) in compiled.items()}
        return queryset.annotate(**raw)
    rules = rules or kept.rules()
    active = Q(left_on__isnull=True)
    caregivers = (
        StaffMember.objects.filter(active, facility=OuterRef("pk"), role=StaffMember.Role.CAREGIVER)
        .order_by()  # StaffMember's default ordering (by facility) would join facilities and regions
        .values("facility")
        .annotate(n=Count("pk"))
        .values("n")
    )
    health = StaffMember.objects.filter(active, facility=OuterRef("pk"), role=StaffMember.Role.HEALTH_CARE)
    threshold = int(rules.settings.get(RuleSetting.Key.HEALTH_WORKER_FULL_TIME_FROM, Decimal(150)))
    lease_years = int(rules.settings.get(RuleSetting.Key.MIN_LEASE_YEARS, Decimal(3)))
    duplicate = StaffMember.objects.filter(active, ~Q(id_number=""), id_number=OuterRef("id_number")).exclude(
        facility=OuterRef("facility")
    )
    dup_staff = StaffMember.objects.filter(active, ~Q(id_number=""), facility=OuterRef("pk")).filter(
        RowExists(duplicate)
    )
    lease_minimum_end = Func(
        F("lease_start"),
        template=f"(%(expressions)s + make_interval(years => {lease_years}))::date",
        output_field=DateField(),
    )
    today = timezone.localdate()
    leased = Q(premises=Facility.Premises.LEASED)
    # Staff on the roster whose health certificates (健康证) have all run out: the latest one has expired and
    # none is current. Retired certificates are not looked at.
    health_certificates = Certificate.objects.filter(
        staff=OuterRef("pk"), kind=Certificate.Kind.HEALTH, retired_at__isnull=True
    )
    health_expired = StaffMember.objects.filter(active, facility=OuterRef("pk")).filter(
        RowExists(health_certificates.filter(expires_on__lt=today)),
        ~RowExists(health_certificates.filter(Certificate.current_q(today))),
    )
    notice_cutoff = kept.working_days_before(
        today, int(rules.settings.get(RuleSetting.Key.NOTICE_WORKING_DAYS, Decimal(15)))
    )
    ack_cutoff = kept.working_days_before(
        today, int(rules.settings.get(RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS, Decimal(5)))
    )
    queryset = queryset.annotate(
        caregivers_active=Coalesce(Subquery(caregivers, output_field=IntegerField()), 0),
        ratio_report_month=_latest_report_month(),
        caregivers_declared=_required_caregivers(rules),
    )
    return queryset.annotate(
        # Real enrolment where the facility has a monthly report, else the declared classes (ratio_basis).
        caregivers_required=Case(
            When(ratio_report_month__isnull=True, then=F("caregivers_declared")),
            default=_reported_caregivers(rules),
            output_field=IntegerField(),
        ),
    ).annotate(
        flag_understaffed=ExpressionWrapper(
            Q(caregivers_active__lt=F("caregivers_required")), output_field=BooleanField()
        ),
        flag_no_health_worker=Case(
            When(total_slots=0, then=Value(False)),
            When(
                _health_full_time_needed(threshold),
                then=~RowExists(health.filter(employment=StaffMember.Employment.FULL_TIME)),
            ),
            default=~RowExists(health),
            output_field=BooleanField(),
        ),
        flag_short_lease=ExpressionWrapper(
            Q(premises=Facility.Premises.LEASED)
            & (Q(lease_end__isnull=True) | Q(lease_start__isnull=True) | Q(lease_end__lt=lease_minimum_end)),
            output_field=BooleanField(),
        ),
        flag_filing_overdue=ExpressionWrapper(
            Q(filing_status=Facility.FilingStatus.SUBMITTED)
            & (
                Q(acknowledged_at__isnull=True, submitted_at__date__lt=ack_cutoff)
                | Q(submitted_at__date__lt=notice_cutoff)
            ),
            output_field=BooleanField(),
        ),
        flag_duplicate_id=RowExists(dup_staff),
        flag_over_enrolled=ExpressionWrapper(
            Q(enrolled_children__gt=F("total_slots")), output_field=BooleanField()
        ),
        flag_lease_expired=ExpressionWrapper(leased & Q(lease_end__lt=today), output_field=BooleanField()),
        flag_lease_expiring=ExpressionWrapper(
            leased & Q(lease_end__gte=today, lease_end__lte=lease_warning_until(today)),
            output_field=BooleanField(),
        ),
        flag_health_certificate_expired=RowExists(health_expired),
    )


def _compiled_flags(kept: KeptRules) -> dict:
    """with_flags' annotations as (SQL, params, output field), compiled against Facility's own table."""
    query = with_flags(Facility.objects.all(), kept.rules()).query
    compiler = query.get_compiler(using=Facility.objects.db)
    compiled = {}
    for name, expression in query.annotations.items():
        if name not in FLAG_COLUMNS:
            continue
        sql, params = compiler.compile(expression)
        compiled[name] = (f"({sql})", tuple(params), expression.output_field)
    return compiled


def _health_full_time_needed(threshold: int) -> Q:
    return Q(enrolled_children__gte=threshold) | Q(enrolled_children__isnull=True, total_slots__gte=threshold)


def filter_by_flag(queryset: QuerySet[Facility], flag: str) -> QuerySet[Facility]:
    if flag not in Flag.LABELS:
        return queryset
    if "flag_understaffed" not in queryset.query.annotations:
        queryset = with_flags(queryset)
    return queryset.filter(**{f"flag_{flag}": True})


def flags_of(facility: Facility) -> list[tuple[str, str]]:
    """The raised flags of an annotated facility, with their labels; the caregiver-ratio flag names the
    enrolment it was judged on (ratio_basis)."""
    return flags_from(vars(facility))


# What flags_from reads: the flags with_flags annotates, and the month of the report the ratio was judged on.
FLAG_COLUMNS = (*(f"flag_{code}" for code in Flag.LABELS), "ratio_report_month")


def flags_from(values) -> list[tuple[str, str]]:
    """flags_of for the annotations as a mapping (FLAG_COLUMNS: a facility's attributes or a `.values()`
    row)."""
    flags = []
    for code, label in Flag.LABELS.items():
        if values.get(f"flag_{code}", False):
            if code == Flag.UNDERSTAFFED:
                label = understaffed_label(values.get("ratio_report_month"))
            flags.append((code, str(label)))
    return flags


@dataclass(frozen=True)
class FilingClock:
    submitted_on: datetime.date
    acknowledge_due: datetime.date
    notice_due: datetime.date
    acknowledged: bool

    @property
    def acknowledge_overdue(self) -> bool:
        return not self.acknowledged and timezone.localdate() > self.acknowledge_due

    @property
    def notice_overdue(self) -> bool:
        return timezone.localdate() > self.notice_due


def filing_clock(
    facility: Facility, rules: Rules | None = None, calendar: WorkingCalendar | None = None
) -> FilingClock | None:
    """Statutory clocks of a submitted filing: acknowledgement and non-compliance notice deadlines."""
    if facility.filing_status != Facility.FilingStatus.SUBMITTED or not facility.submitted_at:
        return None
    rules = rules or load_rules()
    submitted = timezone.localdate(facility.submitted_at)
    acknowledge = int(rules.setting(RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS))
    notice = int(rules.setting(RuleSetting.Key.NOTICE_WORKING_DAYS))
    return FilingClock(
        submitted_on=submitted,
        acknowledge_due=add_working_days(submitted, acknowledge, calendar),
        notice_due=add_working_days(submitted, notice, calendar),
        acknowledged=facility.acknowledged_at is not None,
    )


@dataclass(frozen=True)
class StaffIndicators:
    caregivers: int
    certified_caregivers: int
    heads_and_caregivers: int
    trained_heads_and_caregivers: int
    health_workers: int
    full_time_health_workers: int

    @property
    def certificate_rate(self) -> Decimal | None:
        return Decimal(self.certified_caregivers) / self.caregivers if self.caregivers else None

    @property
    def training_rate(self) -> Decimal | None:
        if not self.heads_and_caregivers:
            return None
        return Decimal(self.trained_heads_and_caregivers) / self.heads_and_caregivers


def staff_indicators(facilities: QuerySet[Facility]) -> StaffIndicators:
    """Caregiver certificate rate, training coverage and health-care staffing over any set of facilities
    (one facility's page, a district's dashboard), in one query."""
    # Only certificates in force count: an expired or retired one no longer makes its holder 持证.
    qualifying = Certificate.objects.filter(
        Certificate.current_q(timezone.localdate()),
        staff=OuterRef("pk"),
        kind__in=Certificate.CAREGIVER_QUALIFYING,
    )
    staff = StaffMember.objects.filter(facility__in=facilities.values("pk"), left_on__isnull=True).annotate(
        certified=Exists(qualifying),
        trained=Exists(TrainingRecord.objects.filter(staff=OuterRef("pk"))),
    )
    caregiver = Q(role=StaffMember.Role.CAREGIVER)
    head_or_caregiver = Q(role__in=[StaffMember.Role.HEAD, StaffMember.Role.CAREGIVER])
    health = Q(role=StaffMember.Role.HEALTH_CARE)
    totals = staff.aggregate(
        caregivers=Count("pk", filter=caregiver),
        certified_caregivers=Count("pk", filter=caregiver & Q(certified=True)),
        heads_and_caregivers=Count("pk", filter=head_or_caregiver),
        trained_heads_and_caregivers=Count("pk", filter=head_or_caregiver & Q(trained=True)),
        health_workers=Count("pk", filter=health),
        full_time_health_workers=Count("pk", filter=health & Q(employment=StaffMember.Employment.FULL_TIME)),
    )
    return StaffIndicators(**totals)


def duplicate_id_staff(staff: QuerySet[StaffMember]) -> QuerySet[StaffMember]:
    """Active staff whose ID number is also on another facility's active roster."""
    other = StaffMember.objects.filter(left_on__isnull=True, id_number=OuterRef("id_number")).exclude(
        facility=OuterRef("facility")
    )
    return staff.filter(left_on__isnull=True).exclude(id_number="").filter(Exists(other))


def certificate_rate_goal(district_id: int | None):
    """The district's caregiver-certificate goal as its document states it (e.g. Daxing's “90%以上”), or None
    where no document sets one — the goal is shown with its source, never assumed."""
    from targets.models import ReportedFigure

    if not district_id:
        return None
    return (
        ReportedFigure.objects.filter(
            region_id=district_id,
            measure=ReportedFigure.Measure.CAREGIVER_CERTIFICATE_RATE,
            nature=ReportedFigure.Nature.GOAL,
        )
        .select_related("source")
        .order_by("-period_end")
        .first()
    )


def filing_clocks(facilities: list[Facility], rules: Rules | None = None) -> None:
    """Set `clock` on each facility of a list, reading the working-day calendar once for all of them."""
    rules = rules or load_rules()
    submitted = [timezone.localdate(f.submitted_at) for f in facilities if f.submitted_at]
    calendar = None
    if submitted:
        days = max(
            int(rules.setting(RuleSetting.Key.ACKNOWLEDGE_WORKING_DAYS)),
            int(rules.setting(RuleSetting.Key.NOTICE_WORKING_DAYS)),
        )
        calendar = WorkingCalendar(min(submitted), max(submitted) + WorkingCalendar.margin(days))
    for facility in facilities:
        facility.clock = filing_clock(facility, rules, calendar)


def manageable_scope(user):
    """Towns and facilities in which `user` (a district official) may grant roles."""
    from targets.models import Region

    districts = Region.objects.districts().for_user(user, Action.MANAGE)
    towns = Region.objects.filter(level=Region.Level.TOWN, parent__in=districts)
    facilities = Facility.objects.filter(district__in=districts, is_synthetic=False)
    return districts, towns, facilities


def subordinate_districts(user):
    """Districts strictly below the regions of the user's district-official grants: those whose district
    officials the user may appoint (a city official's districts; none for an official granted on a district
    itself — nobody appoints a peer or someone above them). Every district for a superuser."""
    from core import access
    from targets.models import Region

    districts = Region.objects.districts()
    if access.unrestricted(user):
        return districts
    own = access.region_ids(user, access.Role.DISTRICT_OFFICIAL)
    return districts.filter(pk__in=access.descendant_ids(own)) if own else districts.none()


def manageable_assignments(user):
    """The grants `user` opened or may revoke: town officials of their towns, operators of their facilities
    and, for a city official, district officials of the districts below the city. Anything else is not
    theirs to see (a 404 in the views, the same as a missing one)."""
    _districts, towns, facilities = manageable_scope(user)
    return RoleAssignment.objects.filter(
        Q(role=RoleAssignment.Role.TOWN_OFFICIAL, region__in=towns)
        | Q(role=RoleAssignment.Role.OPERATOR, facility__in=facilities)
        | Q(role=RoleAssignment.Role.DISTRICT_OFFICIAL, region__in=subordinate_districts(user))
    )


# ---------------------------------------------------------------- requests (pending changes)


@dataclass
class ChangeSummary:
    """What a pending change proposes against the current record, ready to show: changed fields (label,
    current, proposed), class units, filing materials, roster entries (ID numbers masked) and, for a status
    request, the new status with its date, reason and placements."""

    fields: list = field(default_factory=list)
    units: list = field(default_factory=list)
    checklist: list = field(default_factory=list)
    staff: list = field(default_factory=list)
    status: dict | None = None
    materials: list = field(default_factory=list)  # (label, current file or None, proposed file)

    def __bool__(self):
        return bool(
            self.fields or self.units or self.checklist or self.staff or self.status or self.materials
        )


def _display(model_field, value):
    if value in (None, ""):
        return "—"
    if isinstance(value, list) and model_field.name == "service_types":
        return listing(str(Facility.ServiceType(v).label) for v in value) or "—"
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    return value


def change_summary(change) -> ChangeSummary:
    """The proposal of `change` (a facilities.PendingChange) against its facility as it is now."""
    from core.privacy import mask_id_number
    from facilities.models import ChecklistItem, ChildPlacement
    from facilities.services import deserialize_change, staff_from_change

    facility, payload, summary = change.facility, change.data or {}, ChangeSummary()
    if change.kind == "status":
        names = dict(
            Facility.objects.filter(
                pk__in=[p["receiving_facility_id"] for p in payload.get("placements", [])]
            ).values_list("pk", "name")
        )
        summary.status = {
            "to_status": Facility.OperatingStatus(payload["to_status"]).label,
            "effective_on": datetime.date.fromisoformat(payload["effective_on"]),
            "reason": payload.get("reason", ""),
            "note": payload.get("note", ""),
            "placements": [
                {
                    **p,
                    "destination_label": ChildPlacement.Destination(p["destination"]).label,
                    "receiving_facility": names.get(p["receiving_facility_id"]),
                }
                for p in payload.get("placements", [])
            ],
        }
        return summary
    if "fields" in payload:
        data, units = deserialize_change(payload)
        for name, new in data.items():
            model_field = Facility._meta.get_field(name)
            old = getattr(facility, name)
            if old != new and not (old in (None, "", []) and new in (None, "", [])):
                summary.fields.append(
                    (model_field.verbose_name, _display(model_field, old), _display(model_field, new))
                )
        types = load_rules().class_types
        current = {u.class_type_id: u for u in facility.units.all()}
        for unit in units:
            old = current.pop(unit.class_type_id, None)
            before = f"{old.classes}×{old.children_per_class}" if old else "—"
            after = f"{unit.classes}×{unit.children_per_class}"
            if before != after:
                summary.units.append((types[unit.class_type_id].display_name, before, after))
        for old in current.values():
            summary.units.append(
                (types[old.class_type_id].display_name, f"{old.classes}×{old.children_per_class}", "—")
            )
    rows = {row.item: row for row in facility.checklist.all()}
    for item, (provided, reference) in (payload.get("checklist") or {}).items():
        row = rows.get(item)
        summary.checklist.append(
            (
                ChecklistItem.Item(item).label,
                (bool(row and row.provided), row.reference if row else ""),
                (provided, reference),
            )
        )
    if payload.get("materials"):
        from facilities.documents import in_force
        from facilities.models import MaterialFile

        files = MaterialFile.objects.filter(facility=facility).select_related("uploaded_by")
        proposed = {f.pk: f for f in files.filter(pk__in=list(payload["materials"].values()))}
        current = {f.item: f for f in in_force(files)}
        for item, file_id in payload["materials"].items():
            if file_id in proposed:
                label = ChecklistItem.Item(item).label
                summary.materials.append((label, current.get(item), proposed[file_id]))
    for entry in payload.get("staff") or []:
        member = staff_from_change(entry)
        details = [
            f"{member.get_role_display()} · {member.get_employment_display()}",
            mask_id_number(member.id_number),
        ]
        if member.hired_on:
            details.append(gettext("入职 %(d)s") % {"d": member.hired_on.isoformat()})
        if member.left_on:
            details.append(gettext("离职 %(d)s") % {"d": member.left_on.isoformat()})
        summary.staff.append(
            {
                "name": member.name,
                "action": gettext("修改") if entry.get("id") else gettext("新增"),
                "details": " · ".join(d for d in details if d),
            }
        )
    return summary


def requests_of(user):
    """“我的申请”: the record changes and status requests of the facilities `user` operates, newest first."""
    from core.access import operated_facility_ids
    from facilities.models import PendingChange

    return (
        PendingChange.objects.for_user(user)
        .filter(facility_id__in=operated_facility_ids(user))
        .select_related("facility", "submitted_by", "decided_by")
        .order_by("-created_at")
    )


def current_authorization():
    """The facility's record in force (Authorization not cancelled: the filing today), as one JSON object
    (regime, number, authority code and name, granted_on) or NULL, for an annotation: a list stays one
    statement whatever its size."""
    from django.db.models.functions import JSONObject

    from facilities.models import Authorization

    record = (
        Authorization.objects.filter(facility=OuterRef("pk"), cancelled_on__isnull=True)
        .order_by("regime", "-granted_on", "-pk")
        .values(
            json=JSONObject(
                regime="regime",
                number="number",
                authority="authority__code",
                authority_name="authority__name",
                granted_on="granted_on",
            )
        )[:1]
    )
    return Subquery(record)
