"""Reads with meaning: what a rule proposes, who is eligible, what holds a payment, how far each fund has
been spent, subsidies by program / year / town, project milestones. Pages, exports, the admin and the
services call these; nothing computes the same figure twice.

Amounts are Decimal, rounded ROUND_HALF_UP to two places once, at the end of a calculation.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import access
from core.access import Action
from core.formatting import listing
from core.months import month_start, next_month
from facilities.models import Facility
from subsidies.models import (
    ZERO,
    AggregateDisbursement,
    Application,
    Fund,
    LedgerEntry,
    Milestone,
    Program,
    ProgramRule,
    Project,
)

CENT = Decimal("0.01")
Basis = Program.Basis


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- the rule


@dataclass(frozen=True)
class Figures:
    """What an application states: the inputs of the rule."""

    area_m2: Decimal | None = None
    months: int | None = None
    slots: int | None = None
    children: int | None = None


@dataclass(frozen=True)
class Proposal:
    amount: Decimal | None
    formula: str
    missing: list[str] = field(default_factory=list)


FIGURE_LABELS = {
    "area_m2": gettext_lazy("面积（㎡）"),
    "months": gettext_lazy("月数"),
    "slots": gettext_lazy("托位数"),
    "children": gettext_lazy("在托人数"),
}


def figure_label(name: str) -> str:
    return str(FIGURE_LABELS[name])


def propose(basis: str, rate: Decimal, figures: Figures) -> Proposal:
    """What the rule proposes: rate × area × months, rate × slots, rate × children × months, or the fixed
    rate. Missing or non-positive figures give no amount and name what is missing."""
    rate = Decimal(rate)
    needed = Program.FIGURES[Basis(basis)]
    missing = [name for name in needed if not getattr(figures, name)]
    if missing:
        return Proposal(None, "", [figure_label(name) for name in missing])
    if basis == Basis.PER_M2_MONTH:
        raw = rate * Decimal(figures.area_m2) * figures.months
        formula = _("%(rate)s 元/㎡/月 × %(area)s ㎡ × %(months)s 个月") % {
            "rate": f"{rate:,.2f}",
            "area": f"{Decimal(figures.area_m2).normalize():,f}",
            "months": figures.months,
        }
    elif basis == Basis.PER_SLOT:
        raw = rate * figures.slots
        formula = _("%(rate)s 元/托位 × %(slots)s 个托位") % {"rate": f"{rate:,.2f}", "slots": figures.slots}
    elif basis == Basis.PER_CHILD_MONTH:
        raw = rate * figures.children * figures.months
        formula = _("%(rate)s 元/人/月 × %(children)s 人 × %(months)s 个月") % {
            "rate": f"{rate:,.2f}",
            "children": figures.children,
            "months": figures.months,
        }
    else:
        raw = rate
        formula = _("定额 %(rate)s 元") % {"rate": f"{rate:,.2f}"}
    amount = money(raw)
    return Proposal(amount, f"{formula} = {amount:,.2f} {_('元')}")


def propose_for_program(program: Program, figures: Figures) -> Proposal:
    return propose(program.basis, program.rate, figures)


# ---------------------------------------------------------------- rules in force on a date


@dataclass(frozen=True)
class RuleInForce:
    """The basis and rate of a program on one date: a dated adjustment (`rule`) or, where none covers the
    date, the program's own rule; `starts`/`ends` bound the days it covers."""

    program: Program
    basis: str
    rate: Decimal
    starts: datetime.date
    ends: datetime.date
    rule: ProgramRule | None = None

    @property
    def text(self) -> str:
        return Program(basis=self.basis, rate=self.rate).rule_text

    def applied(self) -> Program:
        """The program as it reads on that date (a copy carrying the basis and rate in force), for the
        checks and the proposal that read `program.basis` / `program.rate`."""
        program = copy.copy(self.program)
        program.basis, program.rate = self.basis, self.rate
        return program


def rule_in_force(program: Program, on: datetime.date) -> RuleInForce | None:
    """The rule of `program` in force on `on`; None outside the program's own dates (its effective dates,
    else its year)."""
    if not program.starts <= on <= program.ends:
        return None
    rules = list(ProgramRule.objects.filter(program_id=program.pk).order_by("effective_from"))
    for rule in rules:
        if rule.effective_from <= on and (rule.effective_to is None or on <= rule.effective_to):
            ends = min(rule.effective_to or program.ends, program.ends)
            return RuleInForce(program, rule.basis, rule.rate, rule.effective_from, ends, rule)
    # The program's own rule, between the adjustments around `on`.
    before = [r.effective_to for r in rules if r.effective_to and r.effective_to < on]
    after = [r.effective_from for r in rules if r.effective_from > on]
    starts = max(before) + datetime.timedelta(days=1) if before else program.starts
    ends = min(after) - datetime.timedelta(days=1) if after else program.ends
    return RuleInForce(program, program.basis, program.rate, starts, ends)


