"""Funds, subsidy programs with their rules as data, applications, the append-only payment ledger, reported
aggregate disbursements and construction projects with milestones.

Money is Decimal with two places everywhere. Three rules live in the database as well as in the services:

- the ledger is append-only: `LedgerEntry.save()` on an existing row and `delete()` raise, its queryset
  refuses `update()` / `delete()`, and a PostgreSQL trigger (pgtrigger.Protect) refuses UPDATE and DELETE
  from anything else, raw SQL included. Corrections are reversing entries (another trigger checks that a
  reversal mirrors the payment it reverses);
- a decision that departs from the rule's proposed amount carries a written reason (CHECK constraint);
- amounts, rates, areas are never negative (CHECK constraints);
- commitments (granted applications) plus reported disbursements never exceed a fund's allocation
  (`subsidies_fund_within_allocation`, called by triggers on funds, programs, applications and aggregates);
- a payment stays within its application's approved amount and is dated on or after the approval
  (trigger `ledger_approval_limits`), on or before its fund's spending deadline `spend_by` and never after
  today (trigger `ledger_entry_dates`; reversals return money and stay allowed after the deadline), and
  each ledger entry carries a SHA-256 hash chained to the previous entry of its fund (trigger
  `ledger_chain`; `manage.py verify_ledger` recomputes it).

The triggers stop the application's own bugs and raw SQL alike; what stops someone disabling them is the
role the portal connects as, which owns no table (docs/security.md "Database roles").

Figures a document reports only as totals (Yubei's 859,000 yuan of 2024 operating subsidies to 100
institutions, the 10,473,200 yuan of first-batch incentive grants) are `AggregateDisbursement` rows: they have
no facility, so they can never be mistaken for, or summed into, per-facility payments; they count in a fund's
or a program's totals only when the document ties them to one.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.access import Scope, ScopedManager, ScopedQuerySet
from core.formatting import listing
from core.models import Versioned, VersionedModel, choice_check, tracked
from facilities.models import Facility
from targets.models import Region, ReportedFigure, SourceDocument

Comparator = ReportedFigure.Comparator

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def approximate_display(value: Decimal | None, comparator: str, unit: str) -> str:
    """“≈ 3,800 平方米”, “> 7,000,000 元”; an unknown value is an em dash."""
    if value is None:
        return "—"
    prefix = "" if comparator == Comparator.EQ else f"{Comparator(comparator).label} "
    return f"{prefix}{value.normalize():,f} {unit}"


# ---------------------------------------------------------------- funds


class _FundSourceLevel(models.TextChoices):
    CENTRAL = "central", _("中央财政")
    CITY = "city", _("市级财政")
    DISTRICT = "district", _("区级财政")


@pghistory.track(
    *tracked(),
    # the change feed reads events by time (facilities/api/changes.py)
    meta={"indexes": [models.Index(fields=["pgh_created_at", "pgh_id"], name="fundevent_history_time")]},
)
class Fund(VersionedModel):
    """Money allocated to a district for a year by one level of government."""

    SourceLevel = _FundSourceLevel

    seed_key = models.SlugField(_("种子标识"), max_length=64, null=True, blank=True, unique=True)
    source_level = models.CharField(_("资金层级"), max_length=16, choices=SourceLevel.choices)
    name = models.CharField(_("资金名称"), max_length=128)
    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="subsidy_funds",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    year = models.PositiveSmallIntegerField(_("资金年度"))
    amount_allocated = models.DecimalField(_("下达金额（元）"), **MONEY)
    purpose = models.CharField(_("用途"), max_length=255)
    spend_by = models.DateField(
        _("支出期限"), null=True, blank=True, help_text=_("资金须在此日期前支出完毕；文件未写明时留空")
    )
    source = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT, null=True, blank=True
    )
    notes = models.TextField(_("备注"), blank=True)

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("资金")
        verbose_name_plural = _("资金")
        ordering = ["district__code", "-year", "source_level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_allocated__gte=0),
                name="fund_allocated_non_negative",
                violation_error_message=_("下达金额不能为负数。"),
            ),
            models.UniqueConstraint(
                fields=["district", "year", "name"],
                name="fund_unique_name_per_district_year",
                violation_error_message=_("该区县该年度已有同名资金。"),
            ),
            choice_check("source_level", _FundSourceLevel.choices, "fund_source_level_choices"),
        ]
        triggers = [
            # An allocation never goes below what is committed and reported as spent, nor below its spending
            # plan (the plan page's rule, held for every writer).
            pgtrigger.Trigger(
                name="fund_covers_commitments",
                operation=pgtrigger.Update,
                when=pgtrigger.After,
                condition=pgtrigger.Condition("OLD.amount_allocated IS DISTINCT FROM NEW.amount_allocated"),
                func=(
                    "PERFORM subsidies_fund_within_allocation(NEW.id); "
                    "PERFORM subsidies_fund_plan_within_allocation(NEW.id); RETURN NULL;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.year}）"

    def planned_total(self) -> tuple[datetime.date, Decimal] | None:
        """The spending plan's last month and its cumulative amount (what the allocation must cover)."""
        last = self.plan.order_by("-month").values_list("month", "planned_cumulative").first()
        return tuple(last) if last else None

    def obligations(self) -> Decimal:
        """Approved amounts of granted applications plus aggregates reported as paid from this fund: the
        floor of its allocation (the trigger `fund_covers_commitments` holds the same line)."""
        committed = Application.objects.filter(
            program__fund_id=self.pk, status__in=Application.GRANTED
        ).aggregate(t=models.Sum("approved_amount"))["t"]
        reported = AggregateDisbursement.objects.filter(fund_id=self.pk).aggregate(t=models.Sum("amount"))[
            "t"
        ]
        return (committed or ZERO) + (reported or ZERO)

    def payments_closed(self, today: datetime.date) -> bool:
        """Past the spending deadline: no payment from this fund any more (reversals still)."""
        return bool(self.spend_by and today > self.spend_by)

    def clean(self):
        if self.pk and self.amount_allocated is not None:
            floor = self.obligations()
            if self.amount_allocated < floor:
                raise ValidationError(
                    {
                        "amount_allocated": _(
                            "下达金额不能低于已承诺和已拨付的 %(floor)s 元（已批准的申请和汇总拨付）。"
                        )
                        % {"floor": f"{floor:,.2f}"}
                    }
                )
            planned = self.planned_total()
            if planned and self.amount_allocated < planned[1]:
                raise ValidationError(
                    {
                        "amount_allocated": _(
                            "下达金额不能低于支出计划累计的 %(planned)s 元（%(month)s）：请先修改支出计划。"
                        )
                        % {"planned": f"{planned[1]:,.2f}", "month": planned[0].strftime("%Y-%m")}
                    }
                )


