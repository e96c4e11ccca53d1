"""The childcare facility registry.

Capacity is recorded as class units; a facility's total_slots is computed by the database from its units
(a trigger), never typed in, so a CHECK constraint can hold inclusive_slots ≤ total_slots. National rules
(class caps, caregiver ratios, health-care staffing, lease length, filing clocks) are rows in NationalRule
tables, so an official can correct them without a release. Every change to a facility, its units, staff,
certificates and checklist is recorded by django-pghistory triggers (who, when, before/after).
"""

import datetime
import math

import pghistory
import pgtrigger
from django import forms
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Role, Scope, ScopedManager, ScopedQuerySet
from core.formatting import listing
from core.identifiers import validate_credit_code, validate_id_number
from core.models import TimeStampedModel, Versioned, VersionedModel, tracked
from core.privacy import Privacy
from targets.models import Region, SourceDocument

# The registry as its lists read it (core.data_version): every table a query of the facility list reads, for
# any caller and filter (a test holds the list to it). A committed write to any of them gives the registry a
# new version, and list pages cached under the old one are never served again.
REGISTRY = "registry"
REGISTRY_TABLES = (
    "facilities_facility",
    "facilities_classunit",
    "facilities_classtyperule",
    "facilities_staffmember",
    "facilities_certificate",
    "facilities_rulesetting",
    "facilities_calendarday",
    "facilities_pendingchange",
    "facilities_authorization",
    "facilities_roleassignment",
    "facilities_statuschange",
    "targets_region",
)

# ---------------------------------------------------------------- national rules as data