def rule_problems(program: Program, start, end) -> dict[str, list[str]]:
    """An application's period against the program's dates: inside the program year and the program's
    effective dates, and within one rule (a period across a change of rate is split at the change)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if not (start and end) or start > end:
        return {}
    if start.year != program.year or end.year != program.year:
        errors["period_start"].append(_("补助期间须在项目年度（%(year)s年）内。") % {"year": program.year})
        return dict(errors)
    if start < program.starts or end > program.ends:
        errors["period_start"].append(
            _("补助期间须在项目有效期（%(start)s 至 %(end)s）内。")
            % {"start": program.starts.isoformat(), "end": program.ends.isoformat()}
        )
        return dict(errors)
    rule = rule_in_force(program, start)
    if rule is not None and end > rule.ends:
        errors["period_end"].append(
            _("补助标准自 %(date)s 起调整，请以该日为界分开申请（本期间适用的标准至 %(end)s）。")
            % {"date": (rule.ends + datetime.timedelta(days=1)).isoformat(), "end": rule.ends.isoformat()}
        )
    return dict(errors)


def proposal_of(application: Application) -> Proposal:
    """The proposal as it was made at submission (the rule is kept on the application)."""
    return propose(
        application.rule_basis,
        application.rule_rate,
        Figures(application.area_m2, application.months, application.slots, application.children),
    )


def months_spanned(start: datetime.date, end: datetime.date) -> int:
    """Calendar months a period touches: 2025-01-01..2025-12-31 is 12; 2025-03-15..2025-04-10 is 2."""
    if end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def prefill(program: Program | None, facility: Facility, start=None, end=None) -> dict:
    """Figures the facility record already has, for the application form."""
    initial: dict = {}
    if facility.indoor_area_m2:
        initial["area_m2"] = facility.indoor_area_m2
    slots = facility.inclusive_slots if program and program.requires_inclusive else facility.total_slots
    if slots:
        initial["slots"] = slots
    if facility.enrolled_children:
        initial["children"] = facility.enrolled_children
    if start and end and start <= end:
        initial["months"] = months_spanned(start, end)
    return initial


# ---------------------------------------------------------------- eligibility


def eligibility_problems(program: Program, facility: Facility) -> list[str]:
    """Why the facility may not apply for the program (empty: eligible). Each message says what the program
    requires and what the facility record says."""
    problems = []
    if program.district_id != facility.district_id:
        problems.append(
            _("该补助项目属于%(district)s，本机构不在该区县。") % {"district": program.district.name}
        )
    if not program.accepting_applications:
        problems.append(_("该补助项目目前不受理申请。"))
    if facility.is_synthetic:
        problems.append(_("合成（演示）数据机构不能申请补助。"))
    if program.requires_filed and facility.filing_status != Facility.FilingStatus.FILED:
        problems.append(
            _("该项目要求机构已备案；本机构备案状态为“%(status)s”。")
            % {"status": facility.get_filing_status_display()}
        )
    if program.requires_operating and facility.operating_status != Facility.OperatingStatus.OPERATING:
        problems.append(
            _("该项目要求机构正在运营；本机构运营状态为“%(status)s”。")
            % {"status": facility.get_operating_status_display()}
        )
    if program.requires_inclusive and not facility.is_inclusive:
        problems.append(_("该项目仅限普惠托育机构；本机构未登记为普惠机构。"))
    if program.allowed_kinds and facility.kind not in program.allowed_kinds:
        problems.append(
            _("该项目仅限以下机构类型：%(kinds)s；本机构为“%(kind)s”。")
            % {"kinds": listing(program.allowed_kind_labels), "kind": facility.get_kind_display()}
        )
    return problems


def figure_problems(
    program: Program, facility: Facility, start, end, figures: Figures
) -> dict[str, list[str]]:
    """Field by field: what the rule needs and what the facility record allows."""
    errors: dict[str, list[str]] = defaultdict(list)
    if start and end and start > end:
        errors["period_end"].append(_("补助期间止不能早于补助期间起。"))
    for name in Program.FIGURES[Basis(program.basis)]:
        value = getattr(figures, name)
        if value is None or value <= 0:
            errors[name].append(
                _("“%(rule)s”须填写%(figure)s（大于0）。")
                % {"rule": program.get_basis_display(), "figure": figure_label(name)}
            )
    if figures.months and start and end and start <= end:
        spanned = months_spanned(start, end)
        if figures.months > spanned:
            errors["months"].append(
                _("月数（%(months)s）不能超过补助期间所跨的月数（%(spanned)s）。")
                % {"months": figures.months, "spanned": spanned}
            )
    if figures.slots and program.basis == Basis.PER_SLOT:
        cap = facility.inclusive_slots if program.requires_inclusive else facility.total_slots
        label = _("普惠托位数") if program.requires_inclusive else _("登记托位数")
        if cap and figures.slots > cap:
            errors["slots"].append(
                _("申请托位数（%(slots)s）不能超过机构%(label)s（%(cap)s）。")
                % {"slots": figures.slots, "label": label, "cap": cap}
            )
    return dict(errors)


def overlapping_application(program: Program, facility: Facility, start, end, exclude_pk=None):
    """An open application of the same facility and program whose period overlaps [start, end]."""
    queryset = Application.objects.filter(
        program=program,
        facility=facility,
        status__in=Application.OPEN,
        period_start__lte=end,
        period_end__gte=start,
    )
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.order_by("period_start").first()


# ---------------------------------------------------------------- holds


def _supervision_hold_reasons(facility: Facility) -> list[str]:
    """Overdue serious inspection findings, when the supervision app offers them."""
    from django.apps import apps

    if not apps.is_installed("supervision"):
        return []
    try:
        from supervision import selectors as supervision_selectors
    except ImportError:
        return []
    if not hasattr(supervision_selectors, "payment_hold_reasons"):
        return []
    return [str(reason) for reason in supervision_selectors.payment_hold_reasons(facility) or []]


def payment_holds(facility: Facility) -> list[str]:
    """Reasons new payments to the facility are held (暂缓支付); empty when payments may go ahead."""
    reasons = []
    status = facility.operating_status
    if status in (Facility.OperatingStatus.SUSPENDED, Facility.OperatingStatus.CLOSED):
        since = (
            _("（自 %(date)s）") % {"date": facility.status_since.isoformat()}
            if facility.status_since
            else ""
        )
        label = _("机构已暂停运营") if status == Facility.OperatingStatus.SUSPENDED else _("机构已关停")
        reasons.append(f"{label}{since}")
    reasons.extend(_supervision_hold_reasons(facility))
    return reasons


# ---------------------------------------------------------------- applications and payments


def application_paid(application: Application) -> Decimal:
    return LedgerEntry.objects.filter(application=application).net()


@dataclass
class PaymentState:
    approved: Decimal | None
    paid: Decimal
    outstanding: Decimal
    holds: list[str]

    @property
    def fully_paid(self) -> bool:
        return self.approved is not None and self.outstanding <= 0


def payment_state(application: Application) -> PaymentState:
    paid = application_paid(application)
    approved = application.approved_amount if application.is_granted else None
    outstanding = (approved - paid) if approved is not None else ZERO
    return PaymentState(approved, paid, max(outstanding, ZERO), payment_holds(application.facility))


@dataclass(frozen=True)
class HistoryRow:
    when: datetime.datetime
    user: object
    status: str
    approved_amount: Decimal | None
    reason: str


def application_history(application: Application) -> list[HistoryRow]:
    """Every recorded state of the application (django-pghistory triggers), oldest first, with who acted."""
    import pghistory.models

    events = (
        pghistory.models.MiddlewareEvents.objects.tracks(application)
        .select_related("user")
        .order_by("pgh_created_at", "pgh_id")
    )
    rows = []
    for event in events:
        data = event.pgh_data
        amount = data.get("approved_amount")
        rows.append(
            HistoryRow(
                when=event.pgh_created_at,
                user=event.user,
                status=str(Application.Status(data["status"]).label),
                approved_amount=Decimal(str(amount)) if amount is not None else None,
                reason=data.get("decision_reason") or "",
            )
        )
    return rows


def with_paid(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.annotate(paid=Sum("ledger_entries__amount"))


def facility_paid_totals(ledger: QuerySet[LedgerEntry]) -> dict[int, Decimal]:
    """Net payments per facility. Aggregate disbursements have no facility and are never part of this."""
    rows = ledger.values("facility_id").annotate(total=Sum("amount"))
    return {row["facility_id"]: row["total"] or ZERO for row in rows}


# ---------------------------------------------------------------- fund execution


@dataclass
class FundExecution:
    fund: Fund
    allocated: Decimal
    paid: Decimal = ZERO  # ledger payments
    reversed: Decimal = ZERO  # ledger reversals, as a positive number
    aggregate: Decimal = ZERO  # reported aggregate disbursements tied to this fund
    committed: Decimal = ZERO  # approved amounts of granted applications (paid or not)

    @property
    def ledger_net(self) -> Decimal:
        return self.paid - self.reversed

    @property
    def obligated(self) -> Decimal:
        """Commitments plus reported disbursements: what the allocation must cover."""
        return self.committed + self.aggregate

    @property
    def uncommitted(self) -> Decimal:
        return self.allocated - self.obligated

    @property
    def disbursed(self) -> Decimal:
        return self.ledger_net + self.aggregate

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.disbursed

    @property
    def rate(self) -> Decimal | None:
        """Spending rate: disbursed / allocated (a fraction); None for a fund with nothing allocated."""
        if not self.allocated:
            return None
        return self.disbursed / self.allocated


def fund_execution(funds: Iterable[Fund] | QuerySet[Fund]) -> list[FundExecution]:
    """Allocated, disbursed (ledger + tied aggregates), remaining and spending rate per fund (two queries)."""
    funds = list(funds)
    ids = [f.pk for f in funds]
    ledger = defaultdict(lambda: {LedgerEntry.Kind.PAYMENT: ZERO, LedgerEntry.Kind.REVERSAL: ZERO})
    for row in (
        LedgerEntry.objects.filter(fund_id__in=ids).values("fund_id", "kind").annotate(total=Sum("amount"))
    ):
        ledger[row["fund_id"]][row["kind"]] = row["total"] or ZERO
    aggregates = dict(
        AggregateDisbursement.objects.filter(fund_id__in=ids)
        .values("fund_id")
        .annotate(total=Sum("amount"))
        .values_list("fund_id", "total")
    )
    committed = dict(
        Application.objects.filter(program__fund_id__in=ids, status__in=Application.GRANTED)
        .values("program__fund_id")
        .annotate(total=Sum("approved_amount"))
        .values_list("program__fund_id", "total")
    )
    return [
        FundExecution(
            fund=fund,
            allocated=fund.amount_allocated,
            paid=ledger[fund.pk][LedgerEntry.Kind.PAYMENT],
            reversed=-ledger[fund.pk][LedgerEntry.Kind.REVERSAL],
            aggregate=aggregates.get(fund.pk) or ZERO,
            committed=committed.get(fund.pk) or ZERO,
        )
        for fund in funds
    ]


def fund_committed(fund_id) -> Decimal:
    """What approvals have committed from the fund: the approved amounts of its programs' granted
    applications (paid or not; a payment draws on its commitment, it does not add to it)."""
    return (
        Application.objects.filter(program__fund_id=fund_id, status__in=Application.GRANTED).aggregate(
            t=Sum("approved_amount")
        )["t"]
        or ZERO
    )


def fund_reported(fund_id) -> Decimal:
    """Aggregate disbursements documents tie to the fund."""
    return AggregateDisbursement.objects.filter(fund_id=fund_id).aggregate(t=Sum("amount"))["t"] or ZERO


def fund_disbursed(fund: Fund) -> Decimal:
    """What has gone out of the fund: net ledger entries plus the aggregates tied to it."""
    return LedgerEntry.objects.filter(fund=fund).net() + (
        AggregateDisbursement.objects.filter(fund=fund).aggregate(t=Sum("amount"))["t"] or ZERO
    )


@dataclass
class ExecutionTotals:
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.disbursed

    @property
    def rate(self) -> Decimal | None:
        return self.disbursed / self.allocated if self.allocated else None


def execution_totals(rows: list[FundExecution]) -> ExecutionTotals:
    return ExecutionTotals(
        allocated=sum((r.allocated for r in rows), ZERO), disbursed=sum((r.disbursed for r in rows), ZERO)
    )


@dataclass
class ProgramLine:
    program: Program | None
    label: str
    ledger_net: Decimal = ZERO
    facilities: int = 0
    aggregate: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.ledger_net + self.aggregate


def fund_by_program(fund: Fund) -> list[ProgramLine]:
    """What each program has drawn from the fund: ledger (per facility) and tied aggregates."""
    lines: dict = {}
    for row in (
        LedgerEntry.objects.filter(fund=fund)
        .values("program_id")
        .annotate(total=Sum("amount"), facilities=Count("facility_id", distinct=True))
    ):
        lines[row["program_id"]] = ProgramLine(
            None, "", ledger_net=row["total"] or ZERO, facilities=row["facilities"]
        )
    for aggregate in AggregateDisbursement.objects.filter(fund=fund):
        key = aggregate.program_id or f"aggregate-{aggregate.pk}"
        line = lines.setdefault(key, ProgramLine(None, ""))
        line.aggregate += aggregate.amount
        if not aggregate.program_id:
            line.label = f"{aggregate.subject}（{_('汇总拨付，文件报告')}）"
    programs = Program.objects.in_bulk([k for k in lines if isinstance(k, int)])
    for key, line in lines.items():
        if isinstance(key, int):
            line.program = programs[key]
            line.label = str(programs[key])
    return sorted(lines.values(), key=lambda line: line.label)


@dataclass
class MonthLine:
    month: datetime.date | None  # None: aggregates reported without a date
    paid: Decimal = ZERO
    reversed: Decimal = ZERO
    aggregate: Decimal = ZERO
    cumulative: Decimal = ZERO
    cumulative_rate: Decimal | None = None

    @property
    def net(self) -> Decimal:
        return self.paid - self.reversed + self.aggregate


def fund_by_month(fund: Fund) -> list[MonthLine]:
    """Month by month: payments, reversals, dated aggregates, the cumulative total and spending rate.
    Aggregates the document reports without a date come first, as one undated line."""
    months: dict = defaultdict(lambda: MonthLine(None))
    for row in (
        LedgerEntry.objects.filter(fund=fund)
        .annotate(month=TruncMonth("entry_date"))
        .values("month", "kind")
        .annotate(total=Sum("amount"))
    ):
        line = months[row["month"]]
        if row["kind"] == LedgerEntry.Kind.PAYMENT:
            line.paid += row["total"]
        else:
            line.reversed -= row["total"]
    for aggregate in AggregateDisbursement.objects.filter(fund=fund):
        month = aggregate.paid_on.replace(day=1) if aggregate.paid_on else None
        months[month].aggregate += aggregate.amount
    ordered = sorted(months.items(), key=lambda item: (item[0] is not None, item[0] or datetime.date.min))
    cumulative = ZERO
    lines = []
    for month, line in ordered:
        line.month = month
        cumulative += line.net
        line.cumulative = cumulative
        line.cumulative_rate = cumulative / fund.amount_allocated if fund.amount_allocated else None
        lines.append(line)
    return lines


@dataclass
class PlanLine:
    """One month of a fund's plan against what happened, all cumulative to the end of the month."""

    month: datetime.date
    planned: Decimal | None  # None: no plan reaches this month yet
    committed: Decimal
    paid: Decimal

    @property
    def shortfall(self) -> Decimal | None:
        """How far payments trail the plan (0 when on or ahead of it); None without a plan."""
        if self.planned is None:
            return None
        return max(self.planned - self.paid, ZERO)


