"""Writes and workflows of subsidies: apply, withdraw, decide, pay, reverse. Views, the admin and commands
call these; nothing else writes applications or the ledger.

Every function is keyword-only, takes the acting user, checks permission through core.access (`may_apply`,
`may_decide` below) and runs in one transaction. Refusals raise SubsidyError (a
core.errors.ServiceError, so every view and the API handle them alike; NotAllowed is also core's NotAllowed)
with a message for the user; nothing is written then.

Concurrency: deciding locks the application row and, for an approval, the fund row before reading what
the fund has committed, so two approvals racing for the last money of a fund are serialised. Paying locks
the application and then the fund row (SELECT … FOR UPDATE) before reading what is owed and the fund's
balance, so a double-posted form queues behind the first post and then finds its voucher already recorded.
Reversals lock the fund too, so execution figures read under the lock are always whole. The database holds
the same lines (see subsidies.models): these checks give the readable message, the triggers the guarantee.

Maker-checker (PaymentControls, per district): the approver of an application does not pay it, and the
payer of a payment does not reverse it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import Action, can, is_operator_of, unrestricted
from core.errors import Conflict, ServiceError
from core.errors import NotAllowed as CoreNotAllowed
from core.formatting import listing
from core.months import month_start, next_month
from core.versioning import StaleVersion
from facilities.models import Facility
from subsidies import selectors
from subsidies.models import (
    Application,
    Fund,
    FundPlanMonth,
    LedgerEntry,
    PaymentControls,
    Program,
    ProgramRule,
)


class SubsidyError(ServiceError):
    pass


class NotAllowed(SubsidyError, CoreNotAllowed):
    """A subsidy refusal of who may act: 403 in the API, as every core NotAllowed."""


class PaymentHeld(SubsidyError):
    code = "payment_held"

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(_("暂缓支付：%(reasons)s") % {"reasons": "；".join(reasons)})


class InsufficientBalance(SubsidyError):
    code = "insufficient_balance"


class DuplicateVoucher(SubsidyError):
    """The voucher is already in the fund's ledger: a repeated post of the same payment, refused."""

    code = "duplicate_voucher"

    def __init__(self, existing: LedgerEntry):
        self.existing = existing
        message = _("凭证号“%(reference)s”已于 %(date)s 记账（%(amount)s 元），本次提交未重复记账。") % {
            "reference": existing.reference,
            "date": existing.entry_date.isoformat(),
            "amount": f"{existing.amount:,.2f}",
        }
        super().__init__(message, {"reference": [message]})


class MakerChecker(NotAllowed):
    code = "maker_checker"


def _database_refusal(error: IntegrityError) -> str:
    """The message of a trigger's refusal, for a race the service's own checks lost."""
    diag = getattr(error.__cause__, "diag", None)
    return str((diag and diag.message_primary) or error)


class Decision:
    APPROVE = "approve"
    REDUCE = "reduce"
    REJECT = "reject"

    CHOICES = [
        (APPROVE, gettext_lazy("批准")),
        (REDUCE, gettext_lazy("核减")),
        (REJECT, gettext_lazy("驳回")),
    ]


