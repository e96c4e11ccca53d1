"""Reads of the reports: utilisation, vacancies, who reported late or not at all, and the figures of a
period report — as compiled from the registry and the enrolment reports, and live.

`utilisation` is the one computation of enrolled ÷ slots: the reporting pages, the period reports and the
API use it. It counts the facilities planning counts (`planning.selectors.counted_facilities`: filed,
operating, not synthetic, on the date) and each one's latest enrolment report in the months asked for.
Its rate is over the facilities that reported (enrolled ÷ their approved slots), so a facility that has not
reported lowers the reporting count, not the rate; both are shown.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.formatting import ratio
from core.months import month_end, month_start
from facilities.models import Facility
from planning.selectors import UNASSIGNED, counted_facilities, progress_over_years
from reporting.models import (
    DEFAULT_DUE_DAY,
    EnrolmentReport,
    PeriodReport,
    ReportingSetting,
    due_date,
    quarter_bounds,
)
from targets.models import Region, SlotTarget

# A vacancy figure older than this many months is not shown to the public.
VACANCY_FRESH_MONTHS = 3


def due_day_for(district: Region) -> tuple[int, bool]:
    """(the district's due day, is it the default?)."""
    setting = ReportingSetting.objects.filter(district=district).first()
    return (setting.due_day, False) if setting else (DEFAULT_DUE_DAY, True)


def latest_reports(facilities, *, start=None, end=None) -> QuerySet[EnrolmentReport]:
    """Each facility's latest enrolment report with its month in [start, end] (either open)."""
    reports = EnrolmentReport.objects.filter(facility__in=facilities)
    if start is not None:
        reports = reports.filter(month__gte=month_start(start))
    if end is not None:
        reports = reports.filter(month__lte=end)
    return reports.order_by("facility_id", "-month").distinct("facility_id")


# ---------------------------------------------------------------- utilisation


@dataclass
class UtilisationRow:
    code: str
    name: str
    facilities: int = 0  # counted facilities
    slots: int = 0  # their approved slots
    inclusive_slots: int = 0
    reporting: int = 0  # of them, those with a report in the months asked for
    reported_slots: int = 0  # the approved slots of those
    enrolled: int = 0
    attendance: Decimal = Decimal(0)
    vacant: int = 0
    month: datetime.date | None = None  # a facility's report month
    pk: int | None = None

    @property
    def utilisation(self) -> Decimal | None:
        return ratio(self.enrolled, self.reported_slots)

    @property
    def attendance_rate(self) -> Decimal | None:
        return ratio(self.attendance, self.enrolled)

    @property
    def missing(self) -> int:
        return self.facilities - self.reporting

    def add(self, other: UtilisationRow) -> None:
        for name in (
            "facilities",
            "slots",
            "inclusive_slots",
            "reporting",
            "reported_slots",
            "enrolled",
            "attendance",
            "vacant",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Utilisation:
    district: Region
    start: datetime.date | None
    end: datetime.date
    facilities: list[UtilisationRow]
    towns: list[UtilisationRow]
    total: UtilisationRow

    def town(self, code: str) -> UtilisationRow | None:
        return next((row for row in self.towns if row.code == code), None)


def utilisation(
    district: Region,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    towns: QuerySet | None = None,
) -> Utilisation:
    """Enrolled ÷ approved slots per facility, town and district: the facilities counted on `end` (default
    today) and each one's latest report of the months from `start` (default: any) to `end`."""
    end = end or timezone.localdate()
    counted = counted_facilities(end).filter(district=district)
    town_rows_qs = towns if towns is not None else Region.objects.filter(parent=district).towns()
    if towns is not None:
        counted = counted.filter(town__in=towns)
    facilities = list(
        counted.order_by("town__sort_order", "town__code", "name").values_list(
            "pk", "name", "town__code", "total_slots", "inclusive_slots"
        )
    )
    reports = {
        r.facility_id: r
        for r in latest_reports([pk for pk, *_rest in facilities], start=start, end=end).only(
            "facility_id", "month", "enrolled", "average_attendance", "vacant_places"
        )
    }
    town_rows = {
        code: UtilisationRow(code=code, name=name)
        for code, name in town_rows_qs.order_by("sort_order", "code").values_list("code", "name")
    }
    total = UtilisationRow(code=district.code, name=district.name)
    facility_rows = []
    for pk, name, town_code, slots, inclusive in facilities:
        row = UtilisationRow(
            code=str(pk), name=name, pk=pk, facilities=1, slots=slots or 0, inclusive_slots=inclusive or 0
        )
        report = reports.get(pk)
        if report is not None:
            row.reporting, row.reported_slots = 1, row.slots
            row.enrolled, row.attendance = report.enrolled, report.average_attendance
            row.vacant, row.month = report.vacant_places, report.month
        facility_rows.append(row)
        key = town_code or UNASSIGNED
        if key not in town_rows:
            town_rows[key] = UtilisationRow(code=UNASSIGNED, name=str(_("未填写镇街的机构")))
        town_rows[key].add(row)
        total.add(row)
    return Utilisation(district, start, end, facility_rows, list(town_rows.values()), total)


def vacancies(facilities, today: datetime.date | None = None) -> dict[int, EnrolmentReport]:
    """The latest enrolment report (places vacant, its month) of each publicly listed facility among
    `facilities`, if it is recent (VACANCY_FRESH_MONTHS): for the public directory. Only the report's
    vacancy and month are public."""
    today = today or timezone.localdate()
    oldest = month_start(today)
    for _i in range(VACANCY_FRESH_MONTHS):
        oldest = month_start(oldest - datetime.timedelta(days=1))
    listed = Facility.objects.publicly_listed().filter(pk__in=facilities)
    reports = latest_reports(listed, start=oldest, end=today).only(
        "facility_id", "month", "vacant_places", "enrolled"
    )
    return {r.facility_id: r for r in reports}


def disclosed_enrolment(facility_ids: list[int], today: datetime.date | None = None) -> dict[int, dict]:
    """The directory's "enrolment" disclosure (facilities.disclosure): the enrolment of each facility's
    recent report (`vacancies`), as of the end of its month (today for the current month's); the directory
    shows slots less it, never the figure itself. One query per page."""
    today = today or timezone.localdate()
    return {
        pk: {"enrolled": report.enrolled, "as_of": min(month_end(report.month), today)}
        for pk, report in vacancies(facility_ids, today).items()
    }


# ---------------------------------------------------------------- late and missing reports


class ReportState:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"
    NOT_DUE = "not_due"

    LABELS = {
        ON_TIME: _("按时报送"),
        LATE: _("逾期报送"),
        MISSING: _("逾期未报"),
        NOT_DUE: _("未到截止日"),
    }
    CSS = {ON_TIME: "", LATE: "table-warning", MISSING: "table-danger", NOT_DUE: ""}


@dataclass
class ReportStatusRow:
    facility: Facility
    report: EnrolmentReport | None
    due: datetime.date
    state: str

    @property
    def label(self) -> str:
        return str(ReportState.LABELS[self.state])

    @property
    def css(self) -> str:
        return ReportState.CSS[self.state]


@dataclass
class ReportingStatus:
    district: Region
    month: datetime.date
    due: datetime.date
    due_day: int
    due_day_is_default: bool
    rows: list[ReportStatusRow] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for row in self.rows if row.state == state)

    @property
    def on_time(self) -> int:
        return self.count(ReportState.ON_TIME)

    @property
    def flagged(self) -> list[ReportStatusRow]:
        return [row for row in self.rows if row.state in (ReportState.LATE, ReportState.MISSING)]


def reporting_status(
    district: Region, month: datetime.date, *, facilities: QuerySet | None = None, today=None
) -> ReportingStatus:
    """Who has reported `month`, on time or late, and who has not: the facilities operating and filed at the
    month's end (optionally narrowed to `facilities`, e.g. the user's scope)."""
    today = today or timezone.localdate()
    month = month_start(month)
    due_day, is_default = due_day_for(district)
    due = due_date(month, due_day)
    expected = counted_facilities(month_end(month)).filter(district=district)
    if facilities is not None:
        expected = expected.filter(pk__in=facilities.values("pk"))
    expected = expected.select_related("town").order_by("town__sort_order", "town__code", "name")
    reports = {r.facility_id: r for r in EnrolmentReport.objects.filter(month=month, facility__in=expected)}
    status = ReportingStatus(district, month, due, due_day, is_default)
    for facility in expected:
        report = reports.get(facility.pk)
        if report is not None:
            late = timezone.localtime(report.submitted_at).date() > due
            state = ReportState.LATE if late else ReportState.ON_TIME
        else:
            state = ReportState.MISSING if today > due else ReportState.NOT_DUE
        status.rows.append(ReportStatusRow(facility, report, due, state))
    return status


# ---------------------------------------------------------------- period reports


FIGURES = ("facilities", "slots", "inclusive_slots", "enrolled", "reporting_facilities", "reported_slots")


def compile_figures(district: Region, year: int, quarter: int) -> dict[str, dict]:
    """Every town's figures for the quarter, computed now, keyed by town code (UNASSIGNED for facilities
    without a town): the registry as of the quarter's last day (planning's progress, for every plan the
    district has targets for) and each facility's latest enrolment report of the quarter."""
    start, end = quarter_bounds(year, quarter)
    plans = progress_over_years(district, as_of=end)
    use = utilisation(district, start=start, end=end)
    figures: dict[str, dict] = {}
    for row in use.towns:
        figures[row.code] = {
            "facilities": row.facilities,
            "slots": row.slots,
            "inclusive_slots": row.inclusive_slots,
            "enrolled": row.enrolled,
            "reporting_facilities": row.reporting,
            "reported_slots": row.reported_slots,
            "targets": [],
        }
    levels = dict(SlotTarget.Level.choices)
    for progress in plans:
        for row in progress.rows:
            entry = figures.get(row.code)
            if entry is None:
                continue
            if row.target_slots is None:
                continue
            entry["targets"].append(
                {
                    "year": progress.year,
                    "level": progress.level,
                    "label": f"{progress.year} {levels[progress.level]}",
                    "target_slots": row.target_slots,
                    "target_inclusive": row.target_inclusive,
                    "actual_slots": row.actual_slots,
                    "actual_inclusive": row.actual_inclusive,
                }
            )
    return figures


def sum_figures(rows) -> dict:
    """Town figures added up into a district's (targets summed per plan)."""
    total = {name: 0 for name in FIGURES}
    targets: dict[tuple, dict] = {}
    for row in rows:
        for name in FIGURES:
            total[name] += row[name]
        for t in row["targets"]:
            key = (t["year"], t["level"])
            entry = targets.setdefault(
                key,
                {
                    "year": t["year"],
                    "level": t["level"],
                    "label": t["label"],
                    "target_slots": 0,
                    "target_inclusive": 0,
                    "actual_slots": 0,
                    "actual_inclusive": 0,
                },
            )
            for name in ("target_slots", "target_inclusive", "actual_slots", "actual_inclusive"):
                entry[name] += t[name] or 0
    total["targets"] = sorted(targets.values(), key=lambda t: (t["year"], t["level"]))
    return total


def stored_figures(report: PeriodReport) -> dict:
    return {**{name: getattr(report, name) for name in FIGURES}, "targets": report.targets}


def live_figures(report: PeriodReport) -> dict:
    """The report's figures as today's registry and reports give them for the same quarter."""
    towns = compile_figures(report.district, report.year, report.quarter)
    if report.town_id:
        return towns.get(report.town.code) or sum_figures([])
    return sum_figures(towns.values())


@dataclass
class Difference:
    label: str
    reported: object
    live: object
    kind: str = "int"

    @property
    def delta(self):
        if self.reported is None or self.live is None:
            return None
        return self.live - self.reported

    @property
    def differs(self) -> bool:
        return self.reported != self.live


def _completion(t: dict | None):
    return ratio(t["actual_slots"], t["target_slots"]) if t else None


def differences(report: PeriodReport, live: dict | None = None) -> list[Difference]:
    """As reported beside live, figure by figure (and each target's completion)."""
    live = live if live is not None else live_figures(report)
    stored = stored_figures(report)
    rows = [
        Difference(str(_("运营备案机构数")), stored["facilities"], live["facilities"]),
        Difference(str(_("托位数")), stored["slots"], live["slots"]),
        Difference(str(_("普惠托位数")), stored["inclusive_slots"], live["inclusive_slots"]),
        Difference(str(_("在托人数")), stored["enrolled"], live["enrolled"]),
        Difference(str(_("报送月报机构数")), stored["reporting_facilities"], live["reporting_facilities"]),
        Difference(
            str(_("托位使用率")),
            ratio(stored["enrolled"], stored["reported_slots"]),
            ratio(live["enrolled"], live["reported_slots"]),
            "percent",
        ),
    ]
    live_targets = {(t["year"], t["level"]): t for t in live["targets"]}
    for t in stored["targets"]:
        other = live_targets.get((t["year"], t["level"]))
        rows.append(
            Difference(
                str(_("%(plan)s 目标完成率")) % {"plan": t["label"]},
                _completion(t),
                _completion(other),
                "percent",
            )
        )
    return rows


def period_report_rows(reports) -> list[tuple[PeriodReport, list[Difference]]]:
    """Each report with the figures in which it differs from live; the live figures are compiled once per
    district and quarter, not per report."""
    cache: dict[tuple, dict] = {}
    out = []
    for report in reports:
        key = (report.district_id, report.year, report.quarter)
        if key not in cache:
            cache[key] = compile_figures(report.district, report.year, report.quarter)
        towns = cache[key]
        live = (
            (towns.get(report.town.code) or sum_figures([]))
            if report.town_id
            else sum_figures(towns.values())
        )
        out.append((report, [d for d in differences(report, live) if d.differs]))
    return out


# ---------------------------------------------------------------- for planning (frozen figures of past plans)


def frozen_town_figures(district: Region, period_end: datetime.date) -> dict[int, dict] | None:
    """The approved period reports' figures of `district`'s towns for the quarter ending on `period_end`, in
    the shape planning.selectors.register_frozen_reader asks for ({town id: {"slots", "inclusive", "n"}}).

    The period counts as closed when the district's own report for it is approved or, before that, when every
    town's current report is: a plan is never judged on some towns' reported figures and nothing for the
    rest. None otherwise (planning then uses the live figures and says so)."""
    reports = list(
        PeriodReport.objects.filter(
            district=district, period_end=period_end, status=PeriodReport.Status.APPROVED
        ).values_list("town_id", "facilities", "slots", "inclusive_slots")
    )
    towns = {row[0]: row for row in reports if row[0] is not None}
    if not towns:
        return None
    if not any(row[0] is None for row in reports):  # the district's own report is not approved yet
        current = set(Region.objects.filter(parent=district).towns().values_list("pk", flat=True))
        if not current <= towns.keys():
            return None
    return {
        town_id: {"slots": slots, "inclusive": inclusive, "n": n}
        for town_id, n, slots, inclusive in towns.values()
    }


def enrolment_for_subsidy(facility: Facility, on: datetime.date) -> dict | None:
    """The reader subsidies.selectors.register_enrolment_reader asks for: the facility's latest enrolment
    report in or before the month of `on` (the reviewer of a subsidy claim compares the claimed children
    with it)."""
    report = latest_reports([facility.pk], end=on).only("month", "enrolled", "vacant_places").first()
    if report is None:
        return None
    return {"month": report.month, "enrolled": report.enrolled, "vacant": report.vacant_places}


def enrolment_by_month(facility: Facility, first: datetime.date, last: datetime.date) -> dict:
    """The reader subsidies.selectors.register_monthly_enrolment_reader asks for: the facility's reports of
    the months from `first` to `last` (both by their month), as {month: {"enrolled", "attendance"}}. A
    month without a report is simply absent: it is shown as missing, never filled in."""
    reports = EnrolmentReport.objects.filter(
        facility=facility, month__gte=month_start(first), month__lte=month_start(last)
    ).values_list("month", "enrolled", "average_attendance")
    return {month: {"enrolled": n, "attendance": attendance} for month, n, attendance in reports}
