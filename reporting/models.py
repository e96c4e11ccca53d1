"""Reports: what facilities and towns report, as opposed to what the registry says today.

- `EnrolmentReport` (with one `EnrolmentLine` per class type): a facility's children enrolled, average
  attendance and places vacant in one month. Due by a day of the following month that each district sets
  (`ReportingSetting`, data, not a constant). The facility's "在托人数" is its latest report's total
  (reporting.services keeps it so).
- `PeriodReport`: a town's (or a district's) quarterly figures (统计报表) compiled from the registry and the
  quarter's enrolment reports, submitted by the town official and approved by the district official. Once
  approved its figures are stored, never recomputed: a database trigger refuses any change to them. A
  correction is a new revision with a reason; the approved one stays, marked superseded.
"""

from __future__ import annotations

import datetime

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Action, Role, Scope, ScopedManager
from core.formatting import ratio
from core.models import VersionedModel, tracked
from core.months import month_end, next_month
from facilities.models import ClassTypeRule, Facility
from targets.models import Region

DEFAULT_DUE_DAY = 10  # until a district sets its own day (shown as the default on every page that uses it)


@pghistory.track(*tracked())
class ReportingSetting(VersionedModel):
    """A district's rules for the monthly enrolment reports."""

    district = models.OneToOneField(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="reporting_setting",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    due_day = models.PositiveSmallIntegerField(
        _("报送截止日"),
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每月几日前报送上月在托情况（1–28日）"),
    )

    scope = Scope(district="district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("在托月报设置")
        verbose_name_plural = _("在托月报设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=28),
                name="reporting_due_day_in_month",
                violation_error_message=_("报送截止日应为每月1至28日。"),
            )
        ]

    def __str__(self):
        return f"{self.district} {self.due_day}"


def due_date(month: datetime.date, due_day: int) -> datetime.date:
    """The last day to report `month`: day `due_day` of the month after."""
    return next_month(month).replace(day=due_day)


@pghistory.track(*tracked())
class EnrolmentReport(VersionedModel):
    """One facility's enrolment in one month (the lines hold the figures per class type)."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="enrolment_reports"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    submitted_at = models.DateTimeField(_("首次报送时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Totals of the lines, kept by the service in the same transaction (the lists filter and sort on them).
    enrolled = models.PositiveIntegerField(_("在托人数"), default=0)
    average_attendance = models.DecimalField(_("平均出勤人数"), max_digits=8, decimal_places=1, default=0)
    vacant_places = models.PositiveIntegerField(_("空余托位"), default=0)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("在托月报")
        verbose_name_plural = _("在托月报")
        ordering = ["-month", "facility__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "month"],
                name="enrolment_report_one_per_month",
                violation_error_message=_("该机构该月已报送，请修改原月报。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="enrolment_report_month_first_day",
                violation_error_message=_("月份须为该月第一天。"),
            ),
            models.CheckConstraint(
                condition=Q(average_attendance__gte=0) & Q(average_attendance__lte=F("enrolled")),
                name="enrolment_report_attendance_within_enrolled",
                violation_error_message=_("平均出勤人数不能超过在托人数。"),
            ),
        ]

    def __str__(self):
        return f"{self.facility} {self.month:%Y-%m}"


@pghistory.track(*tracked())
class EnrolmentLine(VersionedModel):
    report = models.ForeignKey(
        EnrolmentReport, verbose_name=_("月报"), on_delete=models.CASCADE, related_name="lines"
    )
    class_type = models.ForeignKey(ClassTypeRule, verbose_name=_("班型"), on_delete=models.PROTECT)
    enrolled = models.PositiveIntegerField(_("在托人数"))
    average_attendance = models.DecimalField(_("平均出勤人数"), max_digits=8, decimal_places=1)
    vacant_places = models.PositiveIntegerField(_("空余托位"))

    scope = Scope(via="report__facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("在托月报明细")
        verbose_name_plural = _("在托月报明细")
        ordering = ["class_type__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "class_type"],
                name="enrolment_line_one_per_class_type",
                violation_error_message=_("每种班型只填一行。"),
            ),
            models.CheckConstraint(
                condition=Q(average_attendance__gte=0) & Q(average_attendance__lte=F("enrolled")),
                name="enrolment_line_attendance_within_enrolled",
                violation_error_message=_("平均出勤人数不能超过在托人数。"),
            ),
        ]

    def __str__(self):
        return f"{self.class_type} {self.enrolled}"


# Figures of a period report: frozen by the trigger below once the report is approved.
FROZEN_FIGURES = (
    "facilities",
    "slots",
    "inclusive_slots",
    "enrolled",
    "reporting_facilities",
    "reported_slots",
    "targets",
    "compiled_at",
    "period_end",
    "district_id",
    "town_id",
)


@pghistory.track(
    *tracked(),
    # the change feed reads events by time (facilities/api/changes.py)
    meta={
        "indexes": [models.Index(fields=["pgh_created_at", "pgh_id"], name="periodreportevent_history_time")]
    },
)
class PeriodReport(VersionedModel):
    """A town's or a district's figures for one quarter (统计报表)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待提交")
        SUBMITTED = "submitted", _("已提交待审")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已审定")
        SUPERSEDED = "superseded", _("已更正（旧版）")

    district = models.ForeignKey(
        Region, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="district_period_reports"
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="period_reports",
        help_text=_("空：全区汇总报表"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(
        _("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    period_end = models.DateField(_("统计截止日"))
    revision = models.PositiveSmallIntegerField(_("版次"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的报表"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    correction_reason = models.TextField(_("更正原因"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # The figures, as compiled (and, once approved, as reported).
    compiled_at = models.DateTimeField(_("汇总时间"))
    facilities = models.PositiveIntegerField(_("运营备案机构数"))
    slots = models.PositiveIntegerField(_("托位数"))
    inclusive_slots = models.PositiveIntegerField(_("普惠托位数"))
    enrolled = models.PositiveIntegerField(_("在托人数"))
    reporting_facilities = models.PositiveIntegerField(_("报送月报机构数"))
    reported_slots = models.PositiveIntegerField(_("报送机构托位数"))
    targets = models.JSONField(_("目标完成情况"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("退回原因"), blank=True)

    # Town officials compile (refresh) and submit their own town's report; district officials everything.
    scope = Scope(
        district="district",
        town="town",
        grants={
            Action.EDIT: frozenset({Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL}),
            Action.VIEW: frozenset({Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL, Role.API_CLIENT}),
        },
    )
    objects = ScopedManager()

    class Meta:
        verbose_name = _("季度统计报表")
        verbose_name_plural = _("季度统计报表")
        ordering = ["-year", "-quarter", "district__code", "town__sort_order", "town__code", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "town", "year", "quarter"],
                condition=~Q(status="superseded"),
                nulls_distinct=False,
                name="period_report_one_current",
                violation_error_message=_("该地区该季度已有报表；更正请在已审定的报表上发起。"),
            ),
            models.UniqueConstraint(
                fields=["district", "town", "year", "quarter", "revision"],
                nulls_distinct=False,
                name="period_report_unique_revision",
                violation_error_message=_("该版次已存在。"),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="period_report_quarter",
                violation_error_message=_("季度应为1至4。"),
            ),
            models.CheckConstraint(
                condition=Q(inclusive_slots__lte=F("slots")) & Q(reported_slots__lte=F("slots")),
                name="period_report_figures_consistent",
                violation_error_message=_("普惠托位数和报送机构托位数不能大于托位数。"),
            ),
            models.CheckConstraint(
                condition=Q(revision=1, supersedes__isnull=True)
                | (Q(revision__gt=1, supersedes__isnull=False) & ~Q(correction_reason="")),
                name="period_report_correction_has_reason",
                violation_error_message=_("更正版须注明更正原因。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="period_report_return_has_reason",
                violation_error_message=_("退回须注明原因。"),
            ),
        ]
        triggers = [
            # Once approved, the figures are what was reported: no UPDATE may change them (raw SQL
            # included), and an approved report may only move on to "superseded" by a correction.
            pgtrigger.Trigger(
                name="period_report_frozen_once_approved",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                func=(
                    "IF OLD.status IN ('approved', 'superseded') AND ("
                    + " OR ".join(f"NEW.{name} IS DISTINCT FROM OLD.{name}" for name in FROZEN_FIGURES)
                    + " OR NEW.status NOT IN ('approved', 'superseded')"
                    + " OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')) THEN "
                    "RAISE EXCEPTION 'period report %: an approved report''s figures are frozen', OLD.id "
                    "USING ERRCODE = 'check_violation'; END IF; RETURN NEW;"
                ),
            ),
            pgtrigger.Protect(
                name="period_report_approved_never_deleted",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status__in=["approved", "superseded"]),
            ),
        ]

    def __str__(self):
        where = self.town.name if self.town_id else self.district.name
        revision = f"（第{self.revision}版）" if self.revision > 1 else ""
        return f"{where} {self.year}年第{self.quarter}季度{revision}"

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.SUPERSEDED)

    @property
    def utilisation(self):
        return ratio(self.enrolled, self.reported_slots)


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    return start, month_end(datetime.date(year, 3 * quarter, 1))