@dataclass
class FundPlan:
    lines: list[PlanLine]
    spend_by: datetime.date | None
    today: datetime.date
    # Payments dated after the deadline: only those booked before the deadline was entered (the ledger
    # refuses them since), shown rather than hidden.
    late_payments: int = 0

    @property
    def current(self) -> PlanLine | None:
        """The line of the current month (or the last one before it)."""
        past = [line for line in self.lines if line.month <= self.today]
        return past[-1] if past else None

    @property
    def has_plan(self) -> bool:
        return any(line.planned is not None for line in self.lines)

    @property
    def days_left(self) -> int | None:
        """Days from today to the spending deadline (0 on the day itself; negative once past)."""
        return (self.spend_by - self.today).days if self.spend_by else None

    @property
    def payments_closed(self) -> bool:
        """Past the spending deadline: the fund pays no more (services.payment_create and the ledger
        trigger `ledger_entry_dates` refuse it); reversals remain possible."""
        return bool(self.spend_by and self.today > self.spend_by)


def fund_plan(fund: Fund, today: datetime.date | None = None) -> FundPlan:
    """Plan vs committed vs paid, month by month from the first event to the later of today and the plan's
    last month. Committed counts an approval in the month it was decided; paid is the ledger's net payments
    plus dated aggregates (undated aggregates count from the first month). The plan is cumulative, so a
    month without a row carries the previous month's plan."""
    today = today or timezone.localdate()
    planned = dict(fund.plan.values_list("month", "planned_cumulative"))
    committed: dict = defaultdict(lambda: ZERO)
    for decided_at, amount in Application.objects.filter(
        program__fund=fund, status__in=Application.GRANTED
    ).values_list("decided_at", "approved_amount"):
        when = timezone.localtime(decided_at).date() if decided_at else today
        committed[month_start(when)] += amount
    paid: dict = defaultdict(lambda: ZERO)
    for row in (
        LedgerEntry.objects.filter(fund=fund)
        .annotate(month=TruncMonth("entry_date"))
        .values("month")
        .annotate(total=Sum("amount"))
    ):
        paid[row["month"]] += row["total"]
    undated = ZERO
    for aggregate in AggregateDisbursement.objects.filter(fund=fund):
        if aggregate.paid_on:
            paid[month_start(aggregate.paid_on)] += aggregate.amount
        else:
            undated += aggregate.amount
    late = (
        LedgerEntry.objects.filter(
            fund=fund, kind=LedgerEntry.Kind.PAYMENT, entry_date__gt=fund.spend_by
        ).count()
        if fund.spend_by
        else 0
    )
    months = set(planned) | set(committed) | set(paid)
    if not months:
        return FundPlan([], fund.spend_by, today, late)
    month, last = min(months), max(*months, month_start(today))
    lines, plan_so_far, committed_so_far, paid_so_far = [], None, ZERO, undated
    while month <= last:
        plan_so_far = planned.get(month, plan_so_far)
        committed_so_far += committed[month]
        paid_so_far += paid[month]
        lines.append(PlanLine(month, plan_so_far, committed_so_far, paid_so_far))
        month = next_month(month)
    return FundPlan(lines, fund.spend_by, today, late)


