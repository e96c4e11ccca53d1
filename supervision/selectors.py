"""Reads of supervision: scoped querysets (core.access), evaluation results, the fee-cap
check, staff goals, documents' supervision figures beside the computed ones, the district dashboard, and
`payment_hold_reasons` for the subsidies app. The pages, the exports and other apps call these; nothing
computes the same figure twice."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from core.access import Action, can
from core.formatting import listing
from facilities.models import Facility, StaffMember, TrainingRecord
from facilities.selectors import (
    StaffIndicators,
    certificate_rate_goal,
    counted,
    staff_indicators,
    with_flags,
)
from supervision import grading
from supervision.models import (
    Complaint,
    CreditLevel,
    Evaluation,
    EvaluationDimension,
    EvaluationFramework,
    Finding,
    GradeRecord,
    HouseholdIncome,
    Inspection,
    RiskLevel,
    SupervisionEvent,
)
from targets import comparators
from targets.models import PopulationStat, Region, ReportedFigure

# ---------------------------------------------------------------- scoping (core.access)


def findings_for(user, action: Action | str = Action.VIEW) -> QuerySet[Finding]:
    return Finding.objects.for_user(user, action)


def complaints_for(user, action: Action | str = Action.VIEW) -> QuerySet[Complaint]:
    return Complaint.objects.for_user(user, action)


def evaluations_for(user, action: Action | str = Action.VIEW) -> QuerySet[Evaluation]:
    return Evaluation.objects.for_user(user, action)


def inspections_for(user) -> QuerySet[Inspection]:
    """Inspections of the districts whose dashboards the user opens, and — for a town official — those that
    visited a facility of their town. Operators see their findings, not the inspection records (which name
    other facilities and the team)."""
    return Inspection.objects.for_user(user, Action.VIEW)


def supervised_districts(user) -> QuerySet[Region]:
    """Districts in which the user runs supervision (records inspections, findings, complaints, income)."""
    return Region.objects.districts().for_user(user, Action.SUPERVISE)


def can_supervise(user, district: Region) -> bool:
    return can(user, Action.SUPERVISE, district)


def dashboard_scope(user, district: Region) -> QuerySet[Facility] | None:
    """The facilities of `district` whose supervision the user may read on the dashboard (the whole district
    for its officials and API clients, one town for a town official); None: no dashboard for this user."""
    # The district's own row (its officials and API clients) or one of its towns (a town official).
    if (
        not Region.objects.filter(Q(pk=district.pk) | Q(parent=district))
        .for_user(user, Action.DASHBOARD)
        .exists()
    ):
        return None
    return counted(Facility.objects.for_user(user, Action.VIEW).filter(district=district))


# ---------------------------------------------------------------- findings


def with_overdue(queryset: QuerySet[Finding], on: datetime.date) -> QuerySet[Finding]:
    from django.db.models import BooleanField, ExpressionWrapper

    return queryset.annotate(
        overdue=ExpressionWrapper(
            ~Q(status=Finding.Status.VERIFIED) & Q(deadline__lt=on), output_field=BooleanField()
        )
    )


def finding_list(queryset: QuerySet[Finding], on: datetime.date) -> QuerySet[Finding]:
    return with_overdue(
        queryset.select_related("facility", "facility__district", "facility__town", "inspection"), on
    ).order_by("-overdue", "deadline", "pk")


@dataclass
class FindingTimeline:
    """A finding's deadline history and its answering rounds, each with the deadline it was due by and
    how late its answer came (supervision.grading.answer_rounds: the same reading the grade uses)."""

    deadlines: list
    rounds: list[grading.Round]

    @property
    def late_rounds(self) -> list[grading.Round]:
        return [r for r in self.rounds if r.late_days]


def finding_timeline(finding: Finding, as_of: datetime.date) -> FindingTimeline:
    facts = grading.collect_facts([finding.facility], as_of)[finding.facility_id]
    deadlines = list(finding.deadlines.select_related("set_by").order_by("in_force_from", "set_at", "pk"))
    return FindingTimeline(deadlines, facts.rounds(finding, as_of))


def grade_history(facility: Facility) -> list[tuple]:
    """The facility's kept grades, newest first, each with what changed since the period before: the
    reasons that appeared and those that went away."""
    records = list(facility.grade_records.order_by("period"))
    rows = []
    previous = None
    for record in records:
        added, removed = [], []
        if previous is not None:
            before = {_reason_key(r): r for r in previous.reasons}
            now = {_reason_key(r): r for r in record.reasons}
            added = [r for key, r in now.items() if key not in before]
            removed = [r for key, r in before.items() if key not in now]
        rows.append((record, previous, added, removed))
        previous = record
    return list(reversed(rows))


def _reason_key(reason: dict) -> tuple:
    return (reason.get("part"), reason.get("key"), reason.get("detail"))


# ---------------------------------------------------------------- evaluations


@dataclass
class UnitResult:
    """A scorable unit: an item, or a dimension that has no items."""

    label: str
    points: Decimal | None
    score: Decimal | None
    failed: bool
    is_veto: bool
    note: str = ""


@dataclass
class DimensionResult:
    dimension: EvaluationDimension
    units: list[UnitResult]
    has_items: bool

    @property
    def points(self) -> Decimal | None:
        if not self.has_items:
            return self.dimension.points
        values = [u.points for u in self.units]
        return None if any(v is None for v in values) else sum(values, Decimal(0))

    @property
    def score(self) -> Decimal | None:
        values = [u.score for u in self.units if u.score is not None]
        return sum(values, Decimal(0)) if values else None

    @property
    def note(self) -> str:
        return "；".join(u.note for u in self.units if u.note)


@dataclass
class EvaluationResult:
    evaluation: Evaluation | None
    framework: EvaluationFramework
    dimensions: list[DimensionResult]
    total: Decimal | None
    max_total: Decimal | None
    vetoed: list[str]
    complete: bool
    grade: str | None
    grade_note: str
    grade_lines_set: bool = True  # every grade of the edition has its score line

    @property
    def veto_configured(self) -> bool:
        """Whether the edition names any veto item. WS/T 821—2023's are not seeded (no source text in the
        project), so its pages say the veto check is not configured instead of implying none failed."""
        return any(u.is_veto for d in self.dimensions for u in d.units)


def framework_structure(framework: EvaluationFramework) -> tuple[list, list]:
    """A framework's dimensions (with their items) and grade lines, read once."""
    dimensions = list(framework.dimensions.prefetch_related("items").order_by("sort_order", "code"))
    return dimensions, list(framework.thresholds.order_by("sort_order"))