def _full_clean(obj) -> None:
    """Model rules as a SubsidyError naming the fields (the forms show them beside the inputs)."""
    try:
        obj.full_clean()
    except ValidationError as error:
        errors = {
            ("reason" if field == "decision_reason" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
        raise SubsidyError("；".join(error.messages), errors) from error


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise SubsidyError(_("金额须为数字。"), {"amount": [_("金额须为数字。")]}) from None
    if not amount.is_finite():
        raise SubsidyError(_("金额须为数字。"), {"amount": [_("金额须为数字。")]})
    if amount != amount.quantize(selectors.CENT):
        raise SubsidyError(_("金额最多保留两位小数。"), {"amount": [_("金额最多保留两位小数。")]})
    return amount


# ---------------------------------------------------------------- applications


def may_decide(user, facility: Facility) -> bool:
    """Approve, reduce, reject, pay and reverse: reviewers of the facility's district, never its operator."""
    return can(user, Action.REVIEW, facility) and not is_operator_of(user, facility)


def may_apply(user, facility: Facility) -> bool:
    """Operators apply for their own facilities (superusers may file on an operator's behalf)."""
    return unrestricted(user) or (is_operator_of(user, facility) and can(user, Action.EDIT, facility))


@transaction.atomic
def application_submit(
    *,
    user,
    facility: Facility,
    program: Program,
    period_start: datetime.date,
    period_end: datetime.date,
    area_m2: Decimal | None = None,
    months: int | None = None,
    slots: int | None = None,
    children: int | None = None,
    note: str = "",
) -> Application:
    """An operator applies for one of their facilities. Eligibility and the rule's figures are checked; the
    rule's proposal is stored with the rule it came from."""
    if not may_apply(user, facility):
        raise NotAllowed(_("只有本机构的填报人可以为本机构申请补助。"))
    # Serialise applications of one facility, so the overlap check below cannot race.
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    # The program's row is shared-locked: its rule cannot change while this application is computed.
    program = Program.objects.select_for_update(of=("self",)).select_related("district").get(pk=program.pk)

    problems = selectors.eligibility_problems(program, facility)
    if problems:
        raise SubsidyError(" ".join(problems), {"program": problems})
    errors = selectors.rule_problems(program, period_start, period_end)
    if errors:
        raise SubsidyError(_("请按提示修改申请。"), errors)
    # The rule in force on the period's first day computes the application (and is kept on it).
    in_force = selectors.rule_in_force(program, period_start)
    ruled = in_force.applied()
    figures = selectors.Figures(area_m2=area_m2, months=months, slots=slots, children=children)
    errors = selectors.figure_problems(ruled, facility, period_start, period_end, figures)
    if errors:
        raise SubsidyError(_("请按提示修改申请。"), errors)
    overlap = selectors.overlapping_application(program, facility, period_start, period_end)
    if overlap:
        message = _("本机构已有该项目 %(start)s 至 %(end)s 的申请（#%(pk)s，%(status)s），期间不能重叠。") % {
            "start": overlap.period_start.isoformat(),
            "end": overlap.period_end.isoformat(),
            "pk": overlap.pk,
            "status": overlap.get_status_display(),
        }
        raise SubsidyError(message, {"period_start": [message]})

    proposal = selectors.propose_for_program(ruled, figures)
    needed = Program.FIGURES[Program.Basis(ruled.basis)]
    application = Application(
        program=program,
        facility=facility,
        period_start=period_start,
        period_end=period_end,
        # Only the figures the rule uses are kept, so the stored proposal can always be recomputed.
        area_m2=area_m2 if "area_m2" in needed else None,
        months=months if "months" in needed else None,
        slots=slots if "slots" in needed else None,
        children=children if "children" in needed else None,
        note=note.strip(),
        rule_basis=ruled.basis,
        rule_rate=ruled.rate,
        rule=in_force.rule,
        program_version=program.version,
        proposed_amount=proposal.amount,
        submitted_by=user,
    )
    _full_clean(application)
    application.save()
    return application


@transaction.atomic
def application_withdraw(*, user, application: Application) -> Application:
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if not may_apply(user, application.facility):
        raise NotAllowed(_("只有本机构的填报人可以撤回申请。"))
    if application.status != Application.Status.SUBMITTED:
        raise SubsidyError(_("只能撤回待审核的申请。"))
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    return application


@transaction.atomic
def application_decide(
    *, user, application: Application, decision: str, amount=None, reason: str = ""
) -> Application:
    """Approve (at the proposed amount, or another amount with a written reason), reduce (a lower amount with
    a reason) or reject (with a reason). Operators never decide, not even on another official's behalf."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("facility", "program")
        .get(pk=application.pk)
    )
    if not may_decide(user, application.facility):
        raise NotAllowed(_("只有机构所在区县的区级管理员可以审核补助申请；机构填报人不能审核。"))
    if application.status != Application.Status.SUBMITTED:
        raise SubsidyError(
            _("该申请已处理（%(status)s），不能再次审核。") % {"status": application.get_status_display()}
        )
    reason = (reason or "").strip()
    amount = _amount(amount)
    proposed = application.proposed_amount

    if decision == Decision.REJECT:
        if not reason:
            raise SubsidyError(_("驳回须写明理由。"), {"reason": [_("驳回须写明理由。")]})
        application.status = Application.Status.REJECTED
        application.approved_amount = None
    elif decision in (Decision.APPROVE, Decision.REDUCE):
        if decision == Decision.REDUCE and amount is None:
            raise SubsidyError(_("核减须填写核定金额。"), {"amount": [_("核减须填写核定金额。")]})
        amount = proposed if amount is None else amount
        if amount < 0:
            raise SubsidyError(_("核定金额不能为负数。"), {"amount": [_("核定金额不能为负数。")]})
        if decision == Decision.REDUCE and amount >= proposed:
            message = _("核减后的金额须低于按规则测算的 %(proposed)s 元。") % {"proposed": f"{proposed:,.2f}"}
            raise SubsidyError(message, {"amount": [message]})
        if amount != proposed and not reason:
            message = _("核定金额（%(amount)s 元）与按规则测算的 %(proposed)s 元不同，须写明理由。") % {
                "amount": f"{amount:,.2f}",
                "proposed": f"{proposed:,.2f}",
            }
            raise SubsidyError(message, {"reason": [message]})
        if amount == 0:
            raise SubsidyError(
                _("核定金额为0时请驳回申请并写明理由。"),
                {"amount": [_("核定金额为0时请驳回申请并写明理由。")]},
            )
        _check_commitment(application, amount)
        application.approved_amount = amount
        application.status = Application.Status.REDUCED if amount < proposed else Application.Status.APPROVED
    else:
        raise SubsidyError(_("未知的审核决定。"))

    application.decision_reason = reason
    application.decided_by = user
    application.decided_at = timezone.now()
    _full_clean(application)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:  # the fund's trigger: only when the check above was bypassed
        raise InsufficientBalance(
            _("资金承诺超出下达金额，未批准。"), {"amount": [_database_refusal(error)]}
        ) from error
    return application


def _check_commitment(application: Application, amount: Decimal) -> None:
    """An approval commits `amount` from the program's fund: refused beyond what is not yet committed.
    The fund row is locked first, so the figures cannot move until this transaction ends."""
    fund_id = application.program.fund_id
    if fund_id is None:
        return  # nothing can be paid before the program names its fund; the commitment starts then
    fund = Fund.objects.select_for_update().get(pk=fund_id)
    obligated = selectors.fund_committed(fund_id) + selectors.fund_reported(fund_id)
    free = fund.amount_allocated - obligated
    if amount > free:
        message = _(
            "资金“%(fund)s”可承诺余额不足：下达 %(allocated)s 元，已承诺和已拨付 %(obligated)s 元，"
            "尚可承诺 %(free)s 元，本次核定 %(amount)s 元。"
        ) % {
            "fund": fund.name,
            "allocated": f"{fund.amount_allocated:,.2f}",
            "obligated": f"{obligated:,.2f}",
            "free": f"{max(free, Decimal(0)):,.2f}",
            "amount": f"{amount:,.2f}",
        }
        raise InsufficientBalance(message, {"amount": [message]})


# ---------------------------------------------------------------- the ledger


@transaction.atomic
def payment_create(
    *,
    user,
    application: Application,
    reference: str,
    amount=None,
    entry_date: datetime.date | None = None,
    note: str = "",
) -> LedgerEntry:
    """Pay (part of) an approved amount from the program's fund. Refused while the facility's payments are
    held, beyond the amount still owed, or beyond the fund's remaining balance (read under a row lock)."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("facility", "program", "program__fund")
        .get(pk=application.pk)
    )
    facility = application.facility
    if not may_decide(user, facility):
        raise NotAllowed(_("只有机构所在区县的区级管理员可以支付；机构填报人不能支付。"))
    if not application.is_granted:
        raise SubsidyError(_("只有已批准的申请可以支付。"))
    if application.decided_by_id == user.pk and PaymentControls.maker_checker_on(facility.district_id):
        raise MakerChecker(
            _("本区县实行审批与支付分离：审核该申请的人不能支付该申请，请由另一位管理员支付。")
        )
    holds = selectors.payment_holds(facility)
    if holds:
        raise PaymentHeld(holds)
    program = application.program
    if program.fund_id is None:
        raise SubsidyError(_("该补助项目尚未指定资金来源，不能支付；请先在项目中指定资金。"))
    reference = (reference or "").strip()
    if not reference:
        raise SubsidyError(_("请填写支付凭证号。"), {"reference": [_("请填写支付凭证号。")]})
    entry_date = entry_date or timezone.localdate()
    if entry_date > timezone.localdate():
        raise SubsidyError(_("记账日期不能晚于今天。"), {"entry_date": [_("记账日期不能晚于今天。")]})
    if program.payable_by and entry_date > program.payable_by:
        message = _("该补助项目的兑现期限为 %(date)s，此后不能再支付。") % {
            "date": program.payable_by.isoformat()
        }
        raise SubsidyError(message, {"entry_date": [message]})
    if program.fund.payments_closed(entry_date):
        message = _("资金“%(fund)s”的支出期限为 %(date)s，此后不能再从该资金支付（冲销仍可办理）。") % {
            "fund": program.fund.name,
            "date": program.fund.spend_by.isoformat(),
        }
        raise SubsidyError(message, {"entry_date": [message]})
    approved_on = timezone.localtime(application.decided_at).date() if application.decided_at else None
    if approved_on and entry_date < approved_on:
        message = _("记账日期不能早于批准日期（%(date)s）。") % {"date": approved_on.isoformat()}
        raise SubsidyError(message, {"entry_date": [message]})
    # A repeated post (a double click, a resubmitted form) queued on the application lock above and
    # finds the first post's entry here.
    existing = LedgerEntry.objects.filter(fund_id=program.fund_id, reference=reference).first()
    if existing:
        raise DuplicateVoucher(existing)

    outstanding = application.approved_amount - selectors.application_paid(application)
    amount = _amount(amount)
    amount = outstanding if amount is None else amount
    if amount <= 0:
        if outstanding <= 0:
            raise SubsidyError(_("该申请的核定金额已全部支付。"))
        raise SubsidyError(_("支付金额须大于0。"), {"amount": [_("支付金额须大于0。")]})
    if amount > outstanding:
        message = _("支付金额（%(amount)s 元）超过尚未支付的核定金额（%(outstanding)s 元）。") % {
            "amount": f"{amount:,.2f}",
            "outstanding": f"{outstanding:,.2f}",
        }
        raise SubsidyError(message, {"amount": [message]})

    # The lock: a concurrent payment from the same fund waits here until this transaction ends.
    fund = Fund.objects.select_for_update().get(pk=program.fund_id)
    remaining = fund.amount_allocated - selectors.fund_disbursed(fund)
    if amount > remaining:
        message = _("资金“%(fund)s”余额不足：余额 %(remaining)s 元，本次支付 %(amount)s 元。") % {
            "fund": fund.name,
            "remaining": f"{remaining:,.2f}",
            "amount": f"{amount:,.2f}",
        }
        raise InsufficientBalance(message, {"amount": [message]})

    entry = LedgerEntry(
        entry_date=entry_date,
        facility=facility,
        program=program,
        fund=fund,
        application=application,
        amount=amount,
        kind=LedgerEntry.Kind.PAYMENT,
        reference=reference,
        note=(note or "").strip(),
        created_by=user,
    )
    _full_clean(entry)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as error:  # the same voucher from another application's payment, at the same time
        existing = LedgerEntry.objects.filter(fund_id=fund.pk, reference=reference).first()
        if existing:
            raise DuplicateVoucher(existing) from error
        raise SubsidyError(_database_refusal(error)) from error
    return entry


@transaction.atomic
def payment_reverse(
    *, user, entry: LedgerEntry, reason: str, reference: str = "", entry_date: datetime.date | None = None
) -> LedgerEntry:
    """Reverse a payment in full with a reason: a new entry of the opposite amount. The payment stays."""
    original = LedgerEntry.objects.select_related("facility").get(pk=entry.pk)
    if not may_decide(user, original.facility):
        raise NotAllowed(_("只有机构所在区县的区级管理员可以冲销支付。"))
    if original.kind != LedgerEntry.Kind.PAYMENT:
        raise SubsidyError(_("只能冲销支付记录，不能冲销冲销记录。"))
    if original.created_by_id == user.pk and PaymentControls.maker_checker_on(original.facility.district_id):
        raise MakerChecker(_("本区县实行审批与支付分离：支付人不能冲销自己的支付，请由另一位管理员冲销。"))
    reason = (reason or "").strip()
    if not reason:
        raise SubsidyError(_("冲销须写明原因。"), {"reason": [_("冲销须写明原因。")]})
    entry_date = entry_date or timezone.localdate()
    if entry_date > timezone.localdate():
        raise SubsidyError(_("记账日期不能晚于今天。"), {"entry_date": [_("记账日期不能晚于今天。")]})
    if entry_date < original.entry_date:
        raise SubsidyError(
            _("冲销的记账日期不能早于被冲销支付的日期（%(date)s）。")
            % {"date": original.entry_date.isoformat()},
            {"entry_date": [_("冲销日期不能早于原支付日期。")]},
        )
    Fund.objects.select_for_update().get(pk=original.fund_id)
    if LedgerEntry.objects.filter(reversal_of=original).exists():
        raise SubsidyError(_("该支付已被冲销。"))
    reference = (reference or "").strip() or _("冲销 %(reference)s") % {"reference": original.reference}
    existing = LedgerEntry.objects.filter(fund_id=original.fund_id, reference=reference).first()
    if existing:
        raise DuplicateVoucher(existing)
    reversal = LedgerEntry(
        entry_date=entry_date,
        facility_id=original.facility_id,
        program_id=original.program_id,
        fund_id=original.fund_id,
        application_id=original.application_id,
        amount=-original.amount,
        kind=LedgerEntry.Kind.REVERSAL,
        reversal_of=original,
        reference=reference,
        note=reason,
        created_by=user,
    )
    _full_clean(reversal)
    try:
        with transaction.atomic():
            reversal.save()
    except IntegrityError as error:  # a concurrent reversal of the same payment won
        raise SubsidyError(_("该支付已被冲销。")) from error
    return reversal


# ---------------------------------------------------------------- rules on pages: programs, rates, funds


def may_manage(user, district) -> bool:
    """A district's programs, funds and payment controls: its district officials (and superusers)."""
    return district is not None and can(user, Action.MANAGE, district)


PROGRAM_FIELDS = (
    "district",
    "year",
    "kind",
    "name",
    "fund",
    "basis",
    "rate",
    "per_child_figure",
    "requires_filed",
    "requires_operating",
    "requires_inclusive",
    "allowed_kinds",
    "accepting_applications",
    "payable_text",
    "payable_by",
    "effective_from",
    "effective_to",
    "notes",
    "source",
)
# Once a program has applications, these change only through a dated rate change (ProgramRule): an edit
# in place would recompute nothing already submitted but would silently rewrite what "the rule" was.
RULE_FIELDS = ("basis", "rate", "year", "district")


@transaction.atomic
def program_save(*, user, program: Program | None = None, version: int | None = None, **data) -> Program:
    """Create or edit a district's program. The rule itself (basis, rate) changes in place only while no
    application uses it; afterwards a change is a ProgramRule from a date. The effective dates must still
    cover every open or decided application's period."""
    creating = program is None
    if creating:
        program = Program()
    else:
        program = Program.objects.select_for_update(of=("self",)).get(pk=program.pk)
        if not may_manage(user, program.district):
            raise NotAllowed(_("只有本区卫健委可以修改本区的补助项目。"))
        if version is not None:
            program.version = version
    district = data.get("district", program.district if not creating else None)
    if not may_manage(user, district):
        raise NotAllowed(_("只有本区卫健委可以设立本区的补助项目。"))
    applications = (
        Application.objects.filter(program_id=program.pk).exclude(status=Application.Status.WITHDRAWN)
        if not creating
        else Application.objects.none()
    )
    errors: dict[str, list[str]] = {}
    if applications.exists():
        for name in RULE_FIELDS:
            if name in data and _value(data[name]) != _value(getattr(program, name)):
                errors[name] = [
                    _("该项目已有申请，%(field)s不能直接修改；请添加自某日起生效的标准调整。")
                    % {"field": Program._meta.get_field(name).verbose_name}
                ]
    for name in PROGRAM_FIELDS:
        if name in data:
            setattr(program, name, data[name])
    program.allowed_kinds = program.allowed_kinds or []
    if errors:
        raise SubsidyError(_("请修正标出的问题后再保存。"), errors)
    outside = applications.filter(
        models.Q(period_start__lt=program.starts) | models.Q(period_end__gt=program.ends)
    ).first()
    if outside:
        message = _("申请 #%(pk)s 的期间（%(start)s 至 %(end)s）在新的有效期之外，不能这样修改。") % {
            "pk": outside.pk,
            "start": outside.period_start.isoformat(),
            "end": outside.period_end.isoformat(),
        }
        raise SubsidyError(message, {"effective_from": [message]})
    _full_clean(program)
    try:
        with transaction.atomic():
            program.save()
    except IntegrityError as error:
        raise SubsidyError(_database_refusal(error), {"fund": [_database_refusal(error)]}) from error
    return program


def _value(value):
    return getattr(value, "pk", value)


@transaction.atomic
def program_rule_save(
    *,
    user,
    program: Program,
    rule: ProgramRule | None = None,
    basis: str,
    rate: Decimal,
    effective_from: datetime.date,
    effective_to: datetime.date | None = None,
    note: str = "",
    version: int | None = None,
) -> ProgramRule:
    """A change of the program's rate from a date (or an edit of one). A rule an application was computed
    with keeps its basis, rate and start; it may only be closed at a date after its applications' periods.
    Decided applications never change: they keep the amounts they were decided at."""
    program = Program.objects.select_for_update(of=("self",)).select_related("district").get(pk=program.pk)
    if not may_manage(user, program.district):
        raise NotAllowed(_("只有本区卫健委可以调整本区补助项目的标准。"))
    if rule is None:
        rule = ProgramRule(program=program)
    else:
        rule = ProgramRule.objects.select_for_update().get(pk=rule.pk, program=program)
        if version is not None:
            rule.version = version
        used = rule.applications.exclude(status=Application.Status.WITHDRAWN)
        if used.exists():
            changed = (
                basis != rule.basis or Decimal(rate) != rule.rate or effective_from != rule.effective_from
            )
            if changed:
                message = _(
                    "已有申请按此标准计算，计算方式、标准和生效日期不能修改；可以设定失效日期后另加调整。"
                )
                raise SubsidyError(message, {"rate": [message]})
            last = used.order_by("-period_start").first()
            if effective_to is not None and last.period_start > effective_to:
                message = _("申请 #%(pk)s 按此标准计算（期间自 %(date)s 起），失效日期不能早于该日。") % {
                    "pk": last.pk,
                    "date": last.period_start.isoformat(),
                }
                raise SubsidyError(message, {"effective_to": [message]})
    rule.basis, rule.rate = basis, rate
    rule.effective_from, rule.effective_to = effective_from, effective_to
    rule.note = (note or "").strip()
    if not rule.note:
        message = _("请写明调整依据（文件、会议纪要等）。")
        raise SubsidyError(message, {"note": [message]})
    _full_clean(rule)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as error:  # the overlap trigger, for a race the check above lost
        raise SubsidyError(
            _database_refusal(error), {"effective_from": [_database_refusal(error)]}
        ) from error
    return rule


FUND_FIELDS = (
    "source_level",
    "name",
    "district",
    "year",
    "amount_allocated",
    "purpose",
    "spend_by",
    "source",
    "notes",
)


@transaction.atomic
def fund_save(*, user, fund: Fund | None = None, version: int | None = None, **data) -> Fund:
    """Create or edit a district's fund. The allocation never goes below what is committed and reported
    as spent (read under the fund's row lock; the trigger fund_covers_commitments holds the same line)."""
    if fund is None:
        fund = Fund()
    else:
        fund = Fund.objects.select_for_update().get(pk=fund.pk)
        if not may_manage(user, fund.district):
            raise NotAllowed(_("只有本区卫健委可以修改本区的资金。"))
        if version is not None:
            fund.version = version
        moved = "district" in data and _value(data["district"]) != fund.district_id
        if moved and (fund.programs.exists() or fund.ledger_entries.exists()):
            message = _("该资金已有补助项目或支付记录，不能改到其他区县。")
            raise SubsidyError(message, {"district": [message]})
    district = data.get("district", fund.district if fund.pk else None)
    if not may_manage(user, district):
        raise NotAllowed(_("只有本区卫健委可以登记本区的资金。"))
    for name in FUND_FIELDS:
        if name in data:
            setattr(fund, name, data[name])
    _full_clean(fund)
    try:
        with transaction.atomic():
            fund.save()
    except IntegrityError as error:
        message = _database_refusal(error)
        raise SubsidyError(message, {"amount_allocated": [message]}) from error
    return fund


# ---------------------------------------------------------------- a fund's monthly spending plan

# The longest plan the page offers (a fund with a far deadline still gets a form of reasonable size).
PLAN_MAX_MONTHS = 60


def fund_plan_months(fund: Fund) -> list[datetime.date]:
    """The months a fund's plan form shows: from its allocation (the source document's date, else January
    of the fund's year) to its spending deadline (else 12 months), plus any month already planned outside
    that span, so that nothing stored is hidden."""
    issued = fund.source.issued_on if fund.source_id and fund.source.issued_on else None
    start = month_start(issued) if issued else datetime.date(fund.year, 1, 1)
    months, month = [], start
    end = month_start(fund.spend_by) if fund.spend_by else None
    while len(months) < PLAN_MAX_MONTHS and (month <= end if end else len(months) < 12):
        months.append(month)
        month = next_month(month)
    months = months or [start]
    stored = set(FundPlanMonth.objects.filter(fund_id=fund.pk).values_list("month", flat=True))
    return sorted(set(months) | stored)


class PlanChanged(SubsidyError, Conflict):
    """The plan changed since the form was read: the months that changed, each with what it is now."""

    code = "conflict"


@transaction.atomic
def fund_plan_save(
    *,
    user,
    fund: Fund,
    months: list[tuple[datetime.date, Decimal | None, int | None]],
) -> list[FundPlanMonth]:
    """A fund's monthly plan, all months at once: (month, planned cumulative amount or None for no plan
    that month, version of the row the user read or None if it had none). The amounts must not be
    negative, never go down from one planned month to the next, and the last stays within the allocation.
    Any month changed by someone else since it was read refuses the whole save (PlanChanged, with what
    each such month is now); any other error refuses it too. Nothing is written then."""
    fund = Fund.objects.select_for_update().get(pk=fund.pk)  # one plan edit of a fund at a time
    if not may_manage(user, fund.district):
        raise NotAllowed(_("只有本区卫健委可以修改本区资金的支出计划。"))
    stored = {row.month: row for row in FundPlanMonth.objects.select_for_update().filter(fund=fund)}
    submitted: dict[datetime.date, tuple[Decimal | None, int | None]] = {}
    errors: dict[str, list[str]] = {}
    for month, amount, version in months:
        month = month_start(month)
        submitted[month] = (amount, version)
        if amount is not None and amount < 0:
            errors.setdefault(month.isoformat(), []).append(_("计划金额不能为负数。"))

    changed: dict[str, list[str]] = {}
    for month, (_amount, version) in submitted.items():
        row = stored.get(month)
        if row is None and version is not None:
            changed[month.isoformat()] = [_("该月计划已被他人删除。")]
        elif row is not None and version is None:
            changed[month.isoformat()] = [
                _("该月计划已由他人录入：%(amount)s 元。") % {"amount": f"{row.planned_cumulative:,.2f}"}
            ]
        elif row is not None and row.version != version:
            lines = StaleVersion(row, version).change_lines()
            changed[month.isoformat()] = lines or [
                _("该月计划现为：%(amount)s 元。") % {"amount": f"{row.planned_cumulative:,.2f}"}
            ]
    if changed:
        raise PlanChanged(
            _(
                "保存失败：在您编辑期间，该资金的支出计划已被他人修改（%(months)s）。"
                "您填写的内容仍在下面；请核对他人的修改后再保存。"
            )
            % {"months": listing(key[:7] for key in sorted(changed))},
            changed,
        )

    # the plan as it would be after the save, months not on the form included
    plan = {month: row.planned_cumulative for month, row in stored.items()}
    for month, (amount, _version) in submitted.items():
        if amount is None:
            plan.pop(month, None)
        else:
            plan[month] = amount
    previous = None
    for month in sorted(plan):
        amount = plan[month]
        if previous is not None and amount < previous[1]:
            errors.setdefault(month.isoformat(), []).append(
                _("计划累计支出不能比上一个计划月（%(month)s，%(amount)s 元）少：累计金额只能持平或增加。")
                % {"month": previous[0].strftime("%Y-%m"), "amount": f"{previous[1]:,.2f}"}
            )
        previous = (month, amount)
    if plan:
        last = max(plan)
        if plan[last] > fund.amount_allocated:
            errors.setdefault(last.isoformat(), []).append(
                _("计划累计支出不能超过资金的下达金额 %(allocated)s 元。")
                % {"allocated": f"{fund.amount_allocated:,.2f}"}
            )
    if errors:
        raise SubsidyError(_("支出计划有误，未保存任何修改。"), errors)

    saved = []
    for month, (amount, _read) in sorted(submitted.items()):
        row = stored.get(month)
        if amount is None:
            if row is not None:
                row.delete()
            continue
        if row is None:
            row = FundPlanMonth(fund=fund, month=month, planned_cumulative=amount)
        elif row.planned_cumulative == amount:
            saved.append(row)
            continue
        else:
            row.planned_cumulative = amount
        _full_clean(row)
        row.save()
        saved.append(row)
    return saved


# ---------------------------------------------------------------- payment controls (maker-checker)


@transaction.atomic
def payment_controls_set(
    *, user, district, maker_checker: bool, version: int | None = None
) -> PaymentControls:
    """Turn a district's maker-checker on or off. Its officials do it on the controls page (the command
    `payment_controls` does it as the system); every change is kept in the record's history."""
    if user is not None and not may_manage(user, district):
        raise NotAllowed(_("只有本区卫健委可以设置本区的支付控制。"))
    controls = PaymentControls.objects.select_for_update().filter(district=district).first()
    if controls is None:
        controls = PaymentControls(district=district)
    elif version is not None:
        controls.version = version
    controls.maker_checker = bool(maker_checker)
    _full_clean(controls)
    controls.save()
    return controls