# ---------------------------------------------------------------- the ledger's hash chain


@dataclass
class ChainBreak:
    fund_id: int
    entry: LedgerEntry
    reason: str


@dataclass
class ChainReport:
    fund_id: int
    entries: int
    head: str  # the last entry's hash: recorded elsewhere, it also shows a removed last entry
    broken: ChainBreak | None = None


def ledger_chains() -> list[ChainReport]:
    """Recompute each fund's chain in order and stop at its first broken entry: a changed field (the hash
    no longer matches), a removed or inserted entry (the sequence or the link to the previous hash breaks),
    or an entry written around the trigger (no place in the chain)."""
    reports: dict[int, ChainReport] = {}
    previous: dict[int, LedgerEntry] = {}
    entries = LedgerEntry.objects.order_by("fund_id", F("seq").asc(nulls_last=True), "id")
    for entry in entries.iterator(chunk_size=2000):
        report = reports.setdefault(entry.fund_id, ChainReport(entry.fund_id, 0, ""))
        report.entries += 1
        if report.broken:
            continue
        before = previous.get(entry.fund_id)
        expected_seq = (before.seq + 1) if before else 1
        expected_prev = before.entry_hash if before else ""
        if entry.seq is None:
            reason = _("不在哈希链中（绕过触发器写入）")
        elif entry.seq != expected_seq:
            reason = _("序号应为 %(expected)s，实为 %(seq)s（前面的记账被删除或插入）") % {
                "expected": expected_seq,
                "seq": entry.seq,
            }
        elif entry.prev_hash != expected_prev:
            reason = _("与前一笔的哈希不衔接")
        elif entry.entry_hash != entry.chain_hash(entry.prev_hash):
            reason = _("内容与哈希不符（记账后被修改）")
        else:
            previous[entry.fund_id] = entry
            report.head = entry.entry_hash
            continue
        report.broken = ChainBreak(entry.fund_id, entry, reason)
    return list(reports.values())