def evaluation_results(evaluations) -> list[EvaluationResult]:
    """`evaluation_result` for a list, reading each framework's structure once (a list page costs the same
    number of queries whatever its length)."""
    structures: dict[int, tuple[list, list]] = {}
    results = []
    for evaluation in evaluations:
        framework = evaluation.framework
        if framework.pk not in structures:
            structures[framework.pk] = framework_structure(framework)
        results.append(evaluation_result(evaluation, framework, structures[framework.pk]))
    return results


def evaluation_result(
    evaluation: Evaluation | None,
    framework: EvaluationFramework | None = None,
    structure: tuple[list, list] | None = None,
) -> EvaluationResult:
    """Scores per dimension, the total, veto items not met, and the grade the framework's thresholds give.

    The grade: a veto item not met decides it outright (the framework's veto grade, or “一票否决” where the
    framework does not name one); otherwise an incomplete scoring, a framework without points, or grade lines
    not set give no grade and say why; otherwise the highest grade whose line the total reaches."""
    framework = framework or evaluation.framework
    dimensions, thresholds = structure or framework_structure(framework)
    scores = list(evaluation.scores.all()) if evaluation else []
    by_item = {s.item_id: s for s in scores if s.item_id}
    by_dimension = {s.dimension_id: s for s in scores if not s.item_id}
    results, vetoed = [], []
    for dimension in dimensions:
        items = list(dimension.items.all())
        units = []
        if items:
            for item in items:
                row = by_item.get(item.pk)
                units.append(
                    UnitResult(
                        item.text,
                        item.points,
                        row.score if row else None,
                        bool(row and row.failed),
                        item.is_veto,
                        row.note if row else "",
                    )
                )
                if item.is_veto and row and row.failed:
                    vetoed.append(item.text)
        else:
            row = by_dimension.get(dimension.pk)
            units.append(
                UnitResult(
                    dimension.name,
                    dimension.points,
                    row.score if row else None,
                    bool(row and row.failed),
                    False,
                    row.note if row else "",
                )
            )
        results.append(DimensionResult(dimension, units, bool(items)))

    all_units = [u for d in results for u in d.units]
    has_points = bool(all_units) and all(u.points is not None for u in all_units)
    max_total = sum((u.points for u in all_units), Decimal(0)) if has_points else None
    complete = bool(all_units) and all(u.score is not None for u in all_units if u.points is not None)
    scored = [u.score for u in all_units if u.score is not None]
    total = sum(scored, Decimal(0)) if (has_points and scored) else None

    if evaluation is None:
        grade, note = None, _("尚无评估")
    elif vetoed:
        grade = framework.veto_grade or None
        note = _("否决项未达标：%(items)s") % {"items": listing(vetoed)}
        if not framework.veto_grade:
            note = _("一票否决（%(note)s）") % {"note": note}
    elif not has_points:
        grade, note = None, _("框架未设分值，不计总分和等级")
    elif not complete:
        grade, note = None, _("评分未完成")
    elif not thresholds or any(t.min_score is None for t in thresholds):
        grade, note = None, _("未设定等级线")
    else:
        reached = [t for t in thresholds if total >= t.min_score]
        if reached:
            best = max(reached, key=lambda t: t.min_score)
            grade, note = (
                best.grade,
                _("总分 %(total)s，达到%(grade)s级线 %(line)s")
                % {
                    "total": _fmt(total),
                    "grade": best.grade,
                    "line": _fmt(best.min_score),
                },
            )
        else:
            grade, note = None, _("总分低于最低等级线")
    lines_set = bool(thresholds) and all(t.min_score is not None for t in thresholds)
    return EvaluationResult(
        evaluation, framework, results, total, max_total, vetoed, complete, grade, note, lines_set
    )


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