@pghistory.track(*tracked())
class FundPlanMonth(Versioned):
    """The spending plan of a fund: how much should have gone out by the end of each month (cumulative),
    so the fund page can show the shortfall against plan."""

    fund = models.ForeignKey(Fund, verbose_name=_("资金"), on_delete=models.CASCADE, related_name="plan")
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    planned_cumulative = models.DecimalField(_("计划累计支出（元）"), **MONEY)

    scope = Scope(district="fund__district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("资金支出计划")
        verbose_name_plural = _("资金支出计划")
        ordering = ["fund", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "month"],
                name="fund_plan_one_per_month",
                violation_error_message=_("该资金该月已有计划。"),
            ),
            models.CheckConstraint(
                condition=Q(month__day=1),
                name="fund_plan_month_is_first_day",
                violation_error_message=_("计划月份须为该月第一天。"),
            ),
            models.CheckConstraint(
                condition=Q(planned_cumulative__gte=0),
                name="fund_plan_non_negative",
                violation_error_message=_("计划金额不能为负数。"),
            ),
        ]
        triggers = [
            # the plan stays within the fund's allocation (Fund's trigger holds the other side)
            pgtrigger.Trigger(
                name="fund_plan_within_allocation",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.After,
                func="PERFORM subsidies_fund_plan_within_allocation(NEW.fund_id); RETURN NULL;",
            ),
        ]

    def __str__(self):
        return f"{self.fund} · {self.month:%Y-%m}"