# ---------------------------------------------------------------- subsidies by program, year and town


@dataclass
class SummaryLine:
    district: str
    year: int | None
    kind: str
    program: str
    ledger_net: Decimal = ZERO
    facilities: int = 0
    aggregate: Decimal = ZERO
    aggregate_recipients: int | None = None

    @property
    def total(self) -> Decimal:
        return self.ledger_net + self.aggregate


def by_program_year(
    ledger: QuerySet[LedgerEntry], aggregates: QuerySet[AggregateDisbursement]
) -> list[SummaryLine]:
    """Per district, program year, kind and program: ledger payments (per facility) beside the aggregates
    documents report (never split over facilities)."""
    lines: dict = {}
    for row in ledger.values(
        "program_id", "program__name", "program__year", "program__kind", "program__district__name"
    ).annotate(total=Sum("amount"), facilities=Count("facility_id", distinct=True)):
        lines[("program", row["program_id"])] = SummaryLine(
            row["program__district__name"],
            row["program__year"],
            str(Program.Kind(row["program__kind"]).label),
            row["program__name"],
            ledger_net=row["total"] or ZERO,
            facilities=row["facilities"],
        )
    for aggregate in aggregates.select_related("district", "program"):
        if aggregate.program_id:
            key = ("program", aggregate.program_id)
            line = lines.setdefault(
                key,
                SummaryLine(
                    aggregate.district.name,
                    aggregate.program.year,
                    aggregate.program.get_kind_display(),
                    aggregate.program.name,
                ),
            )
        else:
            key = ("aggregate", aggregate.pk)
            line = lines.setdefault(
                key,
                SummaryLine(
                    aggregate.district.name,
                    aggregate.year,
                    aggregate.get_program_kind_display(),
                    f"{aggregate.subject}（{_('汇总拨付，文件报告')}）",
                ),
            )
        line.aggregate += aggregate.amount
        if aggregate.recipients is not None:
            line.aggregate_recipients = (line.aggregate_recipients or 0) + aggregate.recipients
    return sorted(lines.values(), key=lambda x: (x.district, -(x.year or 0), x.kind, x.program))


