"""Places, population, source documents, reported figures and slot targets.

Every seeded row points to the SourceDocument it was read from, so a figure on a page can always name its
document. Rules that matter are database constraints (non-negative, inclusive ≤ total, one row per key);
`clean()` mirrors the ones a constraint cannot express (e.g. a target must belong to a town).
"""

from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedManager, ScopedQuerySet
from core.models import VersionedModel, tracked


@pghistory.track(*tracked())
class SourceDocument(VersionedModel):
    class Status(models.TextChoices):
        FINAL = "final", _("正式文件")
        DRAFT_FOR_COMMENT = "draft_for_comment", _("征求意见稿")

    key = models.SlugField(
        _("标识"), max_length=64, unique=True, help_text=_("种子数据中引用本文件的稳定标识")
    )
    issuer = models.CharField(_("发文机关"), max_length=128, blank=True, help_text=_("文件未写明时留空"))
    title = models.CharField(_("标题"), max_length=255)
    doc_number = models.CharField(_("文号"), max_length=64, blank=True)
    issued_on = models.DateField(_("成文日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=32, choices=Status.choices)
    region = models.ForeignKey(
        "Region",
        verbose_name=_("所涉地区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    seed_file = models.CharField(
        _("种子文件"), max_length=255, blank=True, help_text=_("shared/seeds/ 中的文件名")
    )
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("来源文件")
        verbose_name_plural = _("来源文件")
        ordering = ["-issued_on", "title"]

    def __str__(self):
        return f"{self.title}（{self.doc_number}）" if self.doc_number else self.title


class RegionQuerySet(ScopedQuerySet):
    def districts(self):
        return self.filter(level=Region.Level.DISTRICT)

    def towns(self):
        return self.filter(level=Region.Level.TOWN)


@pghistory.track(*tracked())
class Region(VersionedModel):
    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")
        TOWN = "town", _("镇街")

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("直辖市")
        CITY = "city", _("地级市")
        DISTRICT = "district", _("市辖区")
        COUNTY = "county", _("县")
        TOWN = "town", _("镇")
        TOWNSHIP = "township", _("乡")
        STREET = "street", _("街道")
        SPECIAL_AREA = "special_area", _("功能区")

    # Which kinds belong to which level; a town-level row may not be a 直辖市 and so on.
    KINDS_BY_LEVEL = {
        Level.CITY: {Kind.MUNICIPALITY, Kind.CITY},
        Level.DISTRICT: {Kind.DISTRICT, Kind.COUNTY},
        Level.TOWN: {Kind.TOWN, Kind.TOWNSHIP, Kind.STREET, Kind.SPECIAL_AREA},
    }
    PARENT_LEVEL = {Level.DISTRICT: Level.CITY, Level.TOWN: Level.DISTRICT}

    code = models.CharField(
        _("代码"),
        max_length=20,
        unique=True,
        help_text=_("国家统计局统计用区划代码（区县6位，镇街9位）；无官方代码时用本系统分配的稳定代码"),
    )
    official_code = models.BooleanField(_("官方代码"), default=False, help_text=_("代码是否为官方区划代码"))
    name = models.CharField(
        _("名称"), max_length=64, help_text=_("来源文件使用的名称，如任务分解表中的“黄村镇”")
    )
    official_name = models.CharField(
        _("统计用区划名称"),
        max_length=64,
        blank=True,
        help_text=_("国家统计局区划代码表中的名称，如“黄村地区”；与文件名称相同时也照填"),
    )
    former_code = models.CharField(
        _("原代码"),
        max_length=20,
        blank=True,
        help_text=_("改用官方代码之前本系统使用的代码（如 110115-07），便于查找旧的导出和链接"),
    )
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0, help_text=_("如任务分解表中的序号"))
    source = models.ForeignKey(
        SourceDocument,
        verbose_name=_("来源文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regions",
    )

    scope = Scope(district=("pk", "parent"), town="pk", district_wide=True)
    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("地区")
        verbose_name_plural = _("地区")
        ordering = ["level", "parent_id", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="region_unique_name_in_parent",
                violation_error_message=_("同一上级地区下已有同名地区。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(level="city", parent__isnull=True) | (~Q(level="city") & Q(parent__isnull=False))
                ),
                name="region_parent_by_level",
                violation_error_message=_("市级地区不能有上级；区县和镇街必须有上级。"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.level and self.kind and self.kind not in self.KINDS_BY_LEVEL[self.level]:
            message = _("“%(kind)s”不属于“%(level)s”层级。")
            raise ValidationError(
                {"kind": message % {"kind": self.get_kind_display(), "level": self.get_level_display()}}
            )
        expected = self.PARENT_LEVEL.get(self.level)
        if expected and self.parent and self.parent.level != expected:
            message = _("%(level)s的上级必须是%(parent)s级地区。")
            raise ValidationError(
                {
                    "parent": message
                    % {"level": self.get_level_display(), "parent": self.Level(expected).label}
                }
            )


POPULATION_COUNT_FIELDS = ("resident_population", "births", "infants_under_3", "women_childbearing_age")


@pghistory.track(*tracked())
class PopulationStat(VersionedModel):
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="population"
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    resident_population = models.IntegerField(_("常住人口（人）"), null=True, blank=True)
    births = models.IntegerField(_("出生人口（人）"), null=True, blank=True)
    infants_under_3 = models.IntegerField(_("3岁以下婴幼儿（人）"), null=True, blank=True)
    women_childbearing_age = models.IntegerField(_("育龄妇女（人）"), null=True, blank=True)
    avg_monthly_household_disposable_income = models.DecimalField(
        _("家庭月均可支配收入（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    scope_note = models.CharField(_("统计口径"), max_length=255, blank=True, help_text=_("如：不含两江新区"))
    source = models.ForeignKey(SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT)

    COUNT_FIELDS = POPULATION_COUNT_FIELDS

    scope = Scope(district=("region", "region__parent"), town="region")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("人口统计")
        verbose_name_plural = _("人口统计")
        ordering = ["region__code", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"],
                name="population_one_row_per_region_year",
                violation_error_message=_("该地区该年份已有人口统计。"),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__gte": 0}),
                    name=f"population_{field}_non_negative",
                    violation_error_message=_("人口数不能为负数。"),
                )
                for field in POPULATION_COUNT_FIELDS
            ],
            models.CheckConstraint(
                condition=Q(avg_monthly_household_disposable_income__gte=Decimal("0")),
                name="population_income_non_negative",
                violation_error_message=_("收入不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.year}年"


@pghistory.track(*tracked())
class ReportedFigure(VersionedModel):
    """A figure exactly as a document states it: value, unit, and a comparator for “以上/不少于/约”."""

    class Measure(models.TextChoices):
        # population
        BIRTHS_GROWTH_RATE = "births_growth_rate", _("出生人口同比增幅")
        INFANTS_SHARE = "infants_share", _("3岁以下婴幼儿占总人口比重")
        # supply
        FILED_FACILITIES = "filed_facilities", _("备案托育机构数")
        SLOTS = "slots", _("托位数")
        SLOTS_GROWTH_RATE = "slots_growth_rate", _("托位数同比增幅")
        SLOTS_PER_1000 = "slots_per_1000", _("每千人口托位数")
        INCLUSIVE_SHARE = "inclusive_share", _("普惠托位占比")
        KINDERGARTEN_NURSERY_CLASSES = "kindergarten_nursery_classes", _("开办托班并备案的幼儿园数")
        KINDERGARTEN_NURSERY_SHARE = "kindergarten_nursery_share", _("幼儿园托班占备案机构比例")
        SERVICE_CENTRES = "service_centres", _("区级托育综合服务中心数")
        MEDICAL_CHILDCARE_PARKS = "medical_childcare_parks", _("医育结合托育园数")
        TOWN_INCLUSIVE_PARKS = "town_inclusive_parks", _("镇街（社区）普惠托育园数")
        TOWN_INCLUSIVE_COVERAGE = "town_inclusive_coverage", _("普惠托育服务镇街覆盖率")
        # staff and training
        TRAINEES_PER_YEAR = "trainees_per_year", _("每年培训托育从业人员数")
        EXPERT_POOL_SIZE = "expert_pool_size", _("托育服务专家库人数")
        CAREGIVER_CERTIFICATE_RATE = "caregiver_certificate_rate", _("保育人员持证上岗率")
        TRAINING_COVERAGE = "training_coverage", _("机构负责人、保育人员培训覆盖率")
        # money
        CENTRAL_FUNDS = "central_funds", _("中央财政资金")
        INCENTIVE_GRANTS_PAID = "incentive_grants_paid", _("激励性奖补资金拨付")
        OPERATING_SUBSIDY_PAID = "operating_subsidy_paid", _("运营补助兑现金额")
        OPERATING_SUBSIDY_RECIPIENTS = "operating_subsidy_recipients", _("运营补助兑现机构数")
        RENT_SUBSIDY_RATE = "rent_subsidy_rate", _("租金补助标准")
        FEE_CAP_INCOME_SHARE = "fee_cap_income_share", _("公办托育服务费上限（占上年家庭月均可支配收入）")
        PROJECT_INVESTMENT = "project_investment", _("项目投资")
        PROJECT_FLOOR_AREA = "project_floor_area", _("项目建筑面积")
        # supervision and services
        JOINT_MEETINGS = "joint_meetings", _("联席会议次数")
        JOINT_INSPECTIONS = "joint_inspections", _("联合排查次数")
        PROBLEMS_RECTIFIED = "problems_rectified", _("抽查整改问题数")
        HEALTH_RECORD_COVERAGE = "health_record_coverage", _("婴幼儿电子健康档案建设管理率")
        PARENTING_KNOWLEDGE_RATE = "parenting_knowledge_rate", _("家长科学育儿知识普及率")

    class Nature(models.TextChoices):
        ACTUAL = "actual", _("现状/完成")
        GOAL = "goal", _("目标/计划")
        STANDARD = "standard", _("政策标准")

    class Unit(models.TextChoices):
        FACILITIES = "facilities", _("家")
        SLOTS = "slots", _("个")
        ITEMS = "items", _("个（项）")
        PERSONS = "persons", _("人")
        PERCENT = "percent", "%"
        YUAN = "yuan", _("元")
        YUAN_PER_M2_MONTH = "yuan_per_m2_month", _("元/平方米/月")
        TIMES = "times", _("次")
        SLOTS_PER_1000 = "slots_per_1000", _("个/千人")
        SQUARE_METRES = "square_metres", _("平方米")

    class Comparator(models.TextChoices):
        EQ = "eq", "="
        GT = "gt", ">"
        GTE = "gte", "≥"
        LT = "lt", "<"
        LTE = "lte", "≤"
        APPROX = "approx", "≈"

    key = models.SlugField(_("标识"), max_length=80, unique=True, help_text=_("种子数据中本行的稳定标识"))
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="reported_figures"
    )
    measure = models.CharField(_("指标"), max_length=48, choices=Measure.choices)
    subject = models.CharField(
        _("对象"), max_length=128, blank=True, help_text=_("指标所指的具体项目或群体，可空")
    )
    nature = models.CharField(_("性质"), max_length=16, choices=Nature.choices, default=Nature.ACTUAL)
    comparator = models.CharField(
        _("比较符"), max_length=8, choices=Comparator.choices, default=Comparator.EQ
    )
    value = models.DecimalField(_("数值"), max_digits=18, decimal_places=4)
    unit = models.CharField(_("单位"), max_length=24, choices=Unit.choices)
    period_start = models.DateField(_("期间起"), null=True, blank=True)
    period_end = models.DateField(_("期间止/截至"), null=True, blank=True)
    period_text = models.CharField(
        _("原文期间"), max_length=64, blank=True, help_text=_("文件原文的时间表述")
    )
    quote = models.TextField(_("原文"), blank=True, help_text=_("文件中给出该数字的原句"))
    source = models.ForeignKey(SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT)

    scope = Scope(district=("region", "region__parent"), town="region")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("文件报告数")
        verbose_name_plural = _("文件报告数")
        ordering = ["region__code", "measure", "period_end"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="reported_figure_period_ordered",
                violation_error_message=_("期间起不能晚于期间止。"),
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.get_measure_display()} {self.display_value}"

    @property
    def display_value(self) -> str:
        """The figure as the document states it, e.g. “> 80%” or “4.53 个/千人”."""
        value = self.value.normalize()
        text = f"{value:,f}"
        comparator = "" if self.comparator == self.Comparator.EQ else f"{self.get_comparator_display()} "
        unit = self.get_unit_display()
        separator = "" if self.unit == self.Unit.PERCENT else " "
        return f"{comparator}{text}{separator}{unit}"


@pghistory.track(*tracked())
class SlotTarget(VersionedModel):
    class Level(models.TextChoices):
        BASELINE = "baseline", _("底线目标")
        HIGH_QUALITY = "high_quality", _("高质量发展目标")
        PLAN = "plan", _("规划目标")

    town = models.ForeignKey(
        Region,
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        related_name="slot_targets",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    level = models.CharField(_("目标层级"), max_length=16, choices=Level.choices)
    total_slots = models.IntegerField(_("托位总数"))
    inclusive_slots = models.IntegerField(_("其中：普惠托位数"))
    source = models.ForeignKey(SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT)

    scope = Scope(district="town__parent", town="town")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("托位建设目标")
        verbose_name_plural = _("托位建设目标")
        ordering = ["town__parent__code", "year", "level", "town__sort_order", "town__code"]
        # Rollups read one year and level of every town (docs/performance.md).
        indexes = [models.Index(fields=["year", "level", "town"], name="slot_target_year_level_town")]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "year", "level"],
                name="slot_target_one_per_town_year_level",
                violation_error_message=_("该镇街在该年份、该目标层级下已有目标。"),
            ),
            models.CheckConstraint(
                condition=Q(total_slots__gte=0),
                name="slot_target_total_non_negative",
                violation_error_message=_("托位总数不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(inclusive_slots__gte=0),
                name="slot_target_inclusive_non_negative",
                violation_error_message=_("普惠托位数不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(inclusive_slots__lte=F("total_slots")),
                name="slot_target_inclusive_within_total",
                violation_error_message=_("普惠托位数不能大于托位总数。"),
            ),
        ]

    def __str__(self):
        return f"{self.town} {self.year}年{self.get_level_display()}"

    def clean(self):
        if self.town_id and self.town.level != Region.Level.TOWN:
            raise ValidationError({"town": _("托位目标只能分解到镇街。")})

    @property
    def inclusive_ratio(self) -> Decimal | None:
        """Inclusive share of this row's target, as a fraction (0–1); None for a zero total."""
        if not self.total_slots:
            return None
        return Decimal(self.inclusive_slots) / Decimal(self.total_slots)