@pghistory.track(*tracked())
class PaymentControls(Versioned):
    """A district's payment controls. With maker-checker on, whoever approved an application cannot pay
    it and whoever made a payment cannot reverse it: each money movement needs two people."""

    district = models.OneToOneField(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="payment_controls",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    maker_checker = models.BooleanField(
        _("审批与支付分离"),
        default=False,
        help_text=_("开启后：审核人不能支付同一申请，支付人不能冲销自己的支付"),
    )

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("支付控制")
        verbose_name_plural = _("支付控制")

    def __str__(self):
        return f"{self.district} · {self._meta.verbose_name}"

    @classmethod
    def maker_checker_on(cls, district_id) -> bool:
        return cls.objects.filter(district_id=district_id, maker_checker=True).exists()


# ---------------------------------------------------------------- programs and their rules


class _ProgramKind(models.TextChoices):
    CONSTRUCTION = "construction", _("建设补助")
    RENT = "rent", _("租金补助")
    OPERATING = "operating", _("运营补助")
    DEMONSTRATION = "demonstration", _("示范补助")
    NEEDY_INFANTS = "needy_infants", _("困难婴幼儿补助")
    INCENTIVE = "incentive", _("激励性奖补")


class _ProgramBasis(models.TextChoices):
    PER_M2_MONTH = "per_m2_month", _("按面积和月数（元/㎡/月）")
    PER_SLOT = "per_slot", _("按托位数（元/托位）")
    PER_CHILD_MONTH = "per_child_month", _("按在托人数和月数（元/人/月）")
    FIXED = "fixed", _("定额（元）")


class _PerChildFigure(models.TextChoices):
    ENROLLED = "enrolled", _("在托人数")
    ATTENDANCE = "attendance", _("平均出勤人数")


@pghistory.track(
    *tracked(),
    # the change feed reads events by time (facilities/api/changes.py)
    meta={"indexes": [models.Index(fields=["pgh_created_at", "pgh_id"], name="programevent_history_time")]},
)
class Program(VersionedModel):
    """A subsidy program: who may apply (eligibility as data) and how much the rule proposes."""

    Kind = _ProgramKind

    Basis = _ProgramBasis
    PerChildFigure = _PerChildFigure

    # The application figures each basis needs.
    FIGURES = {
        Basis.PER_M2_MONTH: ("area_m2", "months"),
        Basis.PER_SLOT: ("slots",),
        Basis.PER_CHILD_MONTH: ("children", "months"),
        Basis.FIXED: (),
    }

    seed_key = models.SlugField(_("种子标识"), max_length=64, null=True, blank=True, unique=True)
    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="subsidy_programs",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("补助类型"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("项目名称"), max_length=128)
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("资金来源"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programs",
        help_text=_("文件未写明时留空；未指定资金来源的项目可以受理和审核，但不能支付"),
    )
    basis = models.CharField(_("计算方式"), max_length=24, choices=Basis.choices)
    rate = models.DecimalField(_("标准（元）"), max_digits=12, decimal_places=2)
    per_child_figure = models.CharField(
        _("按人数补助的月报核对项"),
        max_length=16,
        choices=PerChildFigure.choices,
        default=PerChildFigure.ENROLLED,
        help_text=_(
            "按在托人数和月数补助时，申报人数与各月在托月报的哪一项核对（按出勤补助的选平均出勤人数）"
        ),
    )
    requires_filed = models.BooleanField(_("须已备案"), default=False)
    requires_operating = models.BooleanField(_("须正在运营"), default=False)
    requires_inclusive = models.BooleanField(_("须为普惠机构"), default=False)
    allowed_kinds = ArrayField(
        models.CharField(max_length=32, choices=Facility.Kind.choices),
        verbose_name=_("限定机构类型"),
        blank=True,
        default=list,
        help_text=_("留空表示不限机构类型"),
    )
    accepting_applications = models.BooleanField(_("受理申请"), default=True)
    payable_text = models.CharField(_("兑现时间（原文）"), max_length=64, blank=True)
    payable_by = models.DateField(
        _("兑现期限"), null=True, blank=True, help_text=_("此日期之后不再支付；留空表示文件未写明")
    )
    effective_from = models.DateField(
        _("生效日期"), null=True, blank=True, help_text=_("留空即为项目年度的1月1日")
    )
    effective_to = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("留空即为项目年度的12月31日")
    )
    notes = models.TextField(_("说明/原文"), blank=True)
    source = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT, null=True, blank=True
    )

    scope = Scope(district="district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("补助项目")
        verbose_name_plural = _("补助项目")
        ordering = ["district__code", "-year", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="program_rate_non_negative",
                violation_error_message=_("补助标准不能为负数。"),
            ),
            models.UniqueConstraint(
                fields=["district", "year", "name"],
                name="program_unique_name_per_district_year",
                violation_error_message=_("该区县该年度已有同名补助项目。"),
            ),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(effective_to__isnull=True)
                | Q(effective_from__lte=F("effective_to")),
                name="program_effective_ordered",
                violation_error_message=_("生效日期不能晚于失效日期。"),
            ),
            choice_check("kind", _ProgramKind.choices, "program_kind_choices"),
            choice_check("basis", _ProgramBasis.choices, "program_basis_choices"),
            choice_check("per_child_figure", _PerChildFigure.choices, "program_per_child_figure_choices"),
        ]
        triggers = [
            # Moving a program to another fund moves its commitments too.
            pgtrigger.Trigger(
                name="program_fund_covers_commitments",
                operation=pgtrigger.Update,
                when=pgtrigger.After,
                condition=pgtrigger.Condition("OLD.fund_id IS DISTINCT FROM NEW.fund_id"),
                func="PERFORM subsidies_fund_within_allocation(NEW.fund_id); RETURN NULL;",
            ),
        ]

    def __str__(self):
        return f"{self.year}年{self.name}"

    @property
    def starts(self) -> datetime.date:
        """The first day the program is in force: its effective date, else 1 January of its year."""
        return self.effective_from or datetime.date(self.year, 1, 1)

    @property
    def ends(self) -> datetime.date:
        """The last day the program is in force: its end date, else 31 December of its year."""
        return self.effective_to or datetime.date(self.year, 12, 31)

    def clean(self):
        errors = {}
        if self.year and self.effective_from and self.effective_from.year != self.year:
            errors["effective_from"] = _("生效日期须在项目年度内。")
        if self.year and self.effective_to and self.effective_to.year != self.year:
            errors["effective_to"] = _("失效日期须在项目年度内。")
        if self.effective_from and self.effective_to and self.effective_from > self.effective_to:
            errors["effective_to"] = _("失效日期不能早于生效日期。")
        if self.year and self.payable_by and self.payable_by.year < self.year:
            errors["payable_by"] = _("兑现期限不能早于项目年度。")
        if errors:
            raise ValidationError(errors)
        if self.fund_id and self.district_id and self.fund.district_id != self.district_id:
            raise ValidationError({"fund": _("资金来源须属于本项目所在区县。")})
        if self.pk and self.fund_id:
            moved = Program.objects.filter(pk=self.pk).exclude(fund_id=self.fund_id).exists()
            if moved:
                # The program's commitments move with it (trigger program_fund_covers_commitments).
                mine = (
                    Application.objects.filter(program_id=self.pk, status__in=Application.GRANTED).aggregate(
                        t=models.Sum("approved_amount")
                    )["t"]
                    or ZERO
                )
                if self.fund.obligations() + mine > self.fund.amount_allocated:
                    raise ValidationError(
                        {
                            "fund": _("该资金不足以承接本项目已批准的 %(amount)s 元。")
                            % {"amount": f"{mine:,.2f}"}
                        }
                    )
        kinds = set(Facility.Kind.values)
        unknown = [k for k in self.allowed_kinds or [] if k not in kinds]
        if unknown:
            raise ValidationError(
                {"allowed_kinds": _("未知机构类型：%(kinds)s") % {"kinds": listing(unknown)}}
            )

    @property
    def rule_text(self) -> str:
        unit = {
            self.Basis.PER_M2_MONTH: _("元/㎡/月"),
            self.Basis.PER_SLOT: _("元/托位"),
            self.Basis.PER_CHILD_MONTH: _("元/人/月"),
            self.Basis.FIXED: _("元（定额）"),
        }[self.basis]
        return f"{self.rate:,.2f} {unit}"

    @property
    def allowed_kind_labels(self) -> list[str]:
        return [str(Facility.Kind(k).label) for k in self.allowed_kinds or []]

    @property
    def eligibility_labels(self) -> list[str]:
        labels = []
        if self.requires_filed:
            labels.append(str(_("已备案")))
        if self.requires_operating:
            labels.append(str(_("正在运营")))
        if self.requires_inclusive:
            labels.append(str(_("普惠机构")))
        if self.allowed_kinds:
            labels.append(str(_("类型：")) + listing(self.allowed_kind_labels))
        return labels