@dataclass
class TownLine:
    district: str
    town: str
    year: int
    kind: str
    program: str
    facilities: int
    payments: int
    ledger_net: Decimal


def by_town(ledger: QuerySet[LedgerEntry]) -> list[TownLine]:
    """Per-facility payments only (aggregates have no town), per town, program year, kind and program."""
    rows = (
        ledger.values(
            "facility__district__name",
            "facility__town__name",
            "facility__town__sort_order",
            "program__year",
            "program__kind",
            "program__name",
        )
        .annotate(
            total=Sum("amount"),
            facilities=Count("facility_id", distinct=True),
            payments=Count("id", filter=Q(kind=LedgerEntry.Kind.PAYMENT)),
        )
        .order_by("facility__district__name", "facility__town__sort_order", "-program__year", "program__name")
    )
    return [
        TownLine(
            row["facility__district__name"],
            row["facility__town__name"] or _("（未填写镇街）"),
            row["program__year"],
            str(Program.Kind(row["program__kind"]).label),
            row["program__name"],
            row["facilities"],
            row["payments"],
            row["total"] or ZERO,
        )
        for row in rows
    ]


# ---------------------------------------------------------------- projects and milestones


@dataclass
class Timeline:
    project: Project
    milestones: list  # one per stage, in order; a stage without a row is None
    overdue: list[Milestone]
    current: str  # the furthest stage recorded as done, or “未知”

    @property
    def steps(self) -> list[tuple[str, Milestone | None]]:
        """(stage label, milestone or None) in stage order, for the timeline."""
        return [(str(stage.label), m) for stage, m in zip(Milestone.ORDER, self.milestones, strict=True)]

    @property
    def in_service(self) -> bool:
        last = self.milestones[-1]
        return bool(last and last.done)


def timeline(project: Project, today: datetime.date | None = None) -> Timeline:
    today = today or timezone.localdate()
    by_stage = {m.stage: m for m in project.milestones.all()}
    ordered = [by_stage.get(stage) for stage in Milestone.ORDER]
    done = [m for m in ordered if m and m.done]
    current = done[-1].get_stage_display() if done else _("未知")
    overdue = [m for m in ordered if m and m.is_overdue(today)]
    return Timeline(project, ordered, overdue, str(current))


def timelines(projects: QuerySet[Project], today: datetime.date | None = None) -> list[Timeline]:
    projects = projects.select_related("district", "town", "facility", "source").prefetch_related(
        "milestones", "funds"
    )
    return [timeline(p, today) for p in projects]


def overdue_milestones(
    projects: QuerySet[Project], today: datetime.date | None = None
) -> QuerySet[Milestone]:
    """Milestones whose planned date has passed without being recorded as done."""
    today = today or timezone.localdate()
    return (
        Milestone.objects.filter(project__in=projects, planned_date__lt=today)
        .exclude(done=True)
        .select_related("project")
    )


def not_in_service(
    queryset: QuerySet[Project] | None = None, *, as_of: datetime.date | None = None
) -> QuerySet[Project]:
    """Projects whose in-service milestone is not recorded as done and whose linked facility (if any) is not
    operating. With `as_of`, only those still expected: a project counts in the pipeline until its expected
    completion date (the in-service milestone's planned date) and not after it — a project past that date
    and not in service is overdue (the projects page flags it), not a place about to open. A project with
    no planned completion date stays in."""
    queryset = Project.objects.all() if queryset is None else queryset
    in_service = Milestone.objects.filter(project=OuterRef("pk"), stage=Milestone.Stage.IN_SERVICE, done=True)
    queryset = queryset.exclude(Exists(in_service)).filter(
        Q(facility__isnull=True) | ~Q(facility__operating_status=Facility.OperatingStatus.OPERATING)
    )
    if as_of is not None:
        past_due = Milestone.objects.filter(
            project=OuterRef("pk"), stage=Milestone.Stage.IN_SERVICE, planned_date__lt=as_of
        )
        queryset = queryset.exclude(Exists(past_due))
    return queryset


def pipeline_slots_by_town(
    district, *, skip_facilities_with_slots: bool = False, as_of: datetime.date | None = None
) -> dict[int | None, int]:
    """Planned slots of the district's projects not yet in service whose linked facility is absent or not
    operating, per town id (None: projects without a town). Unknown planned slots count as 0, and every town
    with such a project appears, so a zero means “projects, slots unknown”. With `as_of`, projects past
    their expected completion date are left out (`not_in_service`).

    planning's own pipeline already counts the recorded slots of planned / under-construction facilities;
    with `skip_facilities_with_slots=True` a project whose linked facility records slots of its own is left
    out, so a caller adding both never counts a place twice."""
    rows = pipeline_projects(district, skip_facilities_with_slots=skip_facilities_with_slots, as_of=as_of)
    return slots_by_town(rows)