@dataclass
class SideBySideRow:
    dimension: EvaluationDimension
    points: Decimal | None
    self_score: Decimal | None
    official_score: Decimal | None
    self_note: str
    official_note: str

    @property
    def difference(self) -> Decimal | None:
        if self.self_score is None or self.official_score is None:
            return None
        return self.official_score - self.self_score


def side_by_side(
    facility: Facility, framework: EvaluationFramework, evaluations: QuerySet[Evaluation]
) -> tuple[EvaluationResult, EvaluationResult, list[SideBySideRow]]:
    """The facility's latest self-assessment and latest official assessment under one framework."""
    chosen = evaluations.filter(facility=facility, framework=framework).prefetch_related("scores")
    latest_self = chosen.filter(kind=Evaluation.Kind.SELF).order_by("-assessed_on", "-pk").first()
    latest_official = chosen.filter(kind=Evaluation.Kind.OFFICIAL).order_by("-assessed_on", "-pk").first()
    mine = evaluation_result(latest_self, framework)
    theirs = evaluation_result(latest_official, framework)
    rows = [
        SideBySideRow(a.dimension, a.points, a.score, b.score, a.note, b.note)
        for a, b in zip(mine.dimensions, theirs.dimensions, strict=True)
    ]
    return mine, theirs, rows


# ---------------------------------------------------------------- fee cap


FEE_CAP_KINDS = (Facility.Kind.PUBLIC, Facility.Kind.PUBLIC_PRIVATE)


def fee_cap_facilities(facilities: QuerySet[Facility]) -> QuerySet[Facility]:
    """Public and inclusive facilities, which the cap applies to (closed ones are left out)."""
    return facilities.filter(
        Q(is_inclusive=True) | Q(ownership=Facility.Ownership.PUBLIC) | Q(kind__in=FEE_CAP_KINDS)
    ).exclude(operating_status=Facility.OperatingStatus.CLOSED)


