"""Every write of the reports. Keyword-only, atomic, permission through core.access, refusals as
core.errors (nothing written on a refusal)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import access, touch
from core.access import Action
from core.errors import NotAllowed, ServiceError, validated
from core.formatting import listing
from core.months import month_start
from facilities.models import ClassTypeRule, Facility
from reporting import selectors
from reporting.models import (
    EnrolmentLine,
    EnrolmentReport,
    PeriodReport,
    ReportingSetting,
    quarter_bounds,
)
from targets.models import Region

# ---------------------------------------------------------------- the district's setting


@transaction.atomic
def reporting_setting_set(*, user, district: Region, due_day: int, version: int | None = None):
    """The day of the month by which a district's facilities report the month before."""
    if not access.can(user, Action.MANAGE, district) or district.level != Region.Level.DISTRICT:
        raise NotAllowed(_("只有本区管理员可以设置报送截止日。"))
    setting = ReportingSetting.objects.filter(district=district).first()
    if setting is None:
        setting = ReportingSetting(district=district, due_day=due_day)
    else:
        if version is not None:
            setting.version = version
        setting.due_day = due_day
    validated(setting)
    setting.save()
    return setting


# ---------------------------------------------------------------- monthly enrolment reports


@dataclass(frozen=True)
class LineInput:
    class_type: ClassTypeRule
    enrolled: int
    average_attendance: Decimal
    vacant_places: int


@transaction.atomic
def enrolment_report_save(
    *,
    user,
    facility: Facility,
    month: datetime.date,
    lines: list[LineInput],
    note: str = "",
    version: int | None = None,
) -> EnrolmentReport:
    """File (or correct) a facility's report for `month`, one line per class type, and make the facility's
    "在托人数" its latest report's total. A correction keeps the first submission time (lateness is judged
    by it) and is checked against the version it was read at."""
    if not access.can(user, Action.EDIT, facility):
        raise NotAllowed(_("您不能为该机构报送在托月报。"))
    month = month_start(month)
    today = timezone.localdate()
    if month > month_start(today):
        raise ServiceError(_("不能报送未来月份。"), {"month": [_("不能报送未来月份。")]})
    if facility.operating_status != Facility.OperatingStatus.OPERATING or facility.archived_at:
        raise ServiceError(_("只有运营中的机构报送在托月报。"))
    if not lines:
        raise ServiceError(_("请至少填写一个班型。"), {"lines": [_("请至少填写一个班型。")]})
    types = [line.class_type.pk for line in lines]
    if len(set(types)) != len(types):
        raise ServiceError(_("每种班型只填一行。"), {"lines": [_("每种班型只填一行。")]})
    for line in lines:
        if line.average_attendance > line.enrolled:
            message = _("%(type)s：平均出勤人数不能超过在托人数。") % {"type": line.class_type.name}
            raise ServiceError(message, {"lines": [message]})
        if min(line.enrolled, line.vacant_places, line.average_attendance) < 0:
            raise ServiceError(_("人数不能为负数。"), {"lines": [_("人数不能为负数。")]})

    report = (
        EnrolmentReport.objects.select_for_update(of=("self",)).filter(facility=facility, month=month).first()
    )
    if report is None:
        report = EnrolmentReport(
            facility=facility, month=month, submitted_at=timezone.now(), submitted_by=user
        )
    elif version is not None:
        report.version = version
    report.enrolled = sum(line.enrolled for line in lines)
    report.average_attendance = sum((Decimal(line.average_attendance) for line in lines), Decimal(0))
    report.vacant_places = sum(line.vacant_places for line in lines)
    report.note = note
    validated(report)
    report.save()
    existing = {line.class_type_id: line for line in report.lines.all()}
    for given in lines:
        line = existing.pop(given.class_type.pk, None) or EnrolmentLine(
            report=report, class_type=given.class_type
        )
        line.enrolled = given.enrolled
        line.average_attendance = given.average_attendance
        line.vacant_places = given.vacant_places
        validated(line)
        line.save()
    for gone in existing.values():
        gone.delete()
    sync_enrolled_children(facility)
    return report