def pipeline_projects(
    district, *, skip_facilities_with_slots: bool = False, as_of: datetime.date | None = None
) -> QuerySet:
    """pipeline_slots_by_town's projects as `.values("town_id", "planned_slots")` rows (to read together
    with other small reads, core.batch), summed per town by slots_by_town."""
    projects = not_in_service(Project.objects.filter(district=district), as_of=as_of)
    if skip_facilities_with_slots:
        projects = projects.exclude(facility__isnull=False, facility__total_slots__gt=0)
    return projects.order_by().values("town_id", "planned_slots")


def slots_by_town(rows) -> dict[int | None, int]:
    result: dict[int | None, int] = {}
    for row in rows:
        result[row["town_id"]] = result.get(row["town_id"], 0) + (row["planned_slots"] or 0)
    return result


def facilities_to_apply_for(user) -> QuerySet[Facility]:
    """The facilities whose applications the user may file: an operator's own (superusers: all real ones)."""
    official = Facility.objects.official()
    if access.unrestricted(user):
        return official
    return official.for_user(user, Action.EDIT).filter(pk__in=access.operated_facility_ids(user))


# ---------------------------------------------------------------- the claim beside the registry

# The monthly enrolment reports live in an app above this one (reporting/); it registers a reader here so
# the reviewer sees the reported enrolment without subsidies importing it (as planning.selectors does for
# the frozen quarter reports). A reader takes (facility, latest month) and returns {"month", "enrolled",
# "vacant"} of the facility's latest report in or before that month, or None when it has none.
EnrolmentReader = Callable[[Facility, datetime.date], "dict | None"]
_enrolment_readers: list[EnrolmentReader] = []


def register_enrolment_reader(reader: EnrolmentReader) -> None:
    if reader not in _enrolment_readers:
        _enrolment_readers.append(reader)


def reported_enrolment(facility: Facility, on: datetime.date) -> dict | None:
    for reader in _enrolment_readers:
        figures = reader(facility, on)
        if figures is not None:
            return figures
    return None


# A claim paid per child and month is checked month by month: a monthly reader takes (facility, first
# month, last month) and returns {month: {"enrolled", "attendance"}} for the months that have a report.
MonthlyEnrolmentReader = Callable[[Facility, datetime.date, datetime.date], dict]
_monthly_readers: list[MonthlyEnrolmentReader] = []


def register_monthly_enrolment_reader(reader: MonthlyEnrolmentReader) -> None:
    if reader not in _monthly_readers:
        _monthly_readers.append(reader)


def reported_months(facility: Facility, first: datetime.date, last: datetime.date) -> dict:
    months: dict = {}
    for reader in _monthly_readers:
        months = {**reader(facility, first, last), **months}
    return months


@dataclass(frozen=True)
class ClaimMonth:
    """One month of a per-child claim: the report's figure (None: no report, shown as missing) and the
    children it supports for the claim (the report's figure, never more than the children claimed)."""

    month: datetime.date
    reported: int | Decimal | None
    counted: int | Decimal

    @property
    def missing(self) -> bool:
        return self.reported is None


@dataclass(frozen=True)
class ReportedClaim:
    """A per-child claim (children × months × rate) beside the facility's monthly enrolment reports for
    the months of its period. `supported` is what the reports pay at the application's own rate: Σ over
    the reported months of min(reported, claimed children) × rate; a month without a report supports
    nothing (it is never filled in)."""

    figure: str  # Program.PerChildFigure
    children: int | None
    months_claimed: int | None
    rate: Decimal
    proposed: Decimal
    months: list[ClaimMonth]

    @property
    def figure_label(self) -> str:
        return str(Program.PerChildFigure(self.figure).label)

    @property
    def supported(self) -> Decimal:
        return money(sum((Decimal(m.counted) for m in self.months), Decimal(0)) * self.rate)

    @property
    def missing(self) -> list[datetime.date]:
        return [m.month for m in self.months if m.missing]

    @property
    def reported_count(self) -> int:
        return sum(1 for m in self.months if not m.missing)

    @property
    def above(self) -> bool:
        return self.proposed > self.supported


def claim_months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the months from `start`'s to `end`'s."""
    month, last, months = month_start(start), month_start(end), []
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def reported_claim(application: Application) -> ReportedClaim | None:
    """The per-child claim of `application` against the monthly reports of its period (None: the rule it
    was computed with does not pay per child)."""
    if application.rule_basis != Basis.PER_CHILD_MONTH:
        return None
    figure = application.program.per_child_figure
    key = "attendance" if figure == Program.PerChildFigure.ATTENDANCE else "enrolled"
    months = claim_months(application.period_start, application.period_end)
    reports = reported_months(application.facility, months[0], months[-1])
    claimed = application.children
    lines = []
    for month in months:
        value = reports.get(month, {}).get(key)
        counted = 0 if value is None else (value if claimed is None else min(value, claimed))
        lines.append(ClaimMonth(month, value, counted))
    return ReportedClaim(
        figure=figure,
        children=claimed,
        months_claimed=application.months,
        rate=application.rule_rate,
        proposed=application.proposed_amount,
        months=lines,
    )


@dataclass
class RegistryLine:
    """One claimed figure beside what the registry and the reports say. `above` flags a claim beyond the
    registry figure; `unknown` a claim the registry cannot confirm (no figure recorded). `suggested` is
    the amount the application's own rule gives with the registry figure instead of the claim."""

    key: str
    label: str
    claimed: str
    registry: str
    source: str
    above: bool = False
    unknown: bool = False
    suggested: Decimal | None = None