@dataclass(frozen=True)
class IncomeFigure:
    year: int
    amount: Decimal
    source: str
    entered_by: object = None


def household_income(district: Region, year: int) -> IncomeFigure | None:
    """The district's average monthly household disposable income for `year`: the figure an official
    entered here, else one seeded in targets.PopulationStat; None when neither exists (never assumed)."""
    row = HouseholdIncome.objects.filter(district=district, year=year).select_related("entered_by").first()
    if row:
        return IncomeFigure(row.year, row.amount, row.source_note, row.entered_by)
    stat = (
        PopulationStat.objects.filter(
            region=district, year=year, avg_monthly_household_disposable_income__isnull=False
        )
        .select_related("source")
        .first()
    )
    if stat:
        return IncomeFigure(stat.year, stat.avg_monthly_household_disposable_income, str(stat.source))
    return None


def fee_cap_share(district: Region) -> ReportedFigure | None:
    """The cap as a share of income, as the district's document states it (Daxing: ≤ 20%)."""
    return (
        ReportedFigure.objects.filter(region=district, measure=ReportedFigure.Measure.FEE_CAP_INCOME_SHARE)
        .select_related("source")
        .order_by("-period_end", "key")
        .first()
    )


@dataclass(frozen=True)
class FeeRow:
    facility: Facility
    fee: Decimal | None
    cap: Decimal | None
    excess: Decimal | None
    status: str  # over | within | no_fee | no_cap

    STATUS_LABELS = {
        "over": gettext_lazy("超过上限"),
        "within": gettext_lazy("未超过"),
        "no_fee": gettext_lazy("未填报收费"),
        "no_cap": gettext_lazy("无法计算上限"),
    }

    @property
    def status_label(self) -> str:
        return str(self.STATUS_LABELS[self.status])

    @property
    def excess_share(self) -> Decimal | None:
        if self.excess is None or not self.cap:
            return None
        return self.excess / self.cap


@dataclass
class FeeCapCheck:
    district: Region
    year: int
    share: ReportedFigure | None
    income: IncomeFigure | None
    cap: Decimal | None
    rows: list[FeeRow]
    message: str

    @property
    def over(self) -> list[FeeRow]:
        return [r for r in self.rows if r.status == "over"]

    @property
    def income_year(self) -> int:
        return self.year - 1