def sync_enrolled_children(facility: Facility) -> None:
    """The facility's "在托人数" is its latest report's total (recorded in its history like any change).
    Written as a derived figure (core.touch): its updated_at moves, its version does not — it is not an
    edit of the record an operator or a pending change is working on."""
    latest = facility.enrolment_reports.order_by("-month").values_list("enrolled", flat=True).first()
    if latest is not None and latest != facility.enrolled_children:
        with touch.derived_write():
            Facility.objects.filter(pk=facility.pk).update(enrolled_children=latest)
        facility.enrolled_children = latest


# ---------------------------------------------------------------- quarterly period reports


def _district_for(user, district: Region, action=Action.MANAGE) -> None:
    if district.level != Region.Level.DISTRICT or not access.can(user, action, district):
        raise NotAllowed(_("只有本区管理员可以汇总季度报表。"))


def _check_quarter_closed(year: int, quarter: int) -> None:
    if not 1 <= quarter <= 4:
        raise ServiceError(_("季度应为1至4。"), {"quarter": [_("季度应为1至4。")]})
    _start, end = quarter_bounds(year, quarter)
    if end >= timezone.localdate():
        message = _("%(year)s年第%(quarter)s季度尚未结束，季末后才能汇总。") % {
            "year": year,
            "quarter": quarter,
        }
        raise ServiceError(message, {"quarter": [message]})


def _fill(report: PeriodReport, figures: dict) -> None:
    for name in selectors.FIGURES:
        setattr(report, name, figures[name])
    report.targets = figures["targets"]
    report.compiled_at = timezone.now()


@transaction.atomic
def period_reports_compile(*, user, district: Region, year: int, quarter: int) -> list[PeriodReport]:
    """At the end of a quarter: each town's report, compiled from the registry as of the quarter's last day
    and the quarter's enrolment reports. Drafts and returned reports are compiled afresh; submitted and
    approved ones are left as they are."""
    _district_for(user, district)
    _check_quarter_closed(year, quarter)
    figures = selectors.compile_figures(district, year, quarter)
    _start, end = quarter_bounds(year, quarter)
    made = []
    for town in Region.objects.filter(parent=district).towns().order_by("sort_order", "code"):
        report = (
            PeriodReport.objects.select_for_update(of=("self",))
            .filter(district=district, town=town, year=year, quarter=quarter)
            .exclude(status=PeriodReport.Status.SUPERSEDED)
            .first()
        )
        if report is None:
            report = PeriodReport(district=district, town=town, year=year, quarter=quarter, period_end=end)
        elif report.status not in (PeriodReport.Status.DRAFT, PeriodReport.Status.RETURNED):
            continue
        _fill(report, figures.get(town.code) or selectors.sum_figures([]))
        validated(report)
        report.save()
        made.append(report)
    return made


def _town_reports_approved(district: Region, year: int, quarter: int) -> list[PeriodReport]:
    towns = list(Region.objects.filter(parent=district).towns().order_by("sort_order", "code"))
    current = {
        r.town_id: r
        for r in PeriodReport.objects.filter(
            district=district, town__isnull=False, year=year, quarter=quarter
        ).exclude(status=PeriodReport.Status.SUPERSEDED)
    }
    waiting = [t.name for t in towns if getattr(current.get(t.pk), "status", None) != "approved"]
    if waiting:
        raise ServiceError(_("以下镇街的季度报表尚未审定：%(towns)s。") % {"towns": listing(waiting)})
    return [current[t.pk] for t in towns]


def _district_figures(district, year, quarter) -> dict:
    towns = _town_reports_approved(district, year, quarter)
    return selectors.sum_figures(selectors.stored_figures(r) for r in towns)


@transaction.atomic
def district_period_report_compile(*, user, district: Region, year: int, quarter: int) -> PeriodReport:
    """The district's report for a quarter: the sum of its towns' approved reports (as they reported them)."""
    _district_for(user, district)
    _check_quarter_closed(year, quarter)
    figures = _district_figures(district, year, quarter)
    report = (
        PeriodReport.objects.select_for_update(of=("self",))
        .filter(district=district, town__isnull=True, year=year, quarter=quarter)
        .exclude(status=PeriodReport.Status.SUPERSEDED)
        .first()
    )
    if report is None:
        _start, end = quarter_bounds(year, quarter)
        report = PeriodReport(district=district, town=None, year=year, quarter=quarter, period_end=end)
    elif report.status not in (PeriodReport.Status.DRAFT, PeriodReport.Status.RETURNED):
        raise ServiceError(_("该季度的全区报表已提交或已审定。"))
    _fill(report, figures)
    validated(report)
    report.save()
    return report


