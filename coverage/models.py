"""Communities (社区/村) as the unit of population, a district's service radius, boundary files for the map,
reported goals, and what-if scenarios.

Coordinates are WGS-84 (core.geo converts GCJ-02/BD-09 on entry). A community without a point is "未定位"
and left out of coverage; an unknown population stays empty, never zero. Scenarios are stored apart from the
registry: a hypothetical site or a converted facility never changes a real row.
"""

from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedManager
from core.models import VersionedModel, tracked
from targets.models import Region, SourceDocument

DEFAULT_RADIUS_M = 1000
DEFAULT_DETOUR_FACTOR = Decimal("1.00")


def _point_constraints(prefix: str):
    return [
        models.CheckConstraint(
            condition=(Q(longitude__isnull=True) & Q(latitude__isnull=True))
            | (Q(longitude__isnull=False) & Q(latitude__isnull=False)),
            name=f"{prefix}_point_both_or_neither",
            violation_error_message=_("经度和纬度须同时填写或同时留空。"),
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
            violation_error_message=_("经度应在 -180 到 180 之间。"),
        ),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
            violation_error_message=_("纬度应在 -90 到 90 之间。"),
        ),
    ]


@pghistory.track(*tracked())
class Community(VersionedModel):
    """A 社区/村 (NBS 2023 12-digit code) under its town, with its residents and a representative point."""

    code = models.CharField(
        _("代码"), max_length=12, unique=True, help_text=_("国家统计局统计用区划代码（12位）")
    )
    name = models.CharField(_("名称"), max_length=64)
    town = models.ForeignKey(
        Region,
        verbose_name=_("所属镇街"),
        on_delete=models.PROTECT,
        related_name="communities",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    population = models.PositiveIntegerField(
        _("常住人口（人）"), null=True, blank=True, help_text=_("未知时留空")
    )
    infants_under_3 = models.PositiveIntegerField(
        _("3岁以下婴幼儿（人）"), null=True, blank=True, help_text=_("未知时留空")
    )
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True, help_text=_("WGS-84")
    )
    latitude = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True, help_text=_("WGS-84")
    )
    source_note = models.CharField(
        _("数据来源"), max_length=255, blank=True, help_text=_("人口和坐标的出处，如“2024年街道统计”")
    )

    scope = Scope(district="town__parent", town="town", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["code"]
        constraints = _point_constraints("community")

    def __str__(self):
        return self.name

    @property
    def located(self) -> bool:
        return self.longitude is not None and self.latitude is not None


@pghistory.track(*tracked())
class CoverageSetting(VersionedModel):
    """A district's service radius (straight line; default 1,000 m, the usual planning proxy for a 15-minute
    walk), an optional detour factor (walking distance ÷ straight distance; the radius used is radius ÷
    factor) and the bounding box points must fall in."""

    district = models.OneToOneField(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="coverage_setting",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    radius_m = models.PositiveIntegerField(
        _("服务半径（米）"),
        default=DEFAULT_RADIUS_M,
        validators=[MinValueValidator(1)],
        help_text=_("直线距离；1000米是15分钟步行的常用规划近似"),
    )
    detour_factor = models.DecimalField(
        _("绕行系数"),
        max_digits=4,
        decimal_places=2,
        default=DEFAULT_DETOUR_FACTOR,
        validators=[MinValueValidator(Decimal("1"))],
        help_text=_("步行路程与直线距离之比（≥1）；计算用半径 = 服务半径 ÷ 绕行系数"),
    )
    bbox_min_lon = models.DecimalField(
        _("范围最小经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    bbox_min_lat = models.DecimalField(
        _("范围最小纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    bbox_max_lon = models.DecimalField(
        _("范围最大经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    bbox_max_lat = models.DecimalField(
        _("范围最大纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    scope = Scope(district="district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("服务圈设置")
        verbose_name_plural = _("服务圈设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(radius_m__gte=1),
                name="coverage_radius_positive",
                violation_error_message=_("服务半径应大于0米。"),
            ),
            models.CheckConstraint(
                condition=Q(detour_factor__gte=1),
                name="coverage_detour_at_least_one",
                violation_error_message=_("绕行系数不能小于1。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(bbox_min_lon__isnull=True)
                    & Q(bbox_min_lat__isnull=True)
                    & Q(bbox_max_lon__isnull=True)
                    & Q(bbox_max_lat__isnull=True)
                )
                | (
                    Q(bbox_min_lon__lt=models.F("bbox_max_lon"))
                    & Q(bbox_min_lat__lt=models.F("bbox_max_lat"))
                ),
                name="coverage_bbox_all_or_none_ordered",
                violation_error_message=_("范围须四项都填（最小值小于最大值）或都留空。"),
            ),
        ]

    def __str__(self):
        return f"{self.district} {self.radius_m}m"

    @property
    def effective_radius_m(self) -> Decimal:
        return Decimal(self.radius_m) / self.detour_factor


class Boundary(models.Model):
    """A district or town boundary file (GeoJSON FeatureCollection of polygons in WGS-84, validated by
    coverage.geojson), drawn under the map. One active file per district; an upload replaces it."""

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="boundaries",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    name = models.CharField(_("名称"), max_length=128)
    geojson = models.JSONField(_("边界数据"))
    feature_count = models.PositiveIntegerField(_("要素数"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    active = models.BooleanField(_("当前使用"), default=True)

    scope = Scope(district="district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("边界文件")
        verbose_name_plural = _("边界文件")
        ordering = ["district", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["district"],
                condition=Q(active=True),
                name="coverage_one_active_boundary",
                violation_error_message=_("每个区县只能有一个当前使用的边界文件。"),
            )
        ]

    def __str__(self):
        return self.name


@pghistory.track(*tracked())
class CoverageGoal(VersionedModel):
    """A goal about the service circle exactly as a document states it, e.g. Yubei's
    “实现‘15 分钟托育服务圈’”. Textual: the numeric goals of the same documents
    are targets.ReportedFigure rows."""

    key = models.SlugField(_("标识"), max_length=80, unique=True, help_text=_("种子数据中本行的稳定标识"))
    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="coverage_goals",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    text = models.CharField(_("目标"), max_length=255)
    period_text = models.CharField(_("原文期间"), max_length=64, blank=True)
    quote = models.TextField(_("原文"), blank=True, help_text=_("文件中给出该目标的原句"))
    source = models.ForeignKey(SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT)

    scope = Scope(district="district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("服务圈目标")
        verbose_name_plural = _("服务圈目标")
        ordering = ["district", "key"]

    def __str__(self):
        return self.text


class Scenario(models.Model):
    """A named what-if: hypothetical sites and conversions, computed beside the real figures, never written
    into the registry."""

    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="coverage_scenarios",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    name = models.CharField(_("名称"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope = Scope(district="district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("选址方案")
        verbose_name_plural = _("选址方案")
        ordering = ["district", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"],
                name="coverage_scenario_unique_name",
                violation_error_message=_("该区县已有同名方案。"),
            )
        ]

    def __str__(self):
        return self.name


class ScenarioSite(models.Model):
    """One change of a scenario: a new hypothetical facility at a point, or an existing facility counted as
    inclusive with the given inclusive slots."""

    class Kind(models.TextChoices):
        NEW = "new", _("新增机构")
        CONVERT = "convert", _("转为普惠")

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="sites"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("机构"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=128, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    inclusive_slots = models.PositiveIntegerField(_("普惠托位数"))

    scope = Scope(district="scenario__district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("方案站点")
        verbose_name_plural = _("方案站点")
        ordering = ["scenario", "pk"]
        constraints = [
            *_point_constraints("scenario_site"),
            models.CheckConstraint(
                condition=(Q(kind="new") & Q(facility__isnull=True) & Q(longitude__isnull=False))
                | (Q(kind="convert") & Q(facility__isnull=False)),
                name="scenario_site_kind_fields",
                violation_error_message=_("新增机构须有坐标且不关联机构；转为普惠须选择机构。"),
            ),
        ]

    def __str__(self):
        return self.name or str(self.facility or "")