@pghistory.track(*tracked())
class ProgramRule(VersionedModel):
    """A change of a program's rule from a date: the basis and rate in force from `effective_from` to
    `effective_to` (open: until the program ends). Where no such row covers a date, the program's own basis
    and rate are in force (subsidies.selectors.rule_in_force). Rows of one program never overlap (trigger
    `program_rule_no_overlap`). An application keeps the rule it was computed with, and a decided
    application's amounts never change (trigger `application_decided_is_final`), so editing a rule later
    changes no decision."""

    program = models.ForeignKey(
        Program, verbose_name=_("补助项目"), on_delete=models.PROTECT, related_name="rules"
    )
    basis = models.CharField(_("计算方式"), max_length=24, choices=Program.Basis.choices)
    rate = models.DecimalField(_("标准（元）"), max_digits=12, decimal_places=2)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("留空：至项目结束"))
    note = models.CharField(_("调整依据/说明"), max_length=255)

    scope = Scope(district="program__district", district_wide=True)
    objects = ScopedManager()

    class Meta:
        verbose_name = _("补助标准调整")
        verbose_name_plural = _("补助标准调整")
        ordering = ["program", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="program_rule_rate_non_negative",
                violation_error_message=_("补助标准不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_from__lte=F("effective_to")),
                name="program_rule_dates_ordered",
                violation_error_message=_("生效日期不能晚于失效日期。"),
            ),
            models.UniqueConstraint(
                fields=["program", "effective_from"],
                name="program_rule_one_per_start",
                violation_error_message=_("该项目在此日期已有一条标准调整。"),
            ),
            choice_check("basis", Program.Basis.choices, "program_rule_basis_choices"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="program_rule_no_overlap",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.Before,
                func=(
                    "IF EXISTS (SELECT 1 FROM subsidies_programrule r WHERE r.program_id = NEW.program_id "
                    "AND r.id <> NEW.id AND daterange(r.effective_from, r.effective_to, '[]') && "
                    "daterange(NEW.effective_from, NEW.effective_to, '[]')) THEN "
                    "RAISE EXCEPTION 'program rule: the dates overlap another rule of program %', "
                    "NEW.program_id USING ERRCODE = 'exclusion_violation'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        until = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{self.program} · {self.effective_from.isoformat()}—{until} · {self.rule_text}"

    @property
    def rule_text(self) -> str:
        return Program(basis=self.basis, rate=self.rate).rule_text

    def clean(self):
        errors = {}
        if self.effective_from and self.effective_to and self.effective_from > self.effective_to:
            errors["effective_to"] = _("失效日期不能早于生效日期。")
        if self.program_id and self.effective_from:
            program = self.program
            if not program.starts <= self.effective_from <= program.ends:
                errors["effective_from"] = _("生效日期须在项目有效期（%(start)s 至 %(end)s）内。") % {
                    "start": program.starts.isoformat(),
                    "end": program.ends.isoformat(),
                }
            elif self.effective_to and self.effective_to > program.ends:
                errors["effective_to"] = _("失效日期不能晚于项目结束日期（%(end)s）。") % {
                    "end": program.ends.isoformat()
                }
            else:
                others = ProgramRule.objects.filter(program_id=self.program_id).exclude(pk=self.pk)
                end = self.effective_to or datetime.date.max
                clash = (
                    others.filter(effective_from__lte=end)
                    .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=self.effective_from))
                    .first()
                )
                if clash:
                    errors["effective_from"] = _("与已有的标准调整（%(rule)s）日期重叠。") % {
                        "rule": f"{clash.effective_from.isoformat()}—"
                        f"{clash.effective_to.isoformat() if clash.effective_to else '…'}"
                    }
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------- aggregates a document reports


@pghistory.track(*tracked())
class AggregateDisbursement(VersionedModel):
    """A disbursement a document reports only as a total over many recipients. It has no facility and never
    appears in per-facility sums; it counts in a fund's or program's totals only when tied to one."""

    seed_key = models.SlugField(_("种子标识"), max_length=64, null=True, blank=True, unique=True)
    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="aggregate_disbursements",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    program_kind = models.CharField(_("补助类型"), max_length=24, choices=Program.Kind.choices)
    subject = models.CharField(_("事项"), max_length=128, help_text=_("如：2024年度运营补助"))
    program = models.ForeignKey(
        Program,
        verbose_name=_("补助项目"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aggregates",
        help_text=_("文件未写明时留空"),
    )
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("资金来源"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aggregates",
        help_text=_("文件未写明由哪笔资金支付时留空，不计入任何资金的执行"),
    )
    year = models.PositiveSmallIntegerField(_("资金年度"), null=True, blank=True)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    recipients = models.PositiveIntegerField(_("受益机构数"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True, help_text=_("文件未写明具体日期时留空"))
    paid_text = models.CharField(_("拨付时间（原文）"), max_length=64, blank=True)
    as_of = models.DateField(_("截至"), null=True, blank=True, help_text=_("报告该数字的文件日期"))
    quote = models.TextField(_("原文"), blank=True)
    source = models.ForeignKey(SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT)

    scope = Scope(district="district")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("汇总拨付（文件报告）")
        verbose_name_plural = _("汇总拨付（文件报告）")
        ordering = ["district__code", "-year", "program_kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="aggregate_amount_non_negative",
                violation_error_message=_("金额不能为负数。"),
            ),
            choice_check("program_kind", Program.Kind.choices, "aggregate_program_kind_choices"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="aggregate_within_fund",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.After,
                condition=pgtrigger.Condition("NEW.fund_id IS NOT NULL"),
                func="PERFORM subsidies_fund_within_allocation(NEW.fund_id); RETURN NULL;",
            ),
        ]

    def __str__(self):
        return f"{self.subject}（{_('汇总')}）"

    def clean(self):
        errors = {}
        if self.fund_id and self.district_id and self.fund.district_id != self.district_id:
            errors["fund"] = _("资金来源须属于同一区县。")
        if self.program_id:
            if self.district_id and self.program.district_id != self.district_id:
                errors["program"] = _("补助项目须属于同一区县。")
            elif self.program.kind != self.program_kind:
                errors["program"] = _("补助项目的类型与所填补助类型不一致。")
        if self.fund_id and self.amount is not None:
            others = self.fund.obligations() - (
                AggregateDisbursement.objects.get(pk=self.pk).amount
                if self.pk and AggregateDisbursement.objects.filter(pk=self.pk, fund_id=self.fund_id).exists()
                else ZERO
            )
            if others + self.amount > self.fund.amount_allocated:
                errors["amount"] = _(
                    "超出资金余额：下达 %(allocated)s 元，已承诺和已拨付 %(others)s 元。"
                ) % {
                    "allocated": f"{self.fund.amount_allocated:,.2f}",
                    "others": f"{others:,.2f}",
                }
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------- applications


class _ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已批准")
    REDUCED = "reduced", _("核减后批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


@pghistory.track(*tracked())
class Application(VersionedModel):
    """An operator's application for one facility, program and period, with the figures the rule needs.
    The rule's proposal is kept as submitted (with the rule it came from); an official's different amount
    is kept beside it with the written reason."""

    Status = _ApplicationStatus

    GRANTED = (Status.APPROVED, Status.REDUCED)
    OPEN = (Status.SUBMITTED, Status.APPROVED, Status.REDUCED)

    program = models.ForeignKey(
        Program, verbose_name=_("补助项目"), on_delete=models.PROTECT, related_name="applications"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="subsidy_applications"
    )
    period_start = models.DateField(_("补助期间起"))
    period_end = models.DateField(_("补助期间止"))
    area_m2 = models.DecimalField(_("面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("月数"), null=True, blank=True)
    slots = models.PositiveIntegerField(_("托位数"), null=True, blank=True)
    children = models.PositiveIntegerField(_("在托人数"), null=True, blank=True)
    note = models.TextField(_("申请说明"), blank=True)
    rule_basis = models.CharField(_("计算方式（提交时）"), max_length=24, choices=Program.Basis.choices)
    rule_rate = models.DecimalField(_("标准（提交时，元）"), max_digits=12, decimal_places=2)
    rule = models.ForeignKey(
        ProgramRule,
        verbose_name=_("适用的标准调整"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("空：按项目本身的标准计算"),
    )
    program_version = models.PositiveIntegerField(
        _("计算时的项目版本"), null=True, blank=True, help_text=_("提交时补助项目记录的版本号")
    )
    proposed_amount = models.DecimalField(_("按规则测算金额（元）"), **MONEY)
    approved_amount = models.DecimalField(_("核定金额（元）"), null=True, blank=True, **MONEY)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审核意见/调整理由"), blank=True)

    scope = Scope(via="facility")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("补助申请")
        verbose_name_plural = _("补助申请")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "program"], name="subsidy_application_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")),
                name="application_period_ordered",
                violation_error_message=_("补助期间起不能晚于补助期间止。"),
            ),
            models.CheckConstraint(
                condition=Q(proposed_amount__gte=0)
                & (Q(approved_amount__isnull=True) | Q(approved_amount__gte=0))
                & (Q(area_m2__isnull=True) | Q(area_m2__gte=0))
                & Q(rule_rate__gte=0),
                name="application_amounts_non_negative",
                violation_error_message=_("金额、面积和标准不能为负数。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status__in=["approved", "reduced"], approved_amount__isnull=False)
                    | (~Q(status__in=["approved", "reduced"]) & Q(approved_amount__isnull=True))
                ),
                name="application_amount_only_when_granted",
                violation_error_message=_("只有批准的申请才有核定金额。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="application_rejection_has_reason",
                violation_error_message=_("驳回申请须写明理由。"),
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | Q(approved_amount=F("proposed_amount"))
                | ~Q(decision_reason=""),
                name="application_override_has_reason",
                violation_error_message=_("核定金额与按规则测算金额不同时，须写明理由。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="reduced") | Q(approved_amount__lt=F("proposed_amount")),
                name="application_reduced_is_lower",
                violation_error_message=_("核减后的金额须低于按规则测算金额。"),
            ),
            models.UniqueConstraint(
                fields=["program", "facility", "period_start"],
                condition=Q(status__in=["submitted", "approved", "reduced"]),
                name="application_one_open_per_period",
                violation_error_message=_("该机构已有该项目同一期间的申请。"),
            ),
            choice_check("status", _ApplicationStatus.choices, "application_status_choices"),
            choice_check("rule_basis", Program.Basis.choices, "application_rule_basis_choices"),
        ]
        triggers = [
            # An approval commits money: the fund must cover it (read under the fund's row lock).
            pgtrigger.Trigger(
                name="application_commitment_within_fund",
                operation=pgtrigger.Insert | pgtrigger.Update,
                when=pgtrigger.After,
                condition=pgtrigger.Condition("NEW.status IN ('approved', 'reduced')"),
                func=(
                    "PERFORM subsidies_fund_within_allocation("
                    "(SELECT fund_id FROM subsidies_program WHERE id = NEW.program_id)); RETURN NULL;"
                ),
            ),
            # A decision is final: once an application is decided, the rule it was computed with, its
            # figures, the proposal and the approved amount never change (a later rule change included).
            pgtrigger.Trigger(
                name="application_decided_is_final",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Condition("OLD.status <> 'submitted'"),
                func=(
                    "IF NEW.status IS DISTINCT FROM OLD.status "
                    "OR NEW.rule_basis IS DISTINCT FROM OLD.rule_basis "
                    "OR NEW.rule_rate IS DISTINCT FROM OLD.rule_rate "
                    "OR NEW.rule_id IS DISTINCT FROM OLD.rule_id "
                    "OR NEW.proposed_amount IS DISTINCT FROM OLD.proposed_amount "
                    "OR NEW.approved_amount IS DISTINCT FROM OLD.approved_amount "
                    "OR NEW.area_m2 IS DISTINCT FROM OLD.area_m2 OR NEW.months IS DISTINCT FROM OLD.months "
                    "OR NEW.slots IS DISTINCT FROM OLD.slots OR NEW.children IS DISTINCT FROM OLD.children "
                    "OR NEW.program_id IS DISTINCT FROM OLD.program_id THEN "
                    "RAISE EXCEPTION 'application %: a decided application is final', OLD.id "
                    "USING ERRCODE = 'check_violation'; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.facility} · {self.program}"

    @property
    def is_granted(self) -> bool:
        return self.status in self.GRANTED

    @property
    def is_overridden(self) -> bool:
        return self.approved_amount is not None and self.approved_amount != self.proposed_amount


# ---------------------------------------------------------------- the ledger (append-only)


class AppendOnlyError(Exception):
    """The payment ledger is append-only: corrections are reversing entries."""

    def __init__(self, message: str | None = None):
        super().__init__(message or str(_("支付台账只能追加，不能修改或删除；更正请做冲销。")))


class LedgerQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError

    def delete(self):
        raise AppendOnlyError

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError

    def net(self) -> Decimal:
        return self.aggregate(total=models.Sum("amount"))["total"] or ZERO


class _LedgerEntryKind(models.TextChoices):
    PAYMENT = "payment", _("支付")
    REVERSAL = "reversal", _("冲销")


class LedgerEntry(models.Model):
    """One payment to a facility from a fund under a program, or the reversal of one. Never changed."""

    Kind = _LedgerEntryKind

    entry_date = models.DateField(_("记账日期"))
    facility = models.ForeignKey(
        Facility, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="subsidy_payments"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("补助项目"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("资金"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("补助申请"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    amount = models.DecimalField(_("金额（元）"), help_text=_("支付为正数，冲销为负数"), **MONEY)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    reversal_of = models.OneToOneField(
        "self",
        verbose_name=_("冲销的支付"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
    )
    reference = models.CharField(_("凭证号"), max_length=64)
    note = models.TextField(_("说明/冲销原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    # Set by the `ledger_chain` trigger, whatever the INSERT says: the entry's place in its fund's chain,
    # the previous entry's hash and this entry's hash (see `chain_hash`).
    seq = models.PositiveIntegerField(_("资金内序号"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(_("前一笔哈希"), max_length=64, blank=True, default="", editable=False)
    entry_hash = models.CharField(_("本笔哈希"), max_length=64, blank=True, default="", editable=False)

    objects = LedgerQuerySet.as_manager()

    scope = Scope(via="facility")

    class Meta:
        verbose_name = _("支付台账")
        verbose_name_plural = _("支付台账")
        ordering = ["-entry_date", "-id"]
        indexes = [
            models.Index(fields=["fund", "entry_date"], name="ledger_fund_date"),
            models.Index(fields=["facility", "entry_date"], name="ledger_facility_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="payment", amount__gt=0, reversal_of__isnull=True)
                    | (Q(kind="reversal", amount__lt=0, reversal_of__isnull=False) & ~Q(note=""))
                ),
                name="ledger_kind_sign_and_link",
                violation_error_message=_("支付金额须为正数；冲销须为负数、指明被冲销的支付并写明原因。"),
            ),
            models.UniqueConstraint(
                fields=["fund", "reference"],
                name="ledger_voucher_unique_per_fund",
                violation_error_message=_("该资金已有此凭证号的记账，未重复记账。"),
            ),
            models.UniqueConstraint(fields=["fund", "seq"], name="ledger_one_seq_per_fund"),
            choice_check("kind", _LedgerEntryKind.choices, "ledger_kind_choices"),
        ]
        triggers = [
            # Refuses UPDATE and DELETE from anywhere, raw SQL included.
            pgtrigger.Protect(name="ledger_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            # TRUNCATE bypasses row triggers: refused by a statement trigger unless the ledger is empty
            # (the test suite's flush between transactional tests empties tables that hold nothing).
            pgtrigger.Trigger(
                name="ledger_no_truncate",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                func=(
                    "IF EXISTS (SELECT 1 FROM subsidies_ledgerentry) THEN "
                    "RAISE EXCEPTION 'ledger: TRUNCATE refused, the ledger is append-only' "
                    "USING ERRCODE = 'insufficient_privilege'; END IF; RETURN NULL;"
                ),
            ),
            # A payment: the application is granted, the payments stay within the approved amount (read
            # under the application's row lock, so concurrent posts queue) and it is dated on or after
            # the approval.
            pgtrigger.Trigger(
                name="ledger_approval_limits",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                declare=[("app", "RECORD"), ("paid", "NUMERIC")],
                func=(
                    "IF NEW.kind = 'payment' THEN "
                    "SELECT status, approved_amount, decided_at INTO app FROM subsidies_application "
                    "WHERE id = NEW.application_id FOR UPDATE; "
                    "IF app.status NOT IN ('approved', 'reduced') THEN "
                    "RAISE EXCEPTION 'ledger: application % is not approved', NEW.application_id "
                    "USING ERRCODE = 'check_violation'; END IF; "
                    "SELECT COALESCE(SUM(amount), 0) INTO paid FROM subsidies_ledgerentry "
                    "WHERE application_id = NEW.application_id; "
                    "IF paid + NEW.amount > app.approved_amount THEN "
                    "RAISE EXCEPTION 'ledger: payments % exceed the approved amount % of application %', "
                    "paid + NEW.amount, app.approved_amount, NEW.application_id "
                    "USING ERRCODE = 'check_violation'; END IF; "
                    f"IF NEW.entry_date < (app.decided_at AT TIME ZONE '{settings.TIME_ZONE}')::date THEN "
                    "RAISE EXCEPTION 'ledger: payment dated % before the approval', NEW.entry_date "
                    "USING ERRCODE = 'check_violation'; END IF; "
                    "IF NEW.entry_date > (SELECT payable_by FROM subsidies_program "
                    "WHERE id = NEW.program_id) "
                    "THEN RAISE EXCEPTION 'ledger: payment dated % after the program''s pay-by date', "
                    "NEW.entry_date USING ERRCODE = 'check_violation'; END IF; "
                    "END IF; RETURN NEW;"
                ),
            ),
            # No entry is dated after today (the portal's time zone), and a payment is dated on or before
            # its fund's spending deadline (支出期限). A reversal is not held to the deadline: it returns
            # money to the fund, so it stays possible after it.
            pgtrigger.Trigger(
                name="ledger_entry_dates",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                declare=[("deadline", "DATE")],
                func=(
                    f"IF NEW.entry_date > (now() AT TIME ZONE '{settings.TIME_ZONE}')::date THEN "
                    "RAISE EXCEPTION 'ledger: entry dated % after today', NEW.entry_date "
                    "USING ERRCODE = 'check_violation'; END IF; "
                    "IF NEW.kind = 'payment' THEN "
                    "SELECT spend_by INTO deadline FROM subsidies_fund WHERE id = NEW.fund_id; "
                    "IF deadline IS NOT NULL AND NEW.entry_date > deadline THEN "
                    "RAISE EXCEPTION 'ledger: payment dated % after the fund''s spend-by date %', "
                    "NEW.entry_date, deadline USING ERRCODE = 'check_violation'; END IF; "
                    "END IF; RETURN NEW;"
                ),
            ),
            # The hash chain, per fund, serialised by the fund's row lock (the lock payments take).
            pgtrigger.Trigger(
                name="ledger_chain",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                declare=[("last_seq", "INTEGER"), ("last_hash", "VARCHAR")],
                func=(
                    "PERFORM 1 FROM subsidies_fund WHERE id = NEW.fund_id FOR UPDATE; "
                    "SELECT seq, entry_hash INTO last_seq, last_hash FROM subsidies_ledgerentry "
                    "WHERE fund_id = NEW.fund_id AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1; "
                    "NEW.seq := COALESCE(last_seq, 0) + 1; "
                    "NEW.prev_hash := COALESCE(last_hash, ''); "
                    "NEW.created_at := COALESCE(NEW.created_at, now()); "
                    "NEW.entry_hash := encode(sha256(convert_to(concat_ws(chr(31), "
                    "NEW.id::text, NEW.seq::text, NEW.fund_id::text, NEW.facility_id::text, "
                    "NEW.program_id::text, NEW.application_id::text, NEW.kind, NEW.amount::text, "
                    "to_char(NEW.entry_date, 'YYYY-MM-DD'), NEW.reference, NEW.note, "
                    "COALESCE(NEW.reversal_of_id::text, ''), NEW.created_by_id::text, "
                    "(extract(epoch FROM NEW.created_at) * 1000000)::bigint::text, NEW.prev_hash"
                    "), 'UTF8')), 'hex'); "
                    "RETURN NEW;"
                ),
            ),
            # A payment is positive and reverses nothing (CHECK above); a reversal mirrors one payment
            # exactly: same facility, program, fund and application, the opposite amount.
            pgtrigger.Trigger(
                name="ledger_reversal_mirrors_payment",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                declare=[("original", "RECORD")],
                func=(
                    "IF NEW.kind = 'reversal' THEN "
                    "SELECT * INTO original FROM subsidies_ledgerentry WHERE id = NEW.reversal_of_id; "
                    "IF original.kind IS DISTINCT FROM 'payment' THEN "
                    "RAISE EXCEPTION 'ledger: a reversal must reverse a payment' "
                    "USING ERRCODE = 'check_violation'; END IF; "
                    "IF NEW.amount <> -original.amount OR NEW.facility_id <> original.facility_id "
                    "OR NEW.program_id <> original.program_id OR NEW.fund_id <> original.fund_id "
                    "OR NEW.application_id <> original.application_id THEN "
                    "RAISE EXCEPTION 'ledger: a reversal must mirror payment %', original.id "
                    "USING ERRCODE = 'check_violation'; END IF; "
                    "END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self):
        return f"{self.entry_date} {self.get_kind_display()} {self.amount:,.2f} {self.facility}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError
        super().save(*args, **kwargs)
        # The trigger set these; read them back so the caller holds the stored row.
        self.refresh_from_db(fields=["seq", "prev_hash", "entry_hash", "created_at"])

    def delete(self, *args, **kwargs):
        raise AppendOnlyError

    def chain_hash(self, prev_hash: str) -> str:
        """The hash the `ledger_chain` trigger computes, recomputed here from the stored fields (so a
        changed field, or a changed link, shows)."""
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        parts = [
            self.pk,
            self.seq,
            self.fund_id,
            self.facility_id,
            self.program_id,
            self.application_id,
            self.kind,
            f"{self.amount:.2f}",
            self.entry_date.isoformat(),
            self.reference,
            self.note,
            self.reversal_of_id if self.reversal_of_id is not None else "",
            self.created_by_id,
            (self.created_at - epoch) // datetime.timedelta(microseconds=1),
            prev_hash,
        ]
        return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


# ---------------------------------------------------------------- construction projects


class _ProjectKind(models.TextChoices):
    SERVICE_CENTRE = "service_centre", _("区级托育综合服务指导中心")
    MEDICAL_CHILDCARE_PARK = "medical_childcare_park", _("“医育结合”托育园")
    TOWN_PARK = "town_park", _("镇街（社区）托育园")
    VOCATIONAL_SCHOOL_SITE = "vocational_school_site", _("职业院校托育（生育支持）阵地")
    OTHER = "other", _("其他")


@pghistory.track(
    *tracked(),
    # the change feed reads events by time (facilities/api/changes.py)
    meta={"indexes": [models.Index(fields=["pgh_created_at", "pgh_id"], name="projectevent_history_time")]},
)
class Project(VersionedModel):
    """A childcare construction project (托育园建设项目). Investment and area keep the document's wording
    (≈, >) as a comparator beside the value; what the document does not say stays empty."""

    Kind = _ProjectKind

    seed_key = models.SlugField(_("种子标识"), max_length=64, null=True, blank=True, unique=True)
    kind = models.CharField(_("项目类型"), max_length=32, choices=Kind.choices)
    district = models.ForeignKey(
        Region,
        verbose_name=_("区县"),
        on_delete=models.PROTECT,
        related_name="construction_projects",
        limit_choices_to={"level": Region.Level.DISTRICT},
    )
    town = models.ForeignKey(
        Region,
        verbose_name=_("镇街"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="town_construction_projects",
        limit_choices_to={"level": Region.Level.TOWN},
        help_text=_("文件未写明时留空"),
    )
    name = models.CharField(_("项目名称"), max_length=128)
    investment = models.DecimalField(_("投资（元）"), null=True, blank=True, **MONEY)
    investment_comparator = models.CharField(
        _("投资比较符"), max_length=8, choices=Comparator.choices, default=Comparator.EQ
    )
    area_m2 = models.DecimalField(_("建筑面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True)
    area_comparator = models.CharField(
        _("面积比较符"), max_length=8, choices=Comparator.choices, default=Comparator.EQ
    )
    planned_slots = models.PositiveIntegerField(_("规划托位数"), null=True, blank=True)
    funds = models.ManyToManyField(
        Fund, verbose_name=_("资金来源"), blank=True, related_name="projects", help_text=_("文件未写明时留空")
    )
    facility = models.OneToOneField(
        Facility,
        verbose_name=_("建成后的机构"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="construction_project",
    )
    notes = models.TextField(_("说明/原文"), blank=True)
    source = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT, null=True, blank=True
    )

    scope = Scope(district="district", town="town")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("托育园建设项目")
        verbose_name_plural = _("托育园建设项目")
        ordering = ["district__code", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(investment__isnull=True) | Q(investment__gte=0))
                & (Q(area_m2__isnull=True) | Q(area_m2__gte=0)),
                name="project_figures_non_negative",
                violation_error_message=_("投资和面积不能为负数。"),
            ),
            models.UniqueConstraint(
                fields=["district", "name"],
                name="project_unique_name_in_district",
                violation_error_message=_("该区县已有同名建设项目。"),
            ),
            choice_check("kind", _ProjectKind.choices, "project_kind_choices"),
            choice_check(
                "investment_comparator", Comparator.choices, "project_investment_comparator_choices"
            ),
            choice_check("area_comparator", Comparator.choices, "project_area_comparator_choices"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.town_id and self.district_id and self.town.parent_id != self.district_id:
            errors["town"] = _("所选镇街不属于所选区县。")
        if self.facility_id and self.district_id and self.facility.district_id != self.district_id:
            errors["facility"] = _("关联机构须在同一区县。")
        if errors:
            raise ValidationError(errors)

    @property
    def investment_display(self) -> str:
        return approximate_display(self.investment, self.investment_comparator, str(_("元")))

    @property
    def area_display(self) -> str:
        return approximate_display(self.area_m2, self.area_comparator, "㎡")


class _MilestoneStage(models.TextChoices):
    APPROVAL = "approval", _("立项")
    DESIGN_TENDER = "design_tender", _("设计招标")
    CONSTRUCTION_TENDER = "construction_tender", _("施工招标")
    CONSTRUCTION = "construction", _("在建")
    IN_SERVICE = "in_service", _("建成投用")


@pghistory.track(*tracked())
class Milestone(Versioned):
    """One stage of a project with its planned and actual dates. `done` is None when no one knows (the
    document does not say); a stage can be done with an unknown date."""

    Stage = _MilestoneStage

    ORDER = [
        Stage.APPROVAL,
        Stage.DESIGN_TENDER,
        Stage.CONSTRUCTION_TENDER,
        Stage.CONSTRUCTION,
        Stage.IN_SERVICE,
    ]

    project = models.ForeignKey(
        Project, verbose_name=_("建设项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    stage = models.CharField(_("节点"), max_length=24, choices=Stage.choices)
    done = models.BooleanField(_("已完成"), null=True, blank=True, help_text=_("空：未知（文件未说明）"))
    planned_date = models.DateField(_("计划日期"), null=True, blank=True)
    actual_date = models.DateField(_("实际日期"), null=True, blank=True)
    note = models.CharField(_("说明/原文"), max_length=255, blank=True)
    source = models.ForeignKey(
        SourceDocument, verbose_name=_("来源文件"), on_delete=models.PROTECT, null=True, blank=True
    )

    scope = Scope(district="project__district", town="project__town")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("建设节点")
        verbose_name_plural = _("建设节点")
        ordering = ["project", "stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "stage"],
                name="milestone_one_per_stage",
                violation_error_message=_("每个项目每个节点只登记一行。"),
            ),
            models.CheckConstraint(
                # spelled out so a NULL `done` fails the check instead of passing it as unknown
                condition=Q(actual_date__isnull=True) | (Q(done__isnull=False) & Q(done=True)),
                name="milestone_actual_date_means_done",
                violation_error_message=_("填写了实际日期的节点须标记为已完成。"),
            ),
            choice_check("stage", _MilestoneStage.choices, "milestone_stage_choices"),
        ]

    def __str__(self):
        return f"{self.project} · {self.get_stage_display()}"

    @property
    def position(self) -> int:
        return self.ORDER.index(self.stage)

    def is_overdue(self, today: datetime.date) -> bool:
        """The planned date has passed and the stage is not recorded as done."""
        return bool(self.planned_date and self.planned_date < today and self.done is not True)

    @property
    def state_label(self) -> str:
        if self.done is True:
            return str(_("已完成"))
        if self.done is False:
            return str(_("未完成"))
        return str(_("未知"))