@pghistory.track(*tracked())
class ClassTypeRule(Versioned):
    """A class type with its age range, size cap and caregiver ratio (托育机构设置标准（试行）)."""

    code = models.SlugField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("班型"), max_length=16, unique=True)
    name_en = models.CharField(
        _("英文名称"), max_length=48, blank=True, help_text=_("英文界面显示；空时显示中文名称")
    )
    min_age_months = models.PositiveSmallIntegerField(_("最小月龄"))
    max_age_months = models.PositiveSmallIntegerField(_("最大月龄"))
    max_children = models.PositiveSmallIntegerField(_("每班人数上限"))
    children_per_caregiver = models.PositiveSmallIntegerField(
        _("每名保育人员照护婴幼儿数上限"),
        null=True,
        blank=True,
        help_text=_("空：国家标准未规定，按所含年龄段中最严格的比例计算"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    source = models.ForeignKey(SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("班型标准")
        verbose_name_plural = _("班型标准")
        ordering = ["sort_order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age_months__lte=F("max_age_months")),
                name="class_type_age_range_ordered",
                violation_error_message=_("最小月龄不能大于最大月龄。"),
            ),
            models.CheckConstraint(
                condition=Q(max_children__gt=0),
                name="class_type_cap_positive",
                violation_error_message=_("每班人数上限必须大于0。"),
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the user's language: the English name in English when one is recorded."""
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    def effective_ratio(self, all_types=None) -> tuple[int | None, bool]:
        """(children per caregiver, derived?) — a type without its own ratio takes the strictest ratio of
        the types whose age ranges it overlaps (the 混合班 rule)."""
        if self.children_per_caregiver:
            return self.children_per_caregiver, False
        others = all_types if all_types is not None else ClassTypeRule.objects.all()
        overlapping = [
            t.children_per_caregiver
            for t in others
            if t.children_per_caregiver
            and t.min_age_months < self.max_age_months
            and t.max_age_months > self.min_age_months
        ]
        return (min(overlapping) if overlapping else None), True


@pghistory.track(*tracked())
class RuleSetting(Versioned):
    """A numeric rule: health-care staffing threshold, lease years, filing clocks (national), or a district
    setting such as how early an ending lease is flagged.

    A row without a district is the national value (national rules: superusers only, in the admin) or, for a
    district-level key, the starting value every district has until it sets its own. A row with a district
    is that district's own value of a district-level key, set by its officials on the rules page
    (/registry/rules/); national keys never have district rows. `facilities.rules.load_rules(district)` is
    the one reader: the district's own value, else the national one."""

    class Key(models.TextChoices):
        HEALTH_WORKER_FULL_TIME_FROM = "health_worker_full_time_from", _("需配专职卫生保健人员的在托人数")
        MIN_LEASE_YEARS = "min_lease_years", _("租赁场地最短租期（年）")
        ACKNOWLEDGE_WORKING_DAYS = "acknowledge_working_days", _("备案回执期限（工作日）")
        NOTICE_WORKING_DAYS = "notice_working_days", _("不符合要求告知期限（工作日）")
        LEASE_WARNING_DAYS = "lease_warning_days", _("租期到期提前提醒天数")

    # Keys a district sets for itself; every other key is national.
    DISTRICT_KEYS = (Key.LEASE_WARNING_DAYS,)

    key = models.CharField(_("规则"), max_length=48, choices=Key.choices)
    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("空：全国统一值（或各区未自行设定时的初始值）"),
    )
    value = models.DecimalField(_("数值"), max_digits=10, decimal_places=2)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    source = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        ordering = ["key", "district__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="rule_setting_non_negative",
                violation_error_message=_("规则数值不能为负数。"),
            ),
            models.UniqueConstraint(
                fields=["key", "district"],
                nulls_distinct=False,
                name="rule_setting_one_per_district",
                violation_error_message=_("该区县已设定这项规则。"),
            ),
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(key__in=["lease_warning_days"]),
                name="rule_setting_district_keys_only",
                violation_error_message=_("全国统一的规则不能按区县设定。"),
            ),
        ]

    def __str__(self):
        where = f"{self.district.name} · " if self.district_id else ""
        return f"{where}{self.get_key_display()}：{self.value.normalize():f}"

    @property
    def is_district_level(self) -> bool:
        return self.key in self.DISTRICT_KEYS


@pghistory.track(*tracked())
class CalendarDay(Versioned):
    """Exceptions to the Monday–Friday working week (public holidays, make-up working days)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


# ---------------------------------------------------------------- facilities


class ChoiceArrayField(ArrayField):
    """A list of choices shown as check boxes (forms and the admin), not as comma-separated text."""

    def formfield(self, **kwargs):
        return forms.TypedMultipleChoiceField(
            choices=self.base_field.choices,
            coerce=self.base_field.to_python,
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
            **{k: v for k, v in kwargs.items() if k in ("initial", "disabled")},
        )


class FacilityQuerySet(ScopedQuerySet):
    def official(self):
        """Rows that count in official statistics: never synthetic, never an archived draft."""
        return self.filter(is_synthetic=False, archived_at__isnull=True)

    def publicly_listed(self):
        """Filed and operating, not synthetic: open to the public (the API's anonymous reads)."""
        return self.official().filter(
            filing_status=Facility.FilingStatus.FILED, operating_status=Facility.OperatingStatus.OPERATING
        )

    def in_directory(self):
        """What the public directory shows: filed facilities that operate or are suspended (shown as 暂停服务
        with the date, so parents are told rather than finding the page gone); never synthetic ones."""
        return self.official().filter(
            filing_status=Facility.FilingStatus.FILED,
            operating_status__in=[Facility.OperatingStatus.OPERATING, Facility.OperatingStatus.SUSPENDED],
        )

    def filed_on_day(self, as_of):
        """Facilities whose filing was in force on `as_of`: filed by then, and not yet cancelled (a closed
        facility's filing is cancelled from its closing date, 注销备案)."""
        return self.filter(
            Q(filing_status=Facility.FilingStatus.FILED)
            | Q(filing_status=Facility.FilingStatus.CANCELLED, filing_cancelled_on__gt=as_of),
            filed_on__lte=as_of,
        )


@pghistory.track(
    *tracked(),
    # the change feed reads events by time (facilities/api/changes.py)
    meta={"indexes": [models.Index(fields=["pgh_created_at", "pgh_id"], name="facilityevent_history_time")]},
)
class Facility(TimeStampedModel):
    class Kind(models.TextChoices):
        PRIVATE = "private", _("社会力量办托")
        PUBLIC = "public", _("公办")
        PUBLIC_PRIVATE = "public_private", _("公建民营")
        EMPLOYER = "employer", _("用人单位办托")
        KINDERGARTEN_CLASS = "kindergarten_class", _("幼儿园托班")
        COMMUNITY_POINT = "community_point", _("社区托育点")
        MEDICAL_CHILDCARE = "medical_childcare", _("医育结合托育园")
        TOWN_INCLUSIVE_PARK = "town_inclusive_park", _("镇街（社区）普惠托育园")
        SERVICE_CENTRE = "service_centre", _("区托育综合服务（指导）中心")

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("公办")
        PRIVATE_NON_PROFIT = "private_non_profit", _("民办非营利")
        PRIVATE_FOR_PROFIT = "private_for_profit", _("民办营利")

    # The one mapping of legal form to the first character of the 统一社会信用代码 (登记管理部门代码,
    # GB 32100-2015): a 公办 institution is an organ or 事业单位 registered by 机构编制 (1); a 民办非营利
    # one a 民办非企业单位 (社会服务机构) registered by 民政 (5); a 民办营利 one a company registered by
    # 市场监督管理 (9). A 用人单位 or 公建民营 facility is checked by the ownership of the registered unit.
    CREDIT_CODE_AUTHORITY = {
        Ownership.PUBLIC: "1",
        Ownership.PRIVATE_NON_PROFIT: "5",
        Ownership.PRIVATE_FOR_PROFIT: "9",
    }

    class SponsorKind(models.TextChoices):
        PERSON = "person", _("自然人")
        ORGANISATION = "organisation", _("法人或其他组织")

    class ServiceType(models.TextChoices):
        FULL_DAY = "full_day", _("全日托")
        HALF_DAY = "half_day", _("半日托")
        HOURLY = "hourly", _("计时托")
        OCCASIONAL = "occasional", _("临时托")

    class Premises(models.TextChoices):
        OWNED = "owned", _("自有")
        LEASED = "leased", _("租赁")
        PROVIDED = "provided", _("无偿提供")

    class OperatingStatus(models.TextChoices):
        PLANNED = "planned", _("筹建")
        UNDER_CONSTRUCTION = "under_construction", _("在建")
        OPERATING = "operating", _("运营")
        SUSPENDED = "suspended", _("暂停")
        CLOSED = "closed", _("关停")

    class FilingStatus(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交待审")
        RETURNED = "returned", _("已退回")
        FILED = "filed", _("已备案")
        CANCELLED = "cancelled", _("已注销备案")

    name = models.CharField(_("机构名称"), max_length=128)
    kind = models.CharField(_("机构类型"), max_length=32, choices=Kind.choices)
    ownership = models.CharField(_("举办性质"), max_length=32, choices=Ownership.choices, blank=True)
    is_inclusive = models.BooleanField(_("普惠机构"), default=False)
    district = models.ForeignKey(
        Region,
        verbose_name=_("所在区县"),
        on_delete=models.PROTECT,
        related_name="district_facilities",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("所在镇街"),
        on_delete=models.PROTECT,
        related_name="facilities",
        limit_choices_to={"level": Region.Level.TOWN},
        null=True,
        blank=True,
        help_text=_("来源文件未写明时留空"),
    )
    address = models.CharField(_("地址"), max_length=255, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    indoor_area_m2 = models.DecimalField(
        _("室内面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    outdoor_area_m2 = models.DecimalField(
        _("室外面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    premises = models.CharField(_("场地性质"), max_length=16, choices=Premises.choices, blank=True)
    lease_start = models.DateField(_("租期起"), null=True, blank=True)
    lease_end = models.DateField(_("租期止"), null=True, blank=True)
    opening_date = models.DateField(_("开办日期"), null=True, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话（内部）"), max_length=32, blank=True)
    public_phone = models.CharField(_("对外咨询电话"), max_length=32, blank=True)
    serves_meals = models.BooleanField(_("提供膳食"), default=False)
    monthly_fee = models.DecimalField(
        _("托育费（元/人/月，不含膳食）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    meal_fee = models.DecimalField(
        _("膳食费（元/人/月）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18位，见营业执照或法人登记证书"),
    )
    legal_representative = models.CharField(_("法定代表人（负责人）"), max_length=64, blank=True)
    sponsor_kind = models.CharField(_("举办者类型"), max_length=16, choices=SponsorKind.choices, blank=True)
    sponsor_name = models.CharField(
        _("举办者"), max_length=128, blank=True, help_text=_("自然人填姓名，法人或其他组织填单位名称")
    )
    min_age_months = models.PositiveSmallIntegerField(
        _("招收最小月龄"), null=True, blank=True, validators=[MaxValueValidator(36)]
    )
    max_age_months = models.PositiveSmallIntegerField(
        _("招收最大月龄"), null=True, blank=True, validators=[MaxValueValidator(36)]
    )
    service_types = ChoiceArrayField(
        models.CharField(max_length=16, choices=ServiceType.choices),
        verbose_name=_("服务类型"),
        blank=True,
        default=list,
    )
    opens_at = models.TimeField(_("每日开园时间"), null=True, blank=True)
    closes_at = models.TimeField(_("每日离园时间"), null=True, blank=True)
    # Computed by the database from the class units (trigger below); never written by the application.
    total_slots = models.IntegerField(_("托位总数"), default=0, editable=False)
    inclusive_slots = models.IntegerField(_("普惠托位数"), default=0)
    enrolled_children = models.IntegerField(_("在托人数"), null=True, blank=True)
    operating_status = models.CharField(
        _("运营状态"), max_length=24, choices=OperatingStatus.choices, default=OperatingStatus.PLANNED
    )
    status_since = models.DateField(_("状态起始日"), null=True, blank=True)
    filing_status = models.CharField(
        _("备案状态"), max_length=16, choices=FilingStatus.choices, default=FilingStatus.DRAFT
    )
    filing_number = models.CharField(_("备案编号"), max_length=32, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    filing_cancelled_on = models.DateField(
        _("注销备案日期"), null=True, blank=True, help_text=_("机构关停时备案随之注销")
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("回执时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
    source = models.ForeignKey(
        SourceDocument,
        verbose_name=_("来源文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("由文件载入的机构注明来源；机构自行填报的为空"),
    )
    seed_key = models.SlugField(_("种子标识"), max_length=64, null=True, blank=True, unique=True)
    is_synthetic = models.BooleanField(
        _("合成数据"), default=False, help_text=_("演示/压测用，不计入官方统计")
    )
    # Registry records are never deleted (a trigger refuses it): a draft nobody will file is archived. It
    # then leaves every scoped list, page and statistic; superusers still read it and its history.
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("归档人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # The facility's version is kept by facilities.services (an operator's edit of a filed record becomes a
    # pending change against it), not by core.models.Versioned's save.
    version_in_service = True
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    objects = FacilityQuerySet.as_manager()

    scope = Scope(facility="pk", district="district", town="town", live=Q(archived_at__isnull=True))

    class Meta:
        verbose_name = _("托育机构")
        verbose_name_plural = _("托育机构")
        ordering = ["district__code", "town__sort_order", "name"]
        indexes = [
            models.Index(
                fields=["district", "operating_status", "filing_status"], name="facility_district_status"
            ),
            models.Index(fields=["town", "operating_status", "filing_status"], name="facility_town_status"),
            models.Index(fields=["filing_status", "submitted_at"], name="facility_filing_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "name"],
                condition=Q(is_synthetic=False),
                name="facility_unique_name_in_town",
                violation_error_message=_("该区县已有同名机构。"),
            ),
            models.UniqueConstraint(
                fields=["filing_number"],
                condition=~Q(filing_number=""),
                name="facility_unique_filing_number",
                violation_error_message=_("备案编号已被使用。"),
            ),
            models.CheckConstraint(
                condition=Q(inclusive_slots__gte=0) & Q(total_slots__gte=0),
                name="facility_slots_non_negative",
                violation_error_message=_("托位数不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(inclusive_slots__lte=F("total_slots")),
                name="facility_inclusive_within_total",
                violation_error_message=_("普惠托位数不能大于托位总数。"),
            ),
            models.CheckConstraint(
                condition=Q(enrolled_children__gte=0),
                name="facility_enrolled_non_negative",
                violation_error_message=_("在托人数不能为负数。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(monthly_fee__gte=0)
                    & Q(meal_fee__gte=0)
                    & Q(indoor_area_m2__gte=0)
                    & Q(outdoor_area_m2__gte=0)
                ),
                name="facility_amounts_non_negative",
                violation_error_message=_("费用和面积不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(lease_start__isnull=True)
                | Q(lease_end__isnull=True)
                | Q(lease_start__lt=F("lease_end")),
                name="facility_lease_ordered",
                violation_error_message=_("租期止必须晚于租期起。"),
            ),
            models.CheckConstraint(
                condition=~Q(filing_status="filed") | (~Q(filing_number="") & Q(filed_on__isnull=False)),
                name="facility_filed_has_number",
                violation_error_message=_("已备案机构必须有备案编号和备案日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(filing_status="cancelled")
                | (
                    Q(operating_status="closed") & Q(filing_cancelled_on__isnull=False) & ~Q(filing_number="")
                ),
                name="facility_cancelled_filing_is_closed",
                violation_error_message=_("注销备案的机构须已关停，并记录注销日期和原备案编号。"),
            ),
            models.CheckConstraint(
                condition=Q(archived_at__isnull=True) | Q(filing_status__in=["draft", "returned"]),
                name="facility_only_unfiled_archived",
                violation_error_message=_("只有未备案的草稿可以归档。"),
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="facility_unique_credit_code",
                violation_error_message=_("该统一社会信用代码已被其他机构使用。"),
            ),
            models.CheckConstraint(
                condition=Q(credit_code="")
                | Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"),
                name="facility_credit_code_format",
                violation_error_message=_("统一社会信用代码应为18位数字或大写字母。"),
            ),
            models.CheckConstraint(
                condition=Q(sponsor_kind="") | ~Q(sponsor_name=""),
                name="facility_sponsor_named",
                violation_error_message=_("选择了举办者类型时须填写举办者名称或姓名。"),
            ),
            models.CheckConstraint(
                condition=(Q(min_age_months__isnull=True) | Q(min_age_months__gte=0, min_age_months__lte=36))
                & (Q(max_age_months__isnull=True) | Q(max_age_months__gte=0, max_age_months__lte=36))
                & (
                    Q(min_age_months__isnull=True)
                    | Q(max_age_months__isnull=True)
                    | Q(min_age_months__lte=F("max_age_months"))
                ),
                name="facility_ages_served",
                violation_error_message=_("招收月龄应在0至36个月之间，且最小月龄不大于最大月龄。"),
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=F("closes_at")),
                name="facility_hours_ordered",
                violation_error_message=_("离园时间必须晚于开园时间。"),
            ),
        ]
        triggers = [
            # Only synthetic rows (demo and benchmark data, facilities.synthetic) are ever deleted.
            pgtrigger.Protect(
                name="facility_never_deleted",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__is_synthetic=False),
            ),
            pgtrigger.Trigger(
                name="facility_total_slots_from_units",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func=(
                    "IF NEW.town_id IS NOT NULL AND "
                    "(SELECT parent_id FROM targets_region WHERE id = NEW.town_id) "
                    "IS DISTINCT FROM NEW.district_id THEN "
                    "RAISE EXCEPTION 'facility town % is not in district %', NEW.town_id, NEW.district_id "
                    "USING ERRCODE = 'check_violation'; END IF; "
                    "NEW.total_slots := COALESCE((SELECT SUM(u.classes * u.children_per_class) "
                    "FROM facilities_classunit u WHERE u.facility_id = NEW.id), 0); RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.town_id and self.district_id and self.town.parent_id != self.district_id:
            raise ValidationError({"town": _("所选镇街不属于所选区县。")})

    def get_service_types_display(self) -> str:
        return listing(str(self.ServiceType(t).label) for t in self.service_types)

    @property
    def counts_toward_slots(self) -> bool:
        """Filed, operating and real: the rows official slot statistics add up."""
        return (
            not self.is_synthetic
            and self.filing_status == self.FilingStatus.FILED
            and self.operating_status == self.OperatingStatus.OPERATING
        )


@pghistory.track(*tracked())
class ClassUnit(Versioned):
    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="units"
    )
    class_type = models.ForeignKey(ClassTypeRule, verbose_name=_("班型"), on_delete=models.PROTECT)
    classes = models.PositiveSmallIntegerField(_("班数"))
    children_per_class = models.PositiveSmallIntegerField(_("每班人数"))

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("班级设置")
        verbose_name_plural = _("班级设置")
        ordering = ["class_type__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "class_type"],
                name="class_unit_one_row_per_type",
                violation_error_message=_("同一机构每种班型只填一行（班数 × 每班人数）。"),
            ),
            models.CheckConstraint(
                condition=Q(classes__gt=0) & Q(children_per_class__gt=0),
                name="class_unit_positive",
                violation_error_message=_("班数和每班人数必须大于0。"),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="class_unit_refresh_facility_slots",
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                when=pgtrigger.After,
                # Touching the facility row fires its BEFORE trigger, which recomputes total_slots and
                # lets the facility's CHECK (inclusive ≤ total) judge the new total.
                func=(
                    "UPDATE facilities_facility SET total_slots = total_slots "
                    "WHERE id = COALESCE(NEW.facility_id, OLD.facility_id); "
                    "IF TG_OP = 'UPDATE' AND NEW.facility_id <> OLD.facility_id THEN "
                    "UPDATE facilities_facility SET total_slots = total_slots WHERE id = OLD.facility_id; "
                    "END IF; "
                    "RETURN NULL;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.class_type} {self.classes}×{self.children_per_class}"

    @property
    def slots(self) -> int:
        return self.classes * self.children_per_class

    def caregivers_required(self, all_types=None) -> int | None:
        ratio, _derived = self.class_type.effective_ratio(all_types)
        if not ratio:
            return None
        return self.classes * math.ceil(self.children_per_class / ratio)


# ---------------------------------------------------------------- staff


@pghistory.track(*tracked())
class StaffMember(VersionedModel):
    class Role(models.TextChoices):
        HEAD = "head", _("机构负责人")
        CAREGIVER = "caregiver", _("保育人员")
        HEALTH_CARE = "health_care", _("卫生保健人员")
        COOK = "cook", _("炊事人员")
        SECURITY = "security", _("安保人员")
        OTHER = "other", _("其他")

    class Employment(models.TextChoices):
        FULL_TIME = "full_time", _("专职")
        PART_TIME = "part_time", _("兼职")

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="staff"
    )
    name = models.CharField(_("姓名"), max_length=64)
    id_number = models.CharField(
        _("身份证号"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],  # GB 11643 check digit and birth date (core.identifiers)
    )
    role = models.CharField(_("岗位"), max_length=16, choices=Role.choices)
    employment = models.CharField(
        _("用工形式"), max_length=16, choices=Employment.choices, default=Employment.FULL_TIME
    )
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    left_on = models.DateField(_("离职日期"), null=True, blank=True)

    scope = Scope(via="facility")
    privacy = Privacy(id_numbers=("id_number",))  # masked everywhere but the staff form (core.privacy)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("从业人员")
        verbose_name_plural = _("从业人员")
        ordering = ["facility", "role", "name"]
        indexes = [models.Index(fields=["id_number"], name="staff_id_number")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hired_on__isnull=True) | Q(left_on__isnull=True) | Q(hired_on__lte=F("left_on")),
                name="staff_dates_ordered",
                violation_error_message=_("离职日期不能早于入职日期。"),
            ),
            models.UniqueConstraint(
                fields=["facility", "id_number"],
                condition=~Q(id_number="") & Q(left_on__isnull=True),
                name="staff_unique_active_id_in_facility",
                violation_error_message=_("该身份证号已在本机构在岗名单中。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    def clean(self):
        self.id_number = self.id_number.strip().upper()


@pghistory.track(*tracked())
class Certificate(Versioned):
    class Kind(models.TextChoices):
        CHILDCARE_WORKER = "childcare_worker", _("育婴员")
        NURSERY_TEACHER = "nursery_teacher", _("保育师")
        HEALTH_CARE_TRAINING = "health_care_training", _("卫生保健岗位培训合格证")
        TEACHER = "teacher", _("教师资格证")
        HEALTH = "health", _("健康证")
        OTHER = "other", _("其他")

    # Certificates that qualify a caregiver for the 持证上岗 rate (育婴员, 保育师), while current.
    CAREGIVER_QUALIFYING = (Kind.CHILDCARE_WORKER, Kind.NURSERY_TEACHER)
    # A 健康证 is valid for a year: with no stated expiry it runs to the day before its anniversary.
    HEALTH_VALID_YEARS = 1

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="certificates"
    )
    kind = models.CharField(_("证书类型"), max_length=32, choices=Kind.choices)
    number = models.CharField(_("证书编号"), max_length=64, blank=True)
    issuer = models.CharField(_("发证机构"), max_length=128, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(
        _("有效期至"),
        null=True,
        blank=True,
        help_text=_("长期有效的证书留空；健康证不填时按发证日期起一年计算"),
    )
    # Retired, never deleted: its history stays; it no longer counts anywhere.
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True, editable=False)

    scope = Scope(via="staff__facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["staff", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(issued_on__lte=F("expires_on")),
                name="certificate_expiry_after_issue",
                violation_error_message=_("有效期至不能早于发证日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}".strip()

    @staticmethod
    def current_q(today: datetime.date, prefix: str = "") -> Q:
        """Certificates in force on `today`: not retired and not past their expiry."""
        return Q(**{f"{prefix}retired_at__isnull": True}) & (
            Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": today})
        )

    def is_current(self, today: datetime.date | None = None) -> bool:
        today = today or datetime.date.today()
        return self.retired_at is None and (self.expires_on is None or self.expires_on >= today)

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.HEALTH and self.expires_on is None:
            if self.issued_on is None:
                raise ValidationError({"issued_on": _("健康证须填写发证日期或有效期至。")})
            self.expires_on = health_certificate_expiry(self.issued_on)


def health_certificate_expiry(issued_on: datetime.date) -> datetime.date:
    """The last valid day of a yearly 健康证 issued on `issued_on`: the day before its anniversary (one issued
    on 29 February has its anniversary on 1 March)."""
    year = issued_on.year + Certificate.HEALTH_VALID_YEARS
    try:
        anniversary = issued_on.replace(year=year)
    except ValueError:
        anniversary = datetime.date(year, 3, 1)
    return anniversary - datetime.timedelta(days=1)


@pghistory.track(*tracked())
class TrainingRecord(Versioned):
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="trainings"
    )
    title = models.CharField(_("培训名称"), max_length=128)
    provider = models.CharField(_("培训机构"), max_length=128, blank=True)
    completed_on = models.DateField(_("完成日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, null=True, blank=True)

    scope = Scope(via="staff__facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["staff", "-completed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0),
                name="training_hours_non_negative",
                violation_error_message=_("学时不能为负数。"),
            )
        ]

    def __str__(self):
        return self.title


# ---------------------------------------------------------------- filing


@pghistory.track(*tracked())
class ChecklistItem(Versioned):
    class Item(models.TextChoices):
        LICENCE = "licence", _("营业执照或法人登记证书")
        PREMISES = "premises", _("场地证明")
        STAFF = "staff", _("工作人员资格证明和健康证明")
        HEALTH_EVALUATION = "health_evaluation", _("卫生评价报告（合格）")
        FIRE_SAFETY = "fire_safety", _("消防验收或备案材料")
        FOOD_LICENCE = "food_licence", _("食品经营许可（提供膳食的）")

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="checklist"
    )
    item = models.CharField(_("备案材料"), max_length=32, choices=Item.choices)
    provided = models.BooleanField(_("已提供"), default=False)
    reference = models.CharField(_("材料编号/说明"), max_length=255, blank=True)

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("备案材料")
        verbose_name_plural = _("备案材料")
        ordering = ["facility", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "item"],
                name="checklist_one_row_per_item",
                violation_error_message=_("每项备案材料只登记一次。"),
            )
        ]

    def __str__(self):
        return self.get_item_display()


class FilingSequence(models.Model):
    """The last filing number issued per district and year (locked while a number is assigned)."""

    district = models.ForeignKey(Region, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="filing_sequence_unique")]

    def __str__(self):
        return f"{self.district} {self.year}: {self.last}"


@pghistory.track(*tracked())
class Authorization(VersionedModel):
    """A dated grant of a regime to a facility: the filing (备案) today; a licence (许可) can be added
    beside it later without rewriting the record. Approving a filing opens one (its number, the district
    as issuing authority, the day); closing the facility cancels it (注销备案: the day and the reason);
    filing again after a cancellation opens a new one, and the old one stays as it was. The facility's
    `filing_number`, `filed_on` and `filing_cancelled_on` are the current-state cache of its filing record,
    written by the same service in the same transaction (facilities.services). The database holds the key
    rules: at most one open record per facility and regime, a number used once per regime."""

    class Regime(models.TextChoices):
        FILING = "filing", _("备案")
        LICENCE = "licence", _("许可")

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="authorizations"
    )
    regime = models.CharField(_("管理方式"), max_length=16, choices=Regime.choices, default=Regime.FILING)
    number = models.CharField(_("编号"), max_length=32)
    authority = models.ForeignKey(
        Region, verbose_name=_("发证（备案）机关所在地区"), on_delete=models.PROTECT, related_name="+"
    )
    granted_on = models.DateField(_("生效日期"))
    cancelled_on = models.DateField(_("注销日期"), null=True, blank=True)
    cancel_reason = models.TextField(_("注销原因"), blank=True)

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("备案/许可记录")
        verbose_name_plural = _("备案/许可记录")
        ordering = ["regime", "-granted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "regime"],
                condition=Q(cancelled_on__isnull=True),
                name="authorization_one_open_per_regime",
                violation_error_message=_("该机构已有一项有效的同类备案/许可记录。"),
            ),
            models.UniqueConstraint(
                fields=["regime", "number"],
                name="authorization_number_unique_per_regime",
                violation_error_message=_("该编号已被使用。"),
            ),
            models.CheckConstraint(
                condition=Q(cancelled_on__isnull=True) | Q(cancelled_on__gte=F("granted_on")),
                name="authorization_cancelled_after_granted",
                violation_error_message=_("注销日期不能早于生效日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(number=""),
                name="authorization_has_number",
                violation_error_message=_("备案/许可记录须有编号。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_regime_display()} {self.number}"

    @property
    def is_open(self) -> bool:
        return self.cancelled_on is None


@pghistory.track(*tracked())
class PendingChange(VersionedModel):
    """What an operator asks of a filed facility, held until a district official decides.

    Two kinds. A record change (`record`) carries any of: the facility's fields and class units (`fields`,
    `units`), filing materials (`checklist`: item → [provided, reference]) and roster entries (`staff`: one
    entry per person, added or edited). A status request (`status`) asks to suspend or close, with the
    proposed date, reason and, for a closure, where the children go (`status`). At most one of each kind is
    open per facility: a second edit amends the open change (the edit form starts from it and says so), it
    never replaces it unseen. The public and the statistics keep the approved record meanwhile."""

    class Kind(models.TextChoices):
        RECORD = "record", _("信息变更")
        STATUS = "status", _("停业/关停申请")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="pending_changes"
    )
    kind = models.CharField(_("申请类型"), max_length=16, choices=Kind.choices, default=Kind.RECORD)
    data = models.JSONField(_("拟变更内容"))
    base_version = models.PositiveIntegerField(_("基于版本"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField(_("最近修改时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)

    # History panels (core.history): the proposed data is shown on the change's own page, not as a diff;
    # the facility update an approval applies is credited to the operator who asked, and the approver.
    history_hidden = ("data",)
    history_requester = ("submitted_by", {"status": "approved"})
    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("待审变更")
        verbose_name_plural = _("待审变更")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "kind"],
                condition=Q(status="pending"),
                name="pending_change_one_open_per_facility_kind",
                violation_error_message=_("该机构已有一项同类待审申请。"),
            )
        ]

    def __str__(self):
        return f"{self.facility} {self.get_kind_display()} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING


@pghistory.track(*tracked())
class StatusChange(models.Model):
    """Operating-status decisions by officials (suspend, close, reopen) with their reasons and dates;
    closing records where the enrolled children went (ChildPlacement rows; `children_placement` is a note)."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("原状态"), max_length=24, choices=Facility.OperatingStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=24, choices=Facility.OperatingStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.TextField(_("原因"))
    children_placement = models.TextField(_("在托婴幼儿去向说明"), blank=True)
    request = models.ForeignKey(
        PendingChange,
        verbose_name=_("依据的申请"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("运营状态变更")
        verbose_name_plural = _("运营状态变更")
        ordering = ["-effective_on", "-created_at"]

    def __str__(self):
        return f"{self.facility} {self.get_from_status_display()}→{self.get_to_status_display()}"


@pghistory.track(*tracked())
class ChildPlacement(models.Model):
    """Where some of a closing facility's children went: how many, and to which facility of the registry or
    home / elsewhere, with whether the receiving side has confirmed."""

    class Destination(models.TextChoices):
        FACILITY = "facility", _("转入其他托育机构")
        HOME = "home", _("回家照护")
        OTHER = "other", _("其他")

    status_change = models.ForeignKey(
        StatusChange, verbose_name=_("关停记录"), on_delete=models.CASCADE, related_name="placements"
    )
    destination = models.CharField(_("去向"), max_length=16, choices=Destination.choices)
    receiving_facility = models.ForeignKey(
        Facility,
        verbose_name=_("接收机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_placements",
    )
    children = models.PositiveIntegerField(_("婴幼儿人数"))
    confirmed = models.BooleanField(_("已确认"), default=False, help_text=_("接收机构或家长已确认"))
    note = models.CharField(_("说明"), max_length=255, blank=True)

    scope = Scope(via="status_change__facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("婴幼儿去向")
        verbose_name_plural = _("婴幼儿去向")
        ordering = ["status_change", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(children__gt=0),
                name="child_placement_children_positive",
                violation_error_message=_("去向人数须大于0。"),
            ),
            models.CheckConstraint(
                condition=(Q(destination="facility") & Q(receiving_facility__isnull=False))
                | (~Q(destination="facility") & Q(receiving_facility__isnull=True)),
                name="child_placement_facility_named",
                violation_error_message=_("转入其他托育机构时须选择接收机构；其他去向不选机构。"),
            ),
        ]

    def __str__(self):
        where = self.receiving_facility.name if self.receiving_facility_id else self.get_destination_display()
        return f"{where} {self.children}"


# ---------------------------------------------------------------- roles


@pghistory.track(*tracked())
class RoleAssignment(models.Model):
    """What a user may see and do. A user may hold several assignments (an official of two districts, an
    operator of three facilities); core/access.py is the only reader of this table."""

    Role = Role  # the one vocabulary of roles, core.access.Role

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("机构"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="operators",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="operator", facility__isnull=False, region__isnull=True)
                    | (~Q(role="operator") & Q(facility__isnull=True, region__isnull=False))
                ),
                name="role_scope_matches_role",
                violation_error_message=_("机构填报人须指定机构；其他角色须指定地区。"),
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role="town_official"),
                name="role_one_town_per_town_official",
                violation_error_message=_("镇街管理员只能负责一个镇街。"),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "facility"],
                nulls_distinct=False,
                name="role_assignment_unique",
                violation_error_message=_("该授权已存在。"),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.facility or self.region}"

    # A district-level role granted on a city reaches every district below it (core.access, the region tree).
    REGION_LEVELS = {
        Role.DISTRICT_OFFICIAL: (Region.Level.CITY, Region.Level.DISTRICT),
        Role.TOWN_OFFICIAL: (Region.Level.TOWN,),
        Role.API_CLIENT: (Region.Level.CITY, Region.Level.DISTRICT),
    }

    def clean(self):
        from django.core.exceptions import ValidationError

        wanted = self.REGION_LEVELS.get(self.role)
        if wanted and self.region_id and self.region.level not in wanted:
            levels = listing(str(Region.Level(level).label) for level in wanted)
            raise ValidationError({"region": _("该角色须指定%(level)s级地区。") % {"level": levels}})


@pghistory.track(*tracked())
class OperatorInvitation(models.Model):
    """An operator invited before their facility is registered: an account with no grant yet, and the town
    where the facility will be. At their first sign-in (after choosing a password) the operator registers the
    facility as a draft in that town; it is then linked to the account as its operator grant
    (`facilities.services.facility_create`). The invitation carries its inviter's authority: it lapses when
    the inviter no longer manages the town."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="operator_invitation",
    )
    town = models.ForeignKey(Region, verbose_name=_("镇街"), on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("邀请人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    facility = models.ForeignKey(
        "Facility",
        verbose_name=_("登记的机构"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("登记时间"), null=True, blank=True)

    scope = Scope(district="town__parent", town="town")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("机构填报人邀请")
        verbose_name_plural = _("机构填报人邀请")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} · {self.town}"

    @property
    def is_open(self) -> bool:
        return self.registered_at is None


# ---------------------------------------------------------------- filing materials as documents


def material_upload_to(instance, filename: str) -> str:
    """Where a material's file is stored (through the default storage): never under its uploaded name."""
    import uuid

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"filing/{instance.facility_id}/{instance.item}/{uuid.uuid4().hex}.{extension}"


@pghistory.track(*tracked())
class MaterialFile(models.Model):
    """One uploaded file of a filing material (facilities.documents writes them). Replacing a file keeps the
    old one with its verdict: the current file of an item is the one in force and not replaced. The district
    official's verdict is on the file it judged. An operator's upload to a filed facility is `proposed` in the
    facility's open record change until the district approves it (it becomes the current file) or rejects it
    (`rejected`; the current file stays); a proposal replaced by a newer one, or whose change was withdrawn,
    is `withdrawn`."""

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", _("符合要求")
        CORRECTION = "correction", _("需补正")

    class State(models.TextChoices):
        IN_FORCE = "in_force", _("现行")
        PROPOSED = "proposed", _("待审")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="material_files"
    )
    item = models.CharField(_("备案材料"), max_length=32, choices=ChecklistItem.Item.choices)
    file = models.FileField(_("文件"), upload_to=material_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    replaced_at = models.DateTimeField(_("被替换时间"), null=True, blank=True)
    verdict = models.CharField(_("审核结论"), max_length=16, choices=Verdict.choices, blank=True)
    verdict_reason = models.TextField(_("补正原因"), blank=True)
    verdict_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verdict_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # An upload to a filed facility by its operator is a proposal held in the facility's open record change
    # (PendingChange, `materials`) until the district decides: the current file stays in force meanwhile.
    state = models.CharField(_("文件状态"), max_length=16, choices=State.choices, default=State.IN_FORCE)
    change = models.ForeignKey(
        PendingChange,
        verbose_name=_("所属变更申请"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="material_files",
    )

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("备案材料文件")
        verbose_name_plural = _("备案材料文件")
        ordering = ["facility", "item", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "item"],
                condition=Q(replaced_at__isnull=True, state="in_force"),
                name="material_one_current_file",
                violation_error_message=_("每项备案材料只有一个现行文件。"),
            ),
            models.UniqueConstraint(
                fields=["facility", "item"],
                condition=Q(state="proposed"),
                name="material_one_proposed_file",
                violation_error_message=_("每项备案材料只有一个待审的新文件。"),
            ),
            models.CheckConstraint(
                condition=Q(state="in_force") | Q(change__isnull=False),
                name="material_proposal_in_a_change",
                violation_error_message=_("待审的材料文件须属于一项变更申请。"),
            ),
            models.CheckConstraint(
                condition=~Q(verdict="correction") | ~Q(verdict_reason=""),
                name="material_correction_has_reason",
                violation_error_message=_("需补正的材料须写明原因。"),
            ),
            models.CheckConstraint(
                condition=Q(verdict="") | (Q(verdict_by__isnull=False) & Q(verdict_at__isnull=False)),
                name="material_verdict_signed",
                violation_error_message=_("审核结论须记录审核人和时间。"),
            ),
        ]

    def __str__(self):
        return f"{self.get_item_display()} · {self.original_name}"


class FilingDocument(models.Model):
    """A numbered, dated document the district issues on a filing: the receipt (回执) when it acknowledges,
    the notice (告知书) when it returns a non-compliant filing. `content` is what was issued (materials,
    reasons, dates), kept as issued so that a reprint shows the same document."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("备案回执")
        NOTICE = "notice", _("备案不符合要求告知书")

    PREFIX = {Kind.RECEIPT: "HZ", Kind.NOTICE: "GZ"}

    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="filing_documents"
    )
    kind = models.CharField(_("文书类型"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("文书编号"), max_length=40, unique=True)
    issued_on = models.DateField(_("出具日期"))
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("出具人"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.JSONField(_("文书内容"))

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("备案文书")
        verbose_name_plural = _("备案文书")
        ordering = ["facility", "-issued_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class DocumentSequence(models.Model):
    """The last number of a kind of filing document issued per district and year (locked while issuing)."""

    district = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=FilingDocument.Kind.choices)
    last = models.PositiveIntegerField(default=0)

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "year", "kind"], name="document_sequence_unique")
        ]

    def __str__(self):
        return f"{self.district} {self.year} {self.kind}: {self.last}"