def _locked(report: PeriodReport, version: int | None) -> PeriodReport:
    locked = PeriodReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if version is not None:
        locked.version = version  # the save compares it (core.models.Versioned) and refuses a stale one
    return locked


def _compiled_figures(report: PeriodReport) -> dict:
    if report.town_id is None:
        return _district_figures(report.district, report.year, report.quarter)
    figures = selectors.compile_figures(report.district, report.year, report.quarter)
    return figures.get(report.town.code) or selectors.sum_figures([])


@transaction.atomic
def period_report_refresh(*, user, report: PeriodReport, version: int | None = None) -> PeriodReport:
    """Compile a draft or returned report afresh (after the registry or the month reports were corrected)."""
    if not access.can(user, Action.EDIT, report):
        raise NotAllowed(_("您不能汇总该报表。"))
    report = _locked(report, version)
    if report.status not in (PeriodReport.Status.DRAFT, PeriodReport.Status.RETURNED):
        raise ServiceError(_("只有待提交或已退回的报表可以重新汇总。"))
    _fill(report, _compiled_figures(report))
    validated(report)
    report.save()
    return report


@transaction.atomic
def period_report_submit(*, user, report: PeriodReport, version: int | None = None) -> PeriodReport:
    """The town official (for the district report, the district official) submits the figures as shown."""
    if not access.can(user, Action.EDIT, report):
        raise NotAllowed(_("您不能提交该报表。"))
    report = _locked(report, version)
    if report.status not in (PeriodReport.Status.DRAFT, PeriodReport.Status.RETURNED):
        raise ServiceError(_("只有待提交或已退回的报表可以提交。"))
    report.status = PeriodReport.Status.SUBMITTED
    report.submitted_at, report.submitted_by = timezone.now(), user
    report.save()
    return report


@transaction.atomic
def period_report_approve(*, user, report: PeriodReport, version: int | None = None) -> PeriodReport:
    """The district official approves: from now on the figures are frozen (the database refuses changes)."""
    if not access.can(user, Action.REVIEW, report):
        raise NotAllowed(_("只有区级管理员可以审定报表。"))
    report = _locked(report, version)
    if report.status != PeriodReport.Status.SUBMITTED:
        raise ServiceError(_("只有已提交的报表可以审定。"))
    report.status = PeriodReport.Status.APPROVED
    report.decided_at, report.decided_by = timezone.now(), user
    report.return_reason = ""
    report.save()
    return report


@transaction.atomic
def period_report_return(
    *, user, report: PeriodReport, reason: str, version: int | None = None
) -> PeriodReport:
    if not access.can(user, Action.REVIEW, report):
        raise NotAllowed(_("只有区级管理员可以退回报表。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("退回须注明原因。"), {"reason": [_("退回须注明原因。")]})
    report = _locked(report, version)
    if report.status != PeriodReport.Status.SUBMITTED:
        raise ServiceError(_("只有已提交的报表可以退回。"))
    report.status = PeriodReport.Status.RETURNED
    report.decided_at, report.decided_by = timezone.now(), user
    report.return_reason = reason
    report.save()
    return report


@transaction.atomic
def period_report_correct(*, user, report: PeriodReport, reason: str) -> PeriodReport:
    """A correction of an approved report: a new revision, compiled afresh, with the reason; the approved
    one is kept unchanged (marked superseded) and the new one goes through submission and approval again."""
    if not access.can(user, Action.EDIT, report):
        raise NotAllowed(_("您不能更正该报表。"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("更正须注明原因。"), {"reason": [_("更正须注明原因。")]})
    old = PeriodReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if old.status != PeriodReport.Status.APPROVED:
        raise ServiceError(_("只有已审定的报表可以更正。"))
    figures = _compiled_figures(old)
    old.status = PeriodReport.Status.SUPERSEDED
    old.save()
    new = PeriodReport(
        district=old.district,
        town=old.town,
        year=old.year,
        quarter=old.quarter,
        period_end=old.period_end,
        revision=old.revision + 1,
        supersedes=old,
        correction_reason=reason,
    )
    _fill(new, figures)
    validated(new)
    new.save()
    return new
