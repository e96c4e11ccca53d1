"""Planning data that officials set: inclusive-share goals per district and year, the enrolment-wish rate
used for demand what-ifs, and background import jobs."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedManager
from core.models import TimeStampedModel, VersionedModel, tracked
from targets.models import Region, SourceDocument


@pghistory.track(*tracked())
class InclusiveShareGoal(VersionedModel):
    """The share of slots that should be inclusive in a district by the end of a year (Daxing: 30% in 2024,
    60% in 2025), with the document that sets it."""

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="inclusive_goals",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    share_percent = models.DecimalField(_("普惠托位占比目标（%）"), max_digits=5, decimal_places=2)
    source = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT, null=True, blank=True
    )

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("普惠占比目标")
        verbose_name_plural = _("普惠占比目标")
        ordering = ["district__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"],
                name="inclusive_goal_one_per_district_year",
                violation_error_message=_("该区县该年份已有普惠占比目标。"),
            ),
            models.CheckConstraint(
                condition=Q(share_percent__gte=0) & Q(share_percent__lte=100),
                name="inclusive_goal_percent_range",
                violation_error_message=_("目标占比须在0到100之间。"),
            ),
        ]

    def __str__(self):
        return f"{self.district} {self.year}：{self.share_percent.normalize():f}%"


@pghistory.track(*tracked())
class DemandAssumption(VersionedModel):
    """An official's what-if input: the share of families with infants under 3 who want a childcare place."""

    district = models.OneToOneField(
        Region,
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        related_name="demand_assumption",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    enrolment_wish_percent = models.DecimalField(_("入托意愿率（%）"), max_digits=5, decimal_places=2)
    note = models.CharField(_("依据"), max_length=255, blank=True, help_text=_("如：本区2024年托育需求调查"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("设置人"), on_delete=models.SET_NULL, null=True, blank=True
    )

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("托育需求测算参数")
        verbose_name_plural = _("托育需求测算参数")
        constraints = [
            models.CheckConstraint(
                condition=Q(enrolment_wish_percent__gte=0) & Q(enrolment_wish_percent__lte=100),
                name="demand_percent_range",
                violation_error_message=_("入托意愿率须在0到100之间。"),
            )
        ]

    def __str__(self):
        return f"{self.district} {self.enrolment_wish_percent.normalize():f}%"


@pghistory.track(*tracked())
class DemandScenario(VersionedModel):
    """A named what-if (e.g. “意愿 33 %”, “意愿 40 %”): an enrolment-wish rate tried beside the district's
    adopted setting (DemandAssumption), which a scenario never changes. Scenarios sit side by side on the
    per-town demand page, its export and the API."""

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        related_name="demand_scenarios",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    name = models.CharField(_("情景名称"), max_length=64, help_text=_("如：意愿 40 %"))
    enrolment_wish_percent = models.DecimalField(_("入托意愿率（%）"), max_digits=5, decimal_places=2)
    note = models.CharField(_("依据"), max_length=255, blank=True)

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("需求测算情景")
        verbose_name_plural = _("需求测算情景")
        ordering = ["district__code", "enrolment_wish_percent", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"],
                name="demand_scenario_unique_name",
                violation_error_message=_("本区已有同名测算情景。"),
            ),
            models.CheckConstraint(
                condition=Q(enrolment_wish_percent__gte=0) & Q(enrolment_wish_percent__lte=100),
                name="demand_scenario_percent_range",
                violation_error_message=_("入托意愿率须在0到100之间。"),
            ),
        ]

    def __str__(self):
        return f"{self.district} {self.name}"


class ImportJob(TimeStampedModel):
    """A spreadsheet import that runs in the background worker; the page polls its progress."""

    class Kind(models.TextChoices):
        SLOT_TARGETS = "slot_targets", _("托位目标")
        FACILITY_ROSTER = "facility_roster", _("机构名册")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        PREVIEWED = "previewed", _("预览完成")
        DONE = "done", _("已导入")
        FAILED = "failed", _("有错误，未导入")

    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    district = models.ForeignKey(Region, verbose_name=_("区县"), on_delete=models.PROTECT, related_name="+")
    dry_run = models.BooleanField(_("仅预览"), default=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    content = models.BinaryField(_("文件内容"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    done_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    problems = models.JSONField(_("问题清单"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The upload is deleted IMPORT_UPLOAD_RETENTION_DAYS after the job ended (planning.tasks); the report
    # stays.
    content_deleted_at = models.DateTimeField(_("文件删除时间"), null=True, blank=True)

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name} {self.get_status_display()}"


# Every table the published statistics read (stats/slots, stats/indicators): a committed write to any of
# them gives the statistics a new data version (core.data_version), which the statistics cache keys on
# (planning/stats_cache.py).
STATISTICS = "statistics"
STATISTICS_SOURCE_TABLES = (
    "facilities_facility",
    "facilities_classunit",
    "facilities_statuschange",
    "facilities_rulesetting",
    "facilities_calendarday",
    "targets_region",
    "targets_slottarget",
    "targets_populationstat",
    "targets_reportedfigure",
    "targets_sourcedocument",
    "planning_inclusivesharegoal",
    "planning_demandassumption",
    "subsidies_project",
    "subsidies_milestone",
)


# ---------------------------------------------------------------- the statistics summary
# A maintained summary of the registry's figures "as of today", read by planning.selectors (and nothing
# else) instead of scanning every facility; planning/summary.py explains how it is kept exact. Plain ids,
# no foreign keys: it is derived data, rebuilt from the registry, never edited.


class SlotSummary(models.Model):
    """Per district, town (null: facilities without a town) and synthetic flag, one row per measure: the
    counted facilities (actual), the pipeline, and the filing gaps, as of SummaryState.valid_on; and the
    same per district (whole_district: its rows summed, for rollups)."""

    class Measure(models.TextChoices):
        ACTUAL = "actual"
        PIPELINE = "pipeline"
        FILING_GAPS = "filing_gaps"

    measure = models.CharField(max_length=16, choices=Measure.choices)
    district_id = models.BigIntegerField()
    town_id = models.BigIntegerField(null=True)
    is_synthetic = models.BooleanField()
    whole_district = models.BooleanField(default=False)  # the district's towns summed (town_id null)
    slots = models.IntegerField(null=True)
    inclusive = models.IntegerField(null=True)
    facilities = models.IntegerField(default=0)
    inclusive_facilities = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("托位统计汇总")
        verbose_name_plural = _("托位统计汇总")
        indexes = [
            models.Index(fields=["district_id", "whole_district"], name="slot_summary_district"),
            models.Index(fields=["whole_district", "district_id"], name="slot_summary_rollup"),
        ]

    def __str__(self):
        return f"{self.measure} {self.district_id}/{self.town_id}: {self.slots}"


class TargetSummary(models.Model):
    """Slot targets summed per district, year and level."""

    district_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=16)
    total_slots = models.IntegerField(null=True)
    inclusive_slots = models.IntegerField(null=True)

    class Meta:
        verbose_name = _("目标托位汇总")
        verbose_name_plural = _("目标托位汇总")
        indexes = [models.Index(fields=["year", "level", "district_id"], name="target_summary_plan")]

    def __str__(self):
        return f"{self.district_id} {self.year} {self.level}: {self.total_slots}"


class SummaryState(models.Model):
    """One row: the date the summary is computed for (null: never, or everything must be recomputed)."""

    valid_on = models.DateField(null=True)

    class Meta:
        verbose_name = _("统计汇总状态")
        verbose_name_plural = _("统计汇总状态")

    def __str__(self):
        return str(self.valid_on)


class SummaryDirty(models.Model):
    """A district whose summary rows must be recomputed before they are read (null: every district).
    Written by database triggers in the same transaction as the change; deleted by the refresh."""

    district_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("待刷新的统计汇总")
        verbose_name_plural = _("待刷新的统计汇总")

    def __str__(self):
        return str(self.district_id)