def fee_cap_check(district: Region, year: int, facilities: QuerySet[Facility]) -> FeeCapCheck:
    """Monthly fees (meals excluded) of public and inclusive facilities against share × the previous year's
    average monthly household disposable income. Without a share or an income figure no cap is computed
    and the check says which one is missing."""
    share = fee_cap_share(district)
    income = household_income(district, year - 1)
    cap = None
    if share is None:
        message = _("%(district)s的文件未规定收费上限比例，不做收费上限检查。") % {"district": district.name}
    elif income is None:
        message = _(
            "尚未录入%(district)s%(year)s年家庭月均可支配收入，无法计算%(cap_year)s年收费上限；系统不作假设。"
        ) % {"district": district.name, "year": year - 1, "cap_year": year}
    else:
        cap = (income.amount * share.value / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        message = _(
            "收费上限 = %(year)s年家庭月均可支配收入 %(income)s 元 × %(share)s = "
            "%(cap)s 元/人/月（不含膳食费）。"
        ) % {
            "year": year - 1,
            "income": _fmt(income.amount),
            "share": share.display_value,
            "cap": _fmt(cap),
        }
    rows = []
    applicable = fee_cap_facilities(facilities) if share is not None else facilities.none()
    for facility in applicable.select_related("town").order_by("town__sort_order", "name"):
        fee = facility.monthly_fee
        if fee is None:
            rows.append(FeeRow(facility, None, cap, None, "no_fee"))
        elif cap is None:
            rows.append(FeeRow(facility, fee, None, None, "no_cap"))
        elif fee > cap:
            rows.append(FeeRow(facility, fee, cap, fee - cap, "over"))
        else:
            rows.append(FeeRow(facility, fee, cap, None, "within"))
    order = {"over": 0, "no_fee": 1, "no_cap": 2, "within": 3}
    rows.sort(key=lambda r: (order[r.status], -(r.excess or 0)))
    return FeeCapCheck(district, year, share, income, cap, rows, message)


def fee_cap_for_facility(facility: Facility, year: int | None = None) -> FeeRow | None:
    year = year or timezone.localdate().year
    check = fee_cap_check(facility.district, year, Facility.objects.filter(pk=facility.pk))
    return check.rows[0] if check.rows else None


# ---------------------------------------------------------------- staff goals


@dataclass
class StaffGoals:
    year: int
    indicators: StaffIndicators
    certificate_goal: ReportedFigure | None
    training_goal: ReportedFigure | None
    without_health_worker: list[tuple[Facility, str]]
    trainees: int
    trainees_reported: ReportedFigure | None
    facilities: int

    @property
    def certificate_gap(self) -> Decimal | None:
        """Percentage points below the goal (positive: short of it)."""
        rate = self.indicators.certificate_rate
        if rate is None or self.certificate_goal is None:
            return None
        return self.certificate_goal.value - rate * 100

    @property
    def meets_certificate_goal(self) -> bool | None:
        return _meets(self.indicators.certificate_rate, self.certificate_goal)

    @property
    def meets_training_goal(self) -> bool | None:
        return _meets(self.indicators.training_rate, self.training_goal)

    @property
    def meets_trainees(self) -> bool | None:
        if self.trainees_reported is None:
            return None
        return _compare(Decimal(self.trainees), self.trainees_reported)


def _compare(value: Decimal, figure: ReportedFigure) -> bool:
    # A goal ("90%以上" is ≥ 90: 9 of 10 certified meets it); targets.comparators decides the meaning.
    return comparators.satisfies(value, figure.comparator, figure.value, goal=True)


def _meets(rate: Decimal | None, figure: ReportedFigure | None) -> bool | None:
    if rate is None or figure is None:
        return None
    return _compare(rate * 100, figure)


def _district_figure(district: Region, measure: str, nature: str | None = None) -> ReportedFigure | None:
    figures = ReportedFigure.objects.filter(region=district, measure=measure).select_related("source")
    if nature:
        figures = figures.filter(nature=nature)
    return figures.order_by("-period_end", "key").first()


def staff_goals(district: Region, facilities: QuerySet[Facility], year: int) -> StaffGoals:
    """Operating facilities' caregiver certificate rate against the district's goal, training of heads and
    caregivers, facilities without a (qualifying) health-care worker, and trainees in `year` — distinct
    staff of the district's facilities with a training completed that year — beside the reported figure."""
    operating = facilities.filter(operating_status=Facility.OperatingStatus.OPERATING)
    indicators = staff_indicators(operating)
    health = StaffMember.objects.filter(
        facility=OuterRef("pk"), role=StaffMember.Role.HEALTH_CARE, left_on__isnull=True
    )
    flagged = with_flags(operating).annotate(has_health=Exists(health)).select_related("town")
    without = []
    for facility in flagged.filter(Q(has_health=False) | Q(flag_no_health_worker=True)).order_by(
        "town__sort_order", "name"
    ):
        reason = (
            _("无卫生保健人员") if not facility.has_health else _("在托人数须配专职卫生保健人员，现无专职")
        )
        without.append((facility, reason))
    trainees = (
        TrainingRecord.objects.filter(staff__facility__in=facilities.values("pk"), completed_on__year=year)
        .values("staff_id")
        .distinct()
        .count()
    )
    return StaffGoals(
        year=year,
        indicators=indicators,
        certificate_goal=certificate_rate_goal(district.pk),
        training_goal=_district_figure(
            district, ReportedFigure.Measure.TRAINING_COVERAGE, ReportedFigure.Nature.GOAL
        ),
        without_health_worker=without,
        trainees=trainees,
        trainees_reported=_district_figure(district, ReportedFigure.Measure.TRAINEES_PER_YEAR),
        facilities=operating.count(),
    )


# ---------------------------------------------------------------- documents' figures beside the computed ones


SUPERVISION_MEASURES = (
    ReportedFigure.Measure.JOINT_INSPECTIONS,
    ReportedFigure.Measure.PROBLEMS_RECTIFIED,
    ReportedFigure.Measure.HEALTH_RECORD_COVERAGE,
)


@dataclass
class FigureComparison:
    label: str
    reported: ReportedFigure | None
    computed: int | Decimal | None
    note: str


def _in_period(queryset, field_name: str, figure: ReportedFigure):
    if figure.period_start:
        queryset = queryset.filter(**{f"{field_name}__gte": figure.period_start})
    if figure.period_end:
        queryset = queryset.filter(**{f"{field_name}__lte": figure.period_end})
    return queryset


def _period_text(figure: ReportedFigure) -> str:
    start = figure.period_start.isoformat() if figure.period_start else "…"
    end = figure.period_end.isoformat() if figure.period_end else "…"
    return f"{start} — {end}"


def reported_vs_computed(district: Region) -> list[FigureComparison]:
    """The district's reported supervision figures (Yubei: 8 joint inspections, 64 problems rectified, 100%
    health records), each beside what the portal's records give for the same period. District-wide: these
    are the district's own totals, not a per-user view."""
    rows = []
    figures = ReportedFigure.objects.filter(region=district, measure__in=SUPERVISION_MEASURES).select_related(
        "source"
    )
    inspections = Inspection.objects.filter(district=district)
    findings = Finding.objects.filter(inspection__district=district)
    for figure in figures.order_by("measure", "key"):
        label = figure.get_measure_display()
        if figure.measure == ReportedFigure.Measure.JOINT_INSPECTIONS:
            computed = _in_period(
                inspections.filter(kind=Inspection.Kind.JOINT), "inspected_on", figure
            ).count()
            note = _("登记的联合检查（%(period)s）") % {"period": _period_text(figure)}
        elif figure.measure == ReportedFigure.Measure.PROBLEMS_RECTIFIED:
            found = _in_period(findings, "inspection__inspected_on", figure)
            computed = found.filter(status=Finding.Status.VERIFIED).count()
            note = _("登记的问题 %(found)s 个中已验证整改的个数（%(period)s 发现）") % {
                "found": found.count(),
                "period": _period_text(figure),
            }
        else:
            computed = None
            note = _("登记系统不采集婴幼儿健康档案数据，无法计算；仅列文件报告数。")
        rows.append(FigureComparison(str(label), figure, computed, note))
    if not rows:
        rows.append(
            FigureComparison(
                _("联合检查次数"),
                None,
                inspections.filter(kind=Inspection.Kind.JOINT).count(),
                _("本区文件未报告监管数字；登记的联合检查合计。"),
            )
        )
    return rows


# ---------------------------------------------------------------- the district dashboard


@dataclass
class Dashboard:
    district: Region
    as_of: datetime.date
    year: int
    facilities: QuerySet[Facility]
    open_by_town: list[
        tuple[str, dict[str, int], int, int, int]
    ]  # town, by category, total, overdue, serious
    categories: list[tuple[str, str]]
    open_by_category: dict[str, dict[str, int]]  # category → severity → count
    overdue: list[Finding]
    grades: list[grading.GradeResult]
    grade_error: str
    upcoming: list[grading.GradeResult]
    staff: StaffGoals
    fee_cap: FeeCapCheck
    figures: list[FigureComparison]
    events: list[SupervisionEvent]
    inspections_this_year: int
    complaints_open: int
    complaints_substantiated: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def distribution(self) -> dict[str, int]:
        return grading.distribution(self.grades)


UPCOMING_DAYS = 60


def dashboard(district: Region, facilities: QuerySet[Facility], as_of: datetime.date, year: int) -> Dashboard:
    facilities = counted(facilities.filter(district=district))
    unresolved = with_overdue(
        Finding.objects.filter(facility__in=facilities.values("pk")).unresolved(), as_of
    ).select_related("facility", "facility__town", "inspection")
    categories = list(Finding.Category.choices)
    by_town: dict[str, dict] = {}
    by_category: dict[str, dict[str, int]] = {code: defaultdict(int) for code, _l in categories}
    overdue = []
    for finding in unresolved.order_by("deadline", "pk"):
        town = finding.facility.town.name if finding.facility.town else _("未填写镇街")
        sort = finding.facility.town.sort_order if finding.facility.town else 10_000
        row = by_town.setdefault(town, {"sort": sort, "cats": defaultdict(int), "overdue": 0, "serious": 0})
        row["cats"][finding.category] += 1
        by_category[finding.category][finding.severity] += 1
        if finding.overdue:
            row["overdue"] += 1
            overdue.append(finding)
        if finding.severity == Finding.Severity.SERIOUS:
            row["serious"] += 1
    open_by_town = [
        (name, dict(row["cats"]), sum(row["cats"].values()), row["overdue"], row["serious"])
        for name, row in sorted(by_town.items(), key=lambda kv: (kv[1]["sort"], kv[0]))
    ]
    graded_scope = facilities.filter(operating_status__in=grading.ACTIVE_STATUSES)
    grade_error = ""
    try:
        grades = grading.grade_all(graded_scope, as_of)
    except grading.GradingRuleMissing as exc:
        grades, grade_error = [], str(exc)
    horizon = as_of + datetime.timedelta(days=UPCOMING_DAYS)
    upcoming = sorted((g for g in grades if g.next_due <= horizon), key=lambda g: (g.next_due, g.grade))
    complaints = Complaint.objects.filter(facility__in=facilities.values("pk"))
    return Dashboard(
        district=district,
        as_of=as_of,
        year=year,
        facilities=facilities,
        open_by_town=open_by_town,
        categories=categories,
        open_by_category={k: dict(v) for k, v in by_category.items()},
        overdue=overdue,
        grades=grades,
        grade_error=grade_error,
        upcoming=upcoming,
        staff=staff_goals(district, facilities, year),
        fee_cap=fee_cap_check(district, year, facilities),
        figures=reported_vs_computed(district),
        events=list(SupervisionEvent.objects.filter(district=district).select_related("source")),
        inspections_this_year=Inspection.objects.filter(
            facilities__in=facilities.values("pk"), inspected_on__year=year
        )
        .distinct()
        .count(),
        complaints_open=complaints.filter(closed_on__isnull=True).count(),
        complaints_substantiated=complaints.filter(substantiated=True, received_on__year=year).count(),
        counts={
            "open": sum(r[2] for r in open_by_town),
            "overdue": len(overdue),
            "serious": sum(r[4] for r in open_by_town),
            "facilities": graded_scope.count(),
        },
    )


# ---------------------------------------------------------------- for the subsidies app


def payment_hold_reasons(facility: Facility, on: datetime.date | None = None) -> list[str]:
    """Why a subsidy payment to `facility` should wait, in Chinese sentences; an empty list means no
    supervision reason. Reasons: serious findings past their deadline and not verified; grade D under the
    risk + credit rule; a public or inclusive facility charging above the district's fee cap."""
    on = on or timezone.localdate()
    reasons = []
    serious = (
        Finding.objects.overdue(on)
        .filter(facility=facility, severity=Finding.Severity.SERIOUS)
        .select_related("inspection")
        .order_by("deadline")
    )
    for finding in serious:
        reasons.append(
            _("有逾期未整改的严重问题：%(category)s（%(found)s检查发现，整改期限%(deadline)s）：%(what)s")
            % {
                "category": finding.get_category_display(),
                "found": finding.inspection.inspected_on.isoformat(),
                "deadline": finding.deadline.isoformat(),
                "what": grading._short(finding.description, 60),
            }
        )
    if facility.operating_status in grading.ACTIVE_STATUSES:
        try:
            result = grading.grade_one(facility, on)
        except grading.GradingRuleMissing:
            result = None
        if result and result.grade == "D":
            reasons.append(
                _("风险+信用分级为D级（风险分%(risk)s，信用分%(credit)s）")
                % {"risk": _fmt(result.risk_points), "credit": _fmt(result.credit_points)}
            )
    row = fee_cap_for_facility(facility, on.year)
    if row and row.status == "over":
        reasons.append(
            _("收费超过上限：托育费%(fee)s元/月，上限%(cap)s元/月，超出%(excess)s元")
            % {"fee": _fmt(row.fee), "cap": _fmt(row.cap), "excess": _fmt(row.excess)}
        )
    return reasons


# ---------------------------------------------------------------- for the public directory (disclosure)


def _inspection_result(found: int, unresolved: int) -> str:
    if not found:
        return _("未发现问题")
    if not unresolved:
        return ngettext("发现%(n)d项问题，已全部整改", "发现%(n)d项问题，已全部整改", found) % {"n": found}
    text = ngettext("发现%(n)d项问题，%(open)d项整改中", "发现%(n)d项问题，%(open)d项整改中", found)
    return text % {"n": found, "open": unresolved}


def latest_inspections(facility_ids: list[int], today: datetime.date | None = None) -> dict[int, dict]:
    """The directory's "inspection" disclosure: each facility's latest inspection up to today — its date,
    its kind and, as the outcome, how many problems it found there and whether they are rectified. Nothing
    else leaves: not the findings' text, the team or the other facilities visited. One query per page."""
    today = today or timezone.localdate()
    found_there = Finding.objects.filter(
        facility_id=OuterRef("facility_id"), inspection_id=OuterRef("inspection_id")
    ).order_by()

    def count(findings):
        return Coalesce(Subquery(findings.values("facility_id").annotate(n=Count("pk")).values("n")), 0)

    visits = (
        Inspection.facilities.through.objects.filter(
            facility_id__in=facility_ids, inspection__inspected_on__lte=today
        )
        .order_by("facility_id", "-inspection__inspected_on", "-inspection_id")
        .distinct("facility_id")
        .annotate(
            found=count(found_there),
            unresolved=count(found_there.exclude(status=Finding.Status.VERIFIED)),
        )
        .values_list("facility_id", "inspection__inspected_on", "inspection__kind", "found", "unresolved")
    )
    return {
        facility_id: {
            "date": day,
            "kind": str(Inspection.Kind(kind).label),
            "result": _inspection_result(found, unresolved),
        }
        for facility_id, day, kind, found, unresolved in visits
    }


# Short level words for the directory, which prints them after "风险" / "信用".
_RISK_WORDS = {
    RiskLevel.LOW: pgettext_lazy("风险等级", "低"),
    RiskLevel.MEDIUM: pgettext_lazy("风险等级", "中"),
    RiskLevel.HIGH: pgettext_lazy("风险等级", "高"),
}
_CREDIT_WORDS = {
    CreditLevel.GOOD: pgettext_lazy("信用等级", "良好"),
    CreditLevel.FAIR: pgettext_lazy("信用等级", "一般"),
    CreditLevel.POOR: pgettext_lazy("信用等级", "较差"),
}


def kept_grades(facility_ids: list[int]) -> dict[int, dict]:
    """The directory's "grade" disclosure: each facility's latest kept grade (GradeRecord, computed at a
    month's end and never rewritten) with its risk and credit levels and the day it was computed. Not the
    live grade: that takes the whole rule (a dozen queries and the district's rules) per page, and a kept
    grade is the one officials have seen. The points and their reasons stay internal. One query per page."""
    records = (
        GradeRecord.objects.filter(facility_id__in=facility_ids)
        .order_by("facility_id", "-period")
        .distinct("facility_id")
        .values_list("facility_id", "grade", "risk_level", "credit_level", "as_of")
    )
    return {
        facility_id: {
            "grade": grade,
            "risk": str(_RISK_WORDS[risk]),
            "credit": str(_CREDIT_WORDS[credit]),
            "as_of": as_of,
        }
        for facility_id, grade, risk, credit, as_of in records
    }
