"""The one computation of planning progress and indicators. The dashboards, the spreadsheet exports and
(later) the REST API all call these functions; nothing else sums slots against targets.

Actual slots count facilities that are filed, not synthetic, and operating on the as-of date (their status
on that date is read from the status-change history). Capacity is the facility's current class units, as
approved — pending changes do not count until an official approves them.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.batch import read_together
from core.formatting import ratio
from facilities import selectors as facility_selectors
from facilities.models import Facility, RuleSetting, StatusChange
from facilities.rules import load_rules, working_days_before
from planning import summary
from planning.models import DemandAssumption, InclusiveShareGoal
from targets import comparators
from targets.models import PopulationStat, Region, ReportedFigure, SlotTarget

Status = Facility.OperatingStatus
NATIONAL_SLOTS_PER_1000 = Decimal(
    "4.5"
)  # 14th Five-Year plan target for 2025 (DOMAIN.md), a national constant


# ---------------------------------------------------------------- which facilities count


def status_on(as_of: datetime.date):
    """A facility's operating status on `as_of`, from its status-change history: the last change on or
    before the date, else the state before the first later change, else its current status."""
    before = StatusChange.objects.filter(facility=OuterRef("pk"), effective_on__lte=as_of).order_by(
        "-effective_on", "-created_at"
    )
    after = StatusChange.objects.filter(facility=OuterRef("pk"), effective_on__gt=as_of).order_by(
        "effective_on", "created_at"
    )
    return Coalesce(
        Subquery(before.values("to_status")[:1]),
        Subquery(after.values("from_status")[:1]),
        F("operating_status"),
    )


def counts_synthetic(include_synthetic: bool | None = None) -> bool:
    """Whether synthetic facilities count: the one switch, facilities.selectors.counts_synthetic (off in the
    portal; on in a demo or benchmark database)."""
    return facility_selectors.counts_synthetic(include_synthetic)


def counted_facilities(
    as_of: datetime.date | None = None, *, include_synthetic: bool | None = None
) -> QuerySet:
    """Facilities whose slots count in official statistics on `as_of` (default today).

    A facility without any status change has had its current operating status all along; only the few with
    a status history need `status_on`. Written as two set tests (hashed sub-plans in PostgreSQL) rather than
    a correlated sub-query per facility, so a national rollup reads the registry once."""
    as_of = as_of or timezone.localdate()
    # Filed by then and not yet cancelled: a facility closed later was filed (and counted) on `as_of`.
    queryset = Facility.objects.filed_on_day(as_of)
    if not counts_synthetic(include_synthetic):
        queryset = queryset.filter(is_synthetic=False)
    changed = StatusChange.objects.values("facility_id")
    operating_then = (
        Facility.objects.filter(pk__in=changed)
        .annotate(status_then=status_on(as_of))
        .filter(status_then=Status.OPERATING)
        .values("pk")
    )
    return queryset.filter(
        (Q(operating_status=Status.OPERATING) & ~Q(pk__in=changed)) | Q(pk__in=operating_then)
    )


def pipeline_facilities(*, include_synthetic: bool | None = None) -> QuerySet:
    """Facilities being planned or built: their recorded slots are the pipeline."""
    queryset = Facility.objects.filter(operating_status__in=[Status.PLANNED, Status.UNDER_CONSTRUCTION])
    return queryset if counts_synthetic(include_synthetic) else queryset.filter(is_synthetic=False)


# ---------------------------------------------------------------- progress


class FlagCode:
    BELOW_GOAL = "below_goal"
    NO_INCLUSIVE_SERVICE = "no_inclusive_service"
    TARGET_BELOW_GOAL = "target_below_goal"
    FILING_GAP = "filing_gap"
    REPORTED_MISMATCH = "reported_mismatch"

    LABELS = {
        BELOW_GOAL: _("普惠占比低于年度目标"),
        NO_INCLUSIVE_SERVICE: _("无普惠托育服务"),
        TARGET_BELOW_GOAL: _("目标中的普惠比例低于区目标"),
        FILING_GAP: _("运营机构备案未完成或超期"),
        REPORTED_MISMATCH: _("文件报告数与计算值不一致"),
    }


@dataclass
class ProgressRow:
    code: str
    name: str
    target_slots: int | None = None
    target_inclusive: int | None = None
    actual_slots: int = 0
    actual_inclusive: int = 0
    pipeline_slots: int = 0
    facilities: int = 0
    inclusive_facilities: int = 0
    filing_gaps: int = 0
    flags: list[tuple[str, str]] = field(default_factory=list)

    @property
    def completion_rate(self) -> Decimal | None:
        return ratio(self.actual_slots, self.target_slots)

    @property
    def inclusive_share(self) -> Decimal | None:
        return ratio(self.actual_inclusive, self.actual_slots)

    @property
    def target_inclusive_ratio(self) -> Decimal | None:
        return ratio(self.target_inclusive, self.target_slots)

    @property
    def gap(self) -> int | None:
        """Slots still to build to reach the target (negative: target exceeded)."""
        return None if self.target_slots is None else self.target_slots - self.actual_slots

    @property
    def inclusive_gap(self) -> int | None:
        return None if self.target_inclusive is None else self.target_inclusive - self.actual_inclusive

    @property
    def shortfall(self) -> int:
        """Slots this row is short of its target; 0 when it has reached it (a surplus is not a negative
        shortfall: one town's surplus builds no slot in another town)."""
        return max(self.gap or 0, 0)

    @property
    def inclusive_shortfall(self) -> int:
        return max(self.inclusive_gap or 0, 0)

    @property
    def has_inclusive_service(self) -> bool:
        return self.inclusive_facilities > 0

    def add(self, other: ProgressRow) -> None:
        for name in (
            "actual_slots",
            "actual_inclusive",
            "pipeline_slots",
            "facilities",
            "inclusive_facilities",
            "filing_gaps",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("target_slots", "target_inclusive"):
            value = getattr(other, name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)


@dataclass
class Progress:
    year: int
    level: str
    as_of: datetime.date
    rows: list[ProgressRow]
    totals: ProgressRow
    goal: InclusiveShareGoal | None = None
    district: Region | None = None
    # For a plan whose deadline has passed: the end of the frozen (approved) period report its figures come
    # from, or None when none exists and the figures are the live ones (`past_deadline` says so).
    as_reported: datetime.date | None = None

    @property
    def deadline(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    @property
    def past_deadline(self) -> bool:
        return self.as_of > self.deadline

    @property
    def level_label(self) -> str:
        return str(SlotTarget.Level(self.level).label)

    @property
    def flagged_rows(self) -> list[ProgressRow]:
        return [row for row in self.rows if row.flags]

    @property
    def town_rows(self) -> list[ProgressRow]:
        """The towns (without the row of facilities whose town is not recorded)."""
        return [row for row in self.rows if row.code != UNASSIGNED]

    @property
    def lagging_rows(self) -> list[ProgressRow]:
        return [row for row in self.town_rows if row.shortfall > 0]

    @property
    def shortfall(self) -> int:
        """The district's honest gap: the sum of the lagging towns' shortfalls. The net gap (totals.gap)
        lets towns above target cancel towns below it; this does not."""
        return sum(row.shortfall for row in self.lagging_rows)

    @property
    def inclusive_shortfall(self) -> int:
        return sum(row.inclusive_shortfall for row in self.town_rows)

    @property
    def towns_with_inclusive_service(self) -> int:
        return sum(1 for row in self.town_rows if row.has_inclusive_service)

    @property
    def inclusive_coverage(self) -> Decimal | None:
        """Share of towns with inclusive service (0–1), for the goal of inclusive service in every town."""
        return ratio(self.towns_with_inclusive_service, len(self.town_rows))

    @cached_property
    def coverage_goal(self) -> ReportedFigure | None:
        """The district's goal for towns with inclusive service (Daxing: every town by 2025), if a document
        sets one for this plan's year or earlier."""
        if self.district is None:
            return None
        return (
            ReportedFigure.objects.filter(
                region=self.district,
                measure=ReportedFigure.Measure.TOWN_INCLUSIVE_COVERAGE,
                nature=ReportedFigure.Nature.GOAL,
            )
            .filter(Q(period_end__year__gte=self.year) | Q(period_end__isnull=True))
            .select_related("source")
            .order_by("period_end")
            .first()
        )

    @property
    def meets_coverage_goal(self) -> bool | None:
        coverage = self.inclusive_coverage
        return comparators.figure_satisfied(
            coverage * 100 if coverage is not None else None, self.coverage_goal
        )


UNASSIGNED = "—"


def _group(queryset: QuerySet, key: str, *, inclusive_facilities: bool = True) -> dict:
    aggregates = {"slots": Sum("total_slots"), "inclusive": Sum("inclusive_slots"), "n": Count("pk")}
    if inclusive_facilities:
        aggregates["n_inclusive"] = Count("pk", filter=Q(inclusive_slots__gt=0))
    return {row[key]: row for row in queryset.order_by().values(key).annotate(**aggregates)}


def filing_gap_facilities(
    today: datetime.date | None = None, *, include_synthetic: bool | None = None
) -> QuerySet:
    """Operating facilities whose filing is not done on `today`: not submitted, returned, or past the
    notice deadline."""
    today = today or timezone.localdate()
    rules = load_rules()
    days = int(rules.settings.get(RuleSetting.Key.NOTICE_WORKING_DAYS, Decimal(15)))
    cutoff = working_days_before(today, days)
    queryset = Facility.objects.filter(operating_status=Status.OPERATING).filter(
        Q(filing_status__in=[Facility.FilingStatus.DRAFT, Facility.FilingStatus.RETURNED])
        | Q(filing_status=Facility.FilingStatus.SUBMITTED, submitted_at__date__lt=cutoff)
    )
    return queryset if counts_synthetic(include_synthetic) else queryset.filter(is_synthetic=False)


def _registry_figures(
    as_of: datetime.date, key: str, *, district=None, districts=None, using: str | None = None
) -> tuple:
    """(actual, pipeline, filing gaps) per `key` (town_id or district_id) of one district or of several:
    {key: {"slots", "inclusive", "n", "n_inclusive"}}, {key: {"slots"}}, {key: count}.

    As of today they come from the maintained summary (planning/summary.py: the same querysets, stored per
    town and kept exact by database triggers); for any other date they are computed here."""
    today = timezone.localdate()
    if as_of == today and (using := using or summary.ensure(today)) is not None:
        return summary.figures(
            using, key, district=district, districts=districts, include_synthetic=counts_synthetic()
        )
    scope = {"district": district} if district is not None else {"district__in": districts}
    actual = _group(counted_facilities(as_of).filter(**scope), key)
    pipeline = _group(pipeline_facilities().filter(**scope), key, inclusive_facilities=False)
    gaps = filing_gap_facilities(today).filter(**scope).order_by().values(key).annotate(n=Count("pk"))
    return actual, pipeline, {row[key]: row["n"] for row in gaps}


def _project_pipeline(district: Region, as_of: datetime.date) -> dict:
    """Planned slots of construction projects not yet in service and not past their expected completion
    date on `as_of`, per town id, leaving out projects whose facility already records slots (those count
    through the facility)."""
    from subsidies.selectors import pipeline_slots_by_town

    slots = pipeline_slots_by_town(district, skip_facilities_with_slots=True, as_of=as_of)
    return {k: v for k, v in slots.items() if v}


def _project_pipeline_by_district(districts, as_of: datetime.date) -> dict:
    """The same, summed per district in one grouped query (for rollups)."""
    from subsidies.models import Project
    from subsidies.selectors import not_in_service

    projects = not_in_service(Project.objects.filter(district__in=districts), as_of=as_of).exclude(
        facility__isnull=False, facility__total_slots__gt=0
    )
    rows = projects.order_by().values("district_id").annotate(n=Sum("planned_slots"))
    return {r["district_id"]: r["n"] or 0 for r in rows}


def goal_for(district: Region, year: int) -> InclusiveShareGoal | None:
    return InclusiveShareGoal.objects.filter(district=district, year=year).select_related("source").first()


def district_progress(
    district: Region,
    year: int,
    level: str,
    as_of: datetime.date | None = None,
    *,
    towns: QuerySet | None = None,
) -> Progress:
    """Per town of one district (optionally only some towns): targets, actual and pipeline slots, rates,
    gaps and flags; totals summed from the rows."""
    as_of = as_of or timezone.localdate()
    plan = SlotTarget.objects.filter(town__parent=district, year=year, level=level).order_by()
    figures, (target_rows,) = _DistrictFigures.load_with(
        district, as_of, towns, also=(plan.values("town_id", "total_slots", "inclusive_slots"),)
    )
    targets = {t["town_id"]: t for t in target_rows}
    return figures.progress(year, level, targets, goal_for(district, year))


@dataclass
class _DistrictFigures:
    """What a district's progress needs apart from the plan (year, level): its towns and the registry's
    figures per town, read once however many plans are shown."""

    district: Region
    as_of: datetime.date
    towns: list[tuple[int, str, str]]
    actual: dict
    pipeline: dict
    gaps: dict
    projects: dict
    all_towns: bool

    @classmethod
    def load(cls, district, as_of, towns=None) -> _DistrictFigures:
        return cls.load_with(district, as_of, towns)[0]

    @classmethod
    def load_with(cls, district, as_of, towns=None, also=()) -> tuple[_DistrictFigures, list[list[dict]]]:
        """load, and the rows of the `.values()` querysets `also`, read in the same round trip as the
        towns and the projects (core.batch)."""
        from subsidies.selectors import pipeline_projects, slots_by_town

        town_qs = (
            towns if towns is not None else Region.objects.filter(parent=district, level=Region.Level.TOWN)
        )
        actual, pipeline, gaps = _registry_figures(as_of, "town_id", district=district)
        projects = pipeline_projects(district, skip_facilities_with_slots=True, as_of=as_of)
        town_rows, project_rows, *others = read_together(
            town_qs.order_by("sort_order", "code").values("pk", "code", "name"), projects, *also
        )
        figures = cls(
            district=district,
            as_of=as_of,
            towns=[(row["pk"], row["code"], row["name"]) for row in town_rows],
            actual=actual,
            pipeline=pipeline,
            gaps=gaps,
            projects={k: v for k, v in slots_by_town(project_rows).items() if v},
            all_towns=towns is None,
        )
        return figures, others

    def as_reported(self, frozen: dict[int, dict]) -> _DistrictFigures:
        """The same towns with the frozen figures of a closed period in place of the registry's (a frozen
        report records slots, not which facilities are inclusive: a town with inclusive slots counts as one
        with inclusive service)."""
        actual = {
            town: {**row, "n_inclusive": row.get("n_inclusive", 1 if row.get("inclusive") else 0)}
            for town, row in frozen.items()
        }
        return dataclasses.replace(self, actual=actual)

    def progress(self, year, level, targets: dict, goal: InclusiveShareGoal | None) -> Progress:
        actual, pipeline, gaps, projects = self.actual, self.pipeline, self.gaps, self.projects

        def build(code, name, key):
            row = ProgressRow(code=code, name=name)
            if key in targets:
                row.target_slots = targets[key]["total_slots"]
                row.target_inclusive = targets[key]["inclusive_slots"]
            if key in actual:
                row.actual_slots = actual[key]["slots"] or 0
                row.actual_inclusive = actual[key]["inclusive"] or 0
                row.facilities = actual[key]["n"]
                row.inclusive_facilities = actual[key]["n_inclusive"]
            if key in pipeline:
                row.pipeline_slots = pipeline[key]["slots"] or 0
            row.pipeline_slots += projects.get(key, 0)
            row.filing_gaps = gaps.get(key, 0)
            return row

        rows = [build(code, name, pk) for pk, code, name in self.towns]
        if self.all_towns and any(None in d for d in (actual, pipeline, gaps, projects)):
            rows.append(build(UNASSIGNED, str(_("未填写镇街的机构")), None))
        district = self.district
        totals = ProgressRow(code=district.code, name=district.name)
        for row in rows:
            _flag(row, goal, is_town=row.code != UNASSIGNED)
            totals.add(row)
        _flag(totals, goal, is_town=False)
        return Progress(
            year=year, level=level, as_of=self.as_of, rows=rows, totals=totals, goal=goal, district=district
        )


def _flag(
    row: ProgressRow, goal: InclusiveShareGoal | None, *, is_town: bool, labels: dict | None = None
) -> None:
    flags = []
    goal_share = goal.share_percent / 100 if goal else None
    if goal_share is not None and row.actual_slots and row.inclusive_share < goal_share:
        flags.append(FlagCode.BELOW_GOAL)
    if is_town and not row.has_inclusive_service:
        flags.append(FlagCode.NO_INCLUSIVE_SERVICE)
    if (
        goal_share is not None
        and row.target_inclusive_ratio is not None
        and row.target_inclusive_ratio < goal_share
    ):
        flags.append(FlagCode.TARGET_BELOW_GOAL)
    if row.filing_gaps:
        flags.append(FlagCode.FILING_GAP)
    labels = labels or FlagCode.LABELS
    row.flags = [(code, str(labels[code])) for code in flags]


def rollup(
    districts: QuerySet[Region], year: int, level: str, as_of: datetime.date | None = None
) -> Progress:
    """One row per district (a city's or the nation's view), computed in grouped SQL, not per district."""
    as_of = as_of or timezone.localdate()
    districts = districts.filter(level=Region.Level.DISTRICT)
    ids = districts.values("pk")
    using = summary.ensure(timezone.localdate())
    if using is not None:
        targets = summary.targets(using, ids, year, level)
    else:
        targets = {
            r["town__parent_id"]: r
            for r in SlotTarget.objects.filter(town__parent__in=ids, year=year, level=level)
            .values("town__parent_id")
            .annotate(total=Sum("total_slots"), inclusive=Sum("inclusive_slots"))
        }
    actual, pipeline, gaps = _registry_figures(as_of, "district_id", districts=ids, using=using)
    districts = districts.order_by("parent__code", "code").values_list("pk", "code", "name")
    goals = {g.district_id: g for g in InclusiveShareGoal.objects.filter(district__in=ids, year=year)}
    projects = _project_pipeline_by_district(ids, as_of)
    rows = []
    totals = ProgressRow(code="", name=str(_("合计")))
    labels = {code: str(label) for code, label in FlagCode.LABELS.items()}  # translated once, not per row
    for pk, code, name in districts:
        row = ProgressRow(code=code, name=name)
        if pk in targets:
            row.target_slots = targets[pk]["total"]
            row.target_inclusive = targets[pk]["inclusive"]
        if pk in actual:
            a = actual[pk]
            row.actual_slots, row.actual_inclusive = a["slots"] or 0, a["inclusive"] or 0
            row.facilities, row.inclusive_facilities = a["n"], a["n_inclusive"]
        if pk in pipeline:
            row.pipeline_slots = pipeline[pk]["slots"] or 0
        row.pipeline_slots += projects.get(pk, 0)
        row.filing_gaps = gaps.get(pk, 0)
        _flag(row, goals.get(pk), is_town=False, labels=labels)
        rows.append(row)
        totals.add(row)
    return Progress(year=year, level=level, as_of=as_of, rows=rows, totals=totals)


def target_completion(districts: QuerySet[Region], year: int) -> dict[int, Progress]:
    """Each district's progress against its first target level of `year` (baseline before high-quality
    before plan), as one rollup row per district: {district id: Progress with that district's totals}."""
    order = {value: i for i, value in enumerate(SlotTarget.Level.values)}
    levels: dict[int, str] = {}
    for district_id, level in (
        SlotTarget.objects.filter(town__parent__in=districts, year=year)
        .values_list("town__parent_id", "level")
        .distinct()
    ):
        if district_id not in levels or order[level] < order[levels[district_id]]:
            levels[district_id] = level
    result = {}
    for level in set(levels.values()):
        ids = [pk for pk, lv in levels.items() if lv == level]
        progress = rollup(Region.objects.filter(pk__in=ids), year, level)
        for pk, row in zip(
            Region.objects.filter(pk__in=ids).order_by("parent__code", "code").values_list("pk", flat=True),
            progress.rows,
            strict=True,
        ):
            result[pk] = Progress(year=year, level=level, as_of=progress.as_of, rows=[row], totals=row)
    return result


def available_plans(district: Region) -> list[tuple[int, str]]:
    """(year, level) pairs for which the district has targets, in order."""
    order = {value: i for i, value in enumerate(SlotTarget.Level.values)}
    pairs = set(SlotTarget.objects.filter(town__parent=district).values_list("year", "level").distinct())
    return sorted(pairs, key=lambda p: (p[0], order[p[1]]))


# ---------------------------------------------------------------- indicators


@dataclass
class Comparison:
    """A computed figure beside the figure a document reports, and whether they agree."""

    label: str
    computed: Decimal | None
    reported: ReportedFigure | None
    unit: str = ""

    @property
    def difference(self) -> Decimal | None:
        if self.computed is None or self.reported is None:
            return None
        return self.computed - self.reported.value

    @property
    def agrees(self) -> bool | None:
        """Within rounding of the printed figure, and on the right side of a “more than / at least”."""
        if self.computed is None or self.reported is None:
            return None
        return comparators.satisfies(self.computed, self.reported.comparator, self.reported.value)


@dataclass
class Indicators:
    district: Region
    year: int
    as_of: datetime.date
    population: PopulationStat | None
    registry_slots: int
    registry_inclusive: int
    registry_facilities: int
    reported: dict[str, ReportedFigure]
    demand_percent: Decimal
    demand_is_default: bool
    demand: DemandAssumption | None = None

    @property
    def residents(self):
        return self.population.resident_population if self.population else None

    @property
    def infants(self):
        return self.population.infants_under_3 if self.population else None

    @property
    def slots_per_1000(self) -> Decimal | None:
        r = ratio(self.registry_slots, self.residents)
        return r * 1000 if r is not None else None

    @property
    def slots_per_100_infants(self) -> Decimal | None:
        r = ratio(self.registry_slots, self.infants)
        return r * 100 if r is not None else None

    @property
    def inclusive_share(self) -> Decimal | None:
        return ratio(self.registry_inclusive, self.registry_slots)

    @property
    def document_slots_per_1000(self) -> Decimal | None:
        """The document's own slots ÷ residents: a consistency check of the document itself."""
        slots = self.reported.get(ReportedFigure.Measure.SLOTS)
        r = ratio(slots.value if slots else None, self.residents)
        return r * 1000 if r is not None else None

    @property
    def slots_needed(self) -> int | None:
        if self.infants is None:
            return None
        return int((Decimal(self.infants) * self.demand_percent / 100).to_integral_value(ROUND_HALF_UP))

    @property
    def shortfall(self) -> int | None:
        return None if self.slots_needed is None else self.slots_needed - self.registry_slots

    def comparisons(self) -> list[Comparison]:
        M = ReportedFigure.Measure

        def percent(value):
            return value * 100 if value is not None else None

        return [
            Comparison(
                str(_("每千人口托位数（登记数据）")), self.slots_per_1000, self.reported.get(M.SLOTS_PER_1000)
            ),
            Comparison(
                str(_("每千人口托位数（按文件自身托位数与人口计算）")),
                self.document_slots_per_1000,
                self.reported.get(M.SLOTS_PER_1000),
            ),
            Comparison(
                str(_("普惠托位占比（登记数据，%）")),
                percent(self.inclusive_share),
                self.reported.get(M.INCLUSIVE_SHARE),
            ),
        ]

    def completeness(self) -> list[tuple[str, int, ReportedFigure | None, Decimal | None]]:
        """How much of what the documents report is in the registry: (label, registry, reported, share)."""
        M = ReportedFigure.Measure
        rows = []
        for label, value, measure in (
            (_("备案机构数"), self.registry_facilities, M.FILED_FACILITIES),
            (_("托位数"), self.registry_slots, M.SLOTS),
        ):
            reported = self.reported.get(measure)
            rows.append((str(label), value, reported, ratio(value, reported.value if reported else None)))
        return rows

    @property
    def mismatched_reports(self) -> list[Comparison]:
        """Reported figures the document's own data does not bear out (only the document check, since the
        registry may still be incomplete)."""
        check = self.comparisons()[1]
        return [check] if check.agrees is False else []


DEFAULT_ENROLMENT_WISH_PERCENT = Decimal(getattr(settings, "PLANNING_DEFAULT_ENROLMENT_WISH_PERCENT", "33"))


def indicators(district: Region, year: int, as_of: datetime.date | None = None) -> Indicators:
    """Slots per 1,000 residents and per 100 infants, inclusive share, demand — from the registry, beside the
    figures the documents report. Population is the latest year up to `year`; reported figures the latest
    actual figures dated in or before `year`."""
    today = timezone.localdate()
    as_of = as_of or min(today, datetime.date(year, 12, 31))
    population = (
        PopulationStat.objects.filter(region=district, year__lte=year)
        .select_related("source")
        .order_by("-year")
        .first()
    )
    counted = (
        counted_facilities(as_of)
        .filter(district=district)
        .aggregate(slots=Sum("total_slots"), inclusive=Sum("inclusive_slots"), n=Count("pk"))
    )
    reported = {}
    for figure in (
        ReportedFigure.objects.filter(region=district, nature=ReportedFigure.Nature.ACTUAL, subject="")
        .filter(Q(period_end__year__lte=year) | Q(period_end__isnull=True))
        .select_related("source")
        .order_by("period_end")
    ):
        reported[figure.measure] = figure  # the latest one wins
    demand = DemandAssumption.objects.filter(district=district).first()
    return Indicators(
        district=district,
        year=year,
        as_of=as_of,
        population=population,
        registry_slots=counted["slots"] or 0,
        registry_inclusive=counted["inclusive"] or 0,
        registry_facilities=counted["n"],
        reported=reported,
        demand_percent=demand.enrolment_wish_percent if demand else DEFAULT_ENROLMENT_WISH_PERCENT,
        demand_is_default=demand is None,
        demand=demand,
    )


def facilities_by_kind(district: Region, as_of: datetime.date | None = None) -> list[tuple[str, int, int]]:
    """(kind label, facilities, slots) of the counted facilities, largest first."""
    rows = (
        counted_facilities(as_of)
        .filter(district=district)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"), slots=Sum("total_slots"))
    )
    labels = dict(Facility.Kind.choices)
    return sorted(((str(labels[r["kind"]]), r["n"], r["slots"] or 0) for r in rows), key=lambda r: -r[2])


def filing_counts(district: Region) -> dict[str, int]:
    """The district's facilities by filing status (synthetic ones only where they count)."""
    rows = facility_selectors.counted(Facility.objects.filter(district=district)).values("filing_status")
    rows = rows.order_by()
    return {r["filing_status"]: r["n"] for r in rows.annotate(n=Count("pk"))}


# Frozen figures of closed periods (approved quarterly reports) live in an app above this one (reporting/);
# it registers a reader here so that past plans are judged as reported without planning importing it.
# A reader takes (district, period end) and returns {town id: {"slots", "inclusive", "n"}} from the approved
# reports of that period, or None when the district has none.
FrozenReader = Callable[[Region, datetime.date], "dict[int, dict] | None"]
_frozen_readers: list[FrozenReader] = []


def register_frozen_reader(reader: FrozenReader) -> None:
    if reader not in _frozen_readers:
        _frozen_readers.append(reader)


def frozen_town_figures(district: Region, period_end: datetime.date) -> dict[int, dict] | None:
    for reader in _frozen_readers:
        figures = reader(district, period_end)
        if figures is not None:
            return figures
    return None


def progress_over_years(district: Region, as_of: datetime.date | None = None) -> list[Progress]:
    """The district's progress for every (year, level) it has targets for: the same figures as
    district_progress for each, from one read of the registry, the targets and the goals.

    A plan whose deadline (31 December of its year) has passed is judged with the figures as of that deadline
    when a frozen report of it exists (`Progress.as_reported`); without one its figures are the live ones,
    and `past_deadline` lets the page say so instead of passing them off as the deadline's."""
    as_of = as_of or timezone.localdate()
    plans = available_plans(district)
    if not plans:
        return []
    targets: dict[tuple[int, str], dict] = {plan: {} for plan in plans}
    for t in SlotTarget.objects.filter(town__parent=district).values(
        "year", "level", "town_id", "total_slots", "inclusive_slots"
    ):
        targets.setdefault((t["year"], t["level"]), {})[t["town_id"]] = t
    goals = {g.year: g for g in InclusiveShareGoal.objects.filter(district=district).select_related("source")}
    figures = _DistrictFigures.load(district, as_of)
    result = []
    frozen_by_deadline: dict[datetime.date, dict | None] = {}  # a year's levels share one deadline
    for year, level in plans:
        plan_figures, as_reported = figures, None
        deadline = datetime.date(year, 12, 31)
        if as_of > deadline and deadline not in frozen_by_deadline:
            frozen_by_deadline[deadline] = frozen_town_figures(district, deadline)
        if as_of > deadline and (frozen := frozen_by_deadline[deadline]) is not None:
            plan_figures, as_reported = figures.as_reported(frozen), deadline
        progress = plan_figures.progress(year, level, targets[(year, level)], goals.get(year))
        progress.as_reported = as_reported
        result.append(progress)
    return result