@dataclass
class RegistryCheck:
    lines: list[RegistryLine]
    open_findings: int
    overdue_findings: int
    serious_open: int
    findings_as_of: datetime.date
    reported: ReportedClaim | None = None  # a per-child claim month by month against the reports

    @property
    def flagged(self) -> int:
        return sum(1 for line in self.lines if line.above)


def _fmt_number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    return f"{value:,}"


def _suggest(application: Application, name: str, value) -> Decimal | None:
    """The amount the application's rule gives with `value` in place of the claimed `name`: offered only
    when it is positive and below the proposal (a reduction)."""
    if not value or value <= 0:
        return None
    figures = Figures(application.area_m2, application.months, application.slots, application.children)
    figures = Figures(**{**figures.__dict__, name: value})
    amount = propose(application.rule_basis, application.rule_rate, figures).amount
    if amount is None or amount <= 0 or amount >= application.proposed_amount:
        return None
    return amount


def registry_check(application: Application, today: datetime.date | None = None) -> RegistryCheck:
    """What the reviewer compares the claim with: the facility's registered indoor area, its approved slots
    (inclusive slots for a program limited to inclusive facilities), the enrolment of its latest monthly
    report in or before the period's last month (else the registry's enrolled count), its inclusive status,
    and its unresolved inspection findings."""
    from supervision.models import Finding

    today = today or timezone.localdate()
    facility = application.facility
    program = application.program
    lines: list[RegistryLine] = []

    area = facility.indoor_area_m2
    if application.area_m2 is not None:
        lines.append(
            RegistryLine(
                "area_m2",
                str(_("面积（㎡）")),
                _fmt_number(application.area_m2),
                _fmt_number(area),
                str(_("机构登记的室内面积")),
                above=area is not None and application.area_m2 > area,
                unknown=area is None,
                suggested=_suggest(application, "area_m2", area)
                if area is not None and application.area_m2 > area
                else None,
            )
        )

    inclusive_only = program.requires_inclusive
    slots = facility.inclusive_slots if inclusive_only else facility.total_slots
    slot_label = _("登记的普惠托位数") if inclusive_only else _("登记的托位总数（按班级核定）")
    if application.slots is not None or application.rule_basis == Basis.PER_SLOT:
        claimed = application.slots
        lines.append(
            RegistryLine(
                "slots",
                str(_("托位数")),
                _fmt_number(claimed),
                _fmt_number(slots),
                str(slot_label),
                above=claimed is not None and claimed > slots,
                suggested=_suggest(application, "slots", slots) if claimed and claimed > slots else None,
            )
        )
    else:
        lines.append(RegistryLine("slots", str(_("托位数")), "—", _fmt_number(slots), str(slot_label)))

    report = reported_enrolment(facility, min(application.period_end, today))
    if report is not None:
        enrolled = report["enrolled"]
        source = _("%(month)s 月报的在托人数") % {"month": report["month"].strftime("%Y-%m")}
    else:
        enrolled = facility.enrolled_children
        source = _("机构登记的在托人数（无月报）")
    claimed = application.children
    lines.append(
        RegistryLine(
            "children",
            str(_("在托人数")),
            _fmt_number(claimed),
            _fmt_number(enrolled),
            str(source),
            above=claimed is not None and enrolled is not None and claimed > enrolled,
            unknown=claimed is not None and enrolled is None,
            suggested=_suggest(application, "children", enrolled)
            if claimed is not None and enrolled is not None and claimed > enrolled
            else None,
        )
    )

    reported = reported_claim(application)
    if reported is not None:
        supported = reported.supported
        if reported.missing:
            source = _("%(first)s 至 %(last)s 各月月报的%(figure)s（缺 %(n)s 个月，按 0 计）") % {
                "first": reported.months[0].month.strftime("%Y-%m"),
                "last": reported.months[-1].month.strftime("%Y-%m"),
                "figure": reported.figure_label,
                "n": len(reported.missing),
            }
        else:
            source = _("%(first)s 至 %(last)s 各月月报的%(figure)s") % {
                "first": reported.months[0].month.strftime("%Y-%m"),
                "last": reported.months[-1].month.strftime("%Y-%m"),
                "figure": reported.figure_label,
            }
        lines.append(
            RegistryLine(
                "reported_months",
                str(_("按月报核算金额（元）")),
                f"{application.proposed_amount:,.2f}",
                f"{supported:,.2f}",
                str(source),
                above=reported.above,
                suggested=supported if reported.above and supported > 0 else None,
            )
        )

    lines.append(
        RegistryLine(
            "inclusive",
            str(_("普惠机构")),
            str(_("须为普惠机构")) if inclusive_only else "—",
            str(_("是")) if facility.is_inclusive else str(_("否")),
            str(_("机构登记")),
            above=inclusive_only and not facility.is_inclusive,
        )
    )

    findings = Finding.objects.filter(facility=facility).unresolved()
    return RegistryCheck(
        lines=lines,
        open_findings=findings.count(),
        overdue_findings=Finding.objects.filter(facility=facility).overdue(today).count(),
        serious_open=findings.filter(severity=Finding.Severity.SERIOUS).count(),
        findings_as_of=today,
        reported=reported,
    )
