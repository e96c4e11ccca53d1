"""Every table a subsidies page shows, built once from the selectors' results; the page renders it and the
export downloads the same rows as .xlsx through core.tables (core.spreadsheets underneath): amounts
stay numbers with two decimals, rates are fractions written as percentages, text is formula-neutralised."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import listing
from core.tables import Col, LinkedTable, Table
from subsidies import selectors
from subsidies.models import Application, LedgerEntry, Milestone, Program


def _has_reversal(entry: LedgerEntry) -> bool:
    try:
        return entry.reversal is not None
    except LedgerEntry.DoesNotExist:
        return False


# ---------------------------------------------------------------- funds


def funds_table(rows: list[selectors.FundExecution]) -> LinkedTable:
    columns = [
        Col(_("资金"), "text", 36),
        Col(_("资金层级"), "text", 10),
        Col(_("区县"), "text", 10),
        Col(_("资金年度"), "year", 8),
        Col(_("下达金额（元）"), "decimal", 16),
        Col(_("台账支付净额（元）"), "decimal", 16),
        Col(_("汇总拨付（文件报告，元）"), "decimal", 16),
        Col(_("已拨付合计（元）"), "decimal", 16),
        Col(_("余额（元）"), "decimal", 16),
        Col(_("支出率"), "percent", 10),
    ]
    body = [
        [
            r.fund.name,
            r.fund.get_source_level_display(),
            r.fund.district.name,
            r.fund.year,
            r.allocated,
            r.ledger_net,
            r.aggregate,
            r.disbursed,
            r.remaining,
            r.rate,
        ]
        for r in rows
    ]
    totals = selectors.execution_totals(rows)
    footer = None
    if rows:
        footer = [
            _("合计"),
            None,
            None,
            None,
            totals.allocated,
            sum((r.ledger_net for r in rows), selectors.ZERO),
            sum((r.aggregate for r in rows), selectors.ZERO),
            totals.disbursed,
            totals.remaining,
            totals.rate,
        ]
    return LinkedTable(
        "funds",
        _("资金执行情况"),
        columns,
        body,
        footer,
        links=[reverse("subsidies:fund", args=[r.fund.pk]) for r in rows],
    )


def fund_programs_table(lines: list[selectors.ProgramLine]) -> Table:
    columns = [
        Col(_("补助项目"), "text", 40),
        Col(_("受益机构数（台账）"), "int", 12),
        Col(_("台账支付净额（元）"), "decimal", 16),
        Col(_("汇总拨付（文件报告，元）"), "decimal", 16),
        Col(_("合计（元）"), "decimal", 16),
    ]
    rows = [[x.label, x.facilities, x.ledger_net, x.aggregate, x.total] for x in lines]
    return LinkedTable("programs", _("按补助项目"), columns, rows)


def fund_months_table(lines: list[selectors.MonthLine]) -> Table:
    columns = [
        Col(_("月份"), "text", 14),
        Col(_("支付（元）"), "decimal", 16),
        Col(_("冲销（元）"), "decimal", 16),
        Col(_("汇总拨付（文件报告，元）"), "decimal", 16),
        Col(_("本月净额（元）"), "decimal", 16),
        Col(_("累计（元）"), "decimal", 16),
        Col(_("累计支出率"), "percent", 10),
    ]
    rows = [
        [
            x.month.strftime("%Y-%m") if x.month else _("日期未注明"),
            x.paid,
            x.reversed,
            x.aggregate,
            x.net,
            x.cumulative,
            x.cumulative_rate,
        ]
        for x in lines
    ]
    return LinkedTable("months", _("按月支出"), columns, rows)


def aggregates_table(aggregates) -> Table:
    columns = [
        Col(_("事项"), "text", 36),
        Col(_("补助类型"), "text", 12),
        Col(_("区县"), "text", 10),
        Col(_("资金年度"), "year", 8),
        Col(_("金额（元）"), "decimal", 16),
        Col(_("受益机构数"), "int", 10),
        Col(_("拨付时间（原文）"), "text", 18),
        Col(_("资金来源"), "text", 30),
        Col(_("原文"), "text", 60),
        Col(_("来源文件"), "text", 40),
    ]
    rows = [
        [
            a.subject,
            a.get_program_kind_display(),
            a.district.name,
            a.year,
            a.amount,
            a.recipients,
            a.paid_text or (a.paid_on.isoformat() if a.paid_on else None),
            a.fund.name if a.fund else _("文件未写明"),
            a.quote,
            str(a.source),
        ]
        for a in aggregates
    ]
    return LinkedTable("aggregates", _("汇总拨付（文件报告，不分机构）"), columns, rows)


# ---------------------------------------------------------------- subsidies by program, year, town


def program_year_table(lines: list[selectors.SummaryLine]) -> Table:
    columns = [
        Col(_("区县"), "text", 10),
        Col(_("年度"), "year", 8),
        Col(_("补助类型"), "text", 14),
        Col(_("补助项目"), "text", 40),
        Col(_("受益机构数（台账）"), "int", 12),
        Col(_("台账支付净额（元）"), "decimal", 16),
        Col(_("汇总拨付（文件报告，元）"), "decimal", 16),
        Col(_("汇总拨付受益机构数"), "int", 12),
        Col(_("合计（元）"), "decimal", 16),
    ]
    rows = [
        [
            x.district,
            x.year,
            x.kind,
            x.program,
            x.facilities,
            x.ledger_net,
            x.aggregate,
            x.aggregate_recipients,
            x.total,
        ]
        for x in lines
    ]
    footer = None
    if rows:
        footer = [
            _("合计"),
            None,
            None,
            None,
            None,
            sum((x.ledger_net for x in lines), selectors.ZERO),
            sum((x.aggregate for x in lines), selectors.ZERO),
            None,
            sum((x.total for x in lines), selectors.ZERO),
        ]
    return LinkedTable("programs", _("按补助项目和年度"), columns, rows, footer)


def town_table(lines: list[selectors.TownLine]) -> Table:
    columns = [
        Col(_("区县"), "text", 10),
        Col(_("镇街"), "text", 14),
        Col(_("年度"), "year", 8),
        Col(_("补助类型"), "text", 14),
        Col(_("补助项目"), "text", 36),
        Col(_("受益机构数"), "int", 10),
        Col(_("支付笔数"), "int", 10),
        Col(_("支付净额（元）"), "decimal", 16),
    ]
    rows = [
        [x.district, x.town, x.year, x.kind, x.program, x.facilities, x.payments, x.ledger_net] for x in lines
    ]
    footer = None
    if rows:
        footer = [
            _("合计"),
            None,
            None,
            None,
            None,
            None,
            sum(x.payments for x in lines),
            sum((x.ledger_net for x in lines), selectors.ZERO),
        ]
    return LinkedTable("towns", _("按镇街（台账中的分机构支付）"), columns, rows, footer)


# ---------------------------------------------------------------- programs, applications, ledger


def programs_table(programs: list[Program]) -> Table:
    columns = [
        Col(_("补助项目"), "text", 30),
        Col(_("区县"), "text", 10),
        Col(_("年度"), "year", 8),
        Col(_("补助类型"), "text", 14),
        Col(_("计算方式"), "text", 24),
        Col(_("标准（元）"), "decimal", 12),
        Col(_("申请条件"), "text", 30),
        Col(_("资金来源"), "text", 30),
        Col(_("受理申请"), "text", 8),
        Col(_("兑现时间"), "text", 16),
        Col(_("来源文件"), "text", 40),
    ]
    rows = [
        [
            p.name,
            p.district.name,
            p.year,
            p.get_kind_display(),
            p.get_basis_display(),
            p.rate,
            "；".join(p.eligibility_labels) or _("不限"),
            p.fund.name if p.fund else _("未指定"),
            _("是") if p.accepting_applications else _("否"),
            p.payable_text or (p.payable_by.isoformat() if p.payable_by else None),
            str(p.source) if p.source else None,
        ]
        for p in programs
    ]
    return LinkedTable("programs", _("补助项目"), columns, rows)


def applications_table(applications: list[Application]) -> LinkedTable:
    columns = [
        Col(_("编号"), "text", 8),
        Col(_("机构"), "text", 28),
        Col(_("镇街"), "text", 12),
        Col(_("补助项目"), "text", 30),
        Col(_("期间起"), "date", 12),
        Col(_("期间止"), "date", 12),
        Col(_("测算金额（元）"), "decimal", 14),
        Col(_("核定金额（元）"), "decimal", 14),
        Col(_("已支付（元）"), "decimal", 14),
        Col(_("状态"), "text", 12),
        Col(_("提交时间"), "text", 18),
    ]
    rows = [
        [
            f"#{a.pk}",
            a.facility.name,
            a.facility.town.name if a.facility.town else None,
            str(a.program),
            a.period_start,
            a.period_end,
            a.proposed_amount,
            a.approved_amount,
            getattr(a, "paid", None) or selectors.ZERO,
            a.get_status_display(),
            timezone.localtime(a.created_at).strftime("%Y-%m-%d %H:%M") if a.created_at else None,
        ]
        for a in applications
    ]
    return LinkedTable(
        "applications",
        _("补助申请"),
        columns,
        rows,
        links=[reverse("subsidies:application", args=[a.pk]) for a in applications],
    )


def ledger_table(entries: list[LedgerEntry]) -> LinkedTable:
    columns = [
        Col(_("记账日期"), "date", 12),
        Col(_("类型"), "text", 8),
        Col(_("机构"), "text", 28),
        Col(_("补助项目"), "text", 30),
        Col(_("资金"), "text", 30),
        Col(_("金额（元）"), "decimal", 14),
        Col(_("凭证号"), "text", 16),
        Col(_("申请"), "text", 8),
        Col(_("冲销关系"), "text", 24),
        Col(_("说明/冲销原因"), "text", 30),
        Col(_("经办人"), "text", 12),
    ]
    rows = []
    for e in entries:
        if e.kind == LedgerEntry.Kind.REVERSAL:
            relation = _("冲销 %(date)s 凭证 %(ref)s") % {
                "date": e.reversal_of.entry_date.isoformat(),
                "ref": e.reversal_of.reference,
            }
        elif _has_reversal(e):
            relation = _("已被冲销")
        else:
            relation = None
        rows.append(
            [
                e.entry_date,
                e.get_kind_display(),
                e.facility.name,
                str(e.program),
                e.fund.name,
                e.amount,
                e.reference,
                f"#{e.application_id}",
                relation,
                e.note,
                e.created_by.get_username(),
            ]
        )
    return LinkedTable(
        "ledger",
        _("支付台账"),
        columns,
        rows,
        links=[reverse("subsidies:application", args=[e.application_id]) for e in entries],
        row_classes=["table-warning" if e.kind == LedgerEntry.Kind.REVERSAL else "" for e in entries],
    )


def history_table(rows: list[selectors.HistoryRow]) -> LinkedTable:
    columns = [
        Col(_("操作时间"), "text", 18),
        Col(_("操作人"), "text", 12),
        Col(_("状态"), "text", 12),
        Col(_("核定金额（元）"), "decimal", 14),
        Col(_("审核意见/调整理由"), "text", 40),
    ]
    body = [
        [
            timezone.localtime(r.when).strftime("%Y-%m-%d %H:%M"),
            r.user.get_username() if r.user else None,
            r.status,
            r.approved_amount,
            r.reason,
        ]
        for r in rows
    ]
    return LinkedTable("history", _("办理记录"), columns, body)


# ---------------------------------------------------------------- projects


def stage_text(milestone: Milestone | None, today) -> str:
    if milestone is None:
        return _("未登记")
    parts = [milestone.state_label]
    if milestone.actual_date:
        parts.append(_("实际 %(date)s") % {"date": milestone.actual_date.isoformat()})
    if milestone.planned_date:
        parts.append(_("计划 %(date)s") % {"date": milestone.planned_date.isoformat()})
    if milestone.is_overdue(today):
        parts.append(_("逾期"))
    return " · ".join(parts)


def projects_table(timelines: list[selectors.Timeline], today) -> LinkedTable:
    columns = [
        Col(_("项目"), "text", 36),
        Col(_("项目类型"), "text", 18),
        Col(_("区县"), "text", 10),
        Col(_("镇街"), "text", 12),
        Col(_("投资比较"), "text", 6),
        Col(_("投资（元）"), "decimal", 16),
        Col(_("面积比较"), "text", 6),
        Col(_("建筑面积（㎡）"), "decimal", 12),
        Col(_("规划托位"), "int", 10),
        Col(_("资金来源"), "text", 24),
        Col(_("关联机构"), "text", 24),
        Col(_("已完成的最新节点"), "text", 14),
        *[Col(str(stage.label), "text", 24) for stage in Milestone.ORDER],
        Col(_("逾期节点数"), "int", 10),
    ]
    rows = []
    for t in timelines:
        p = t.project
        rows.append(
            [
                p.name,
                p.get_kind_display(),
                p.district.name,
                p.town.name if p.town else None,
                p.get_investment_comparator_display() if p.investment is not None else None,
                p.investment,
                p.get_area_comparator_display() if p.area_m2 is not None else None,
                p.area_m2,
                p.planned_slots,
                listing(f.name for f in p.funds.all()) or None,
                p.facility.name if p.facility else None,
                t.current,
                *[stage_text(m, today) for m in t.milestones],
                len(t.overdue),
            ]
        )
    return LinkedTable(
        "projects",
        _("托育园建设项目"),
        columns,
        rows,
        links=[reverse("subsidies:project", args=[t.project.pk]) for t in timelines],
        row_classes=["table-danger" if t.overdue else "" for t in timelines],
    )


__all__ = [
    "LinkedTable",
    "aggregates_table",
    "applications_table",
    "fund_months_table",
    "fund_programs_table",
    "funds_table",
    "ledger_table",
    "program_year_table",
    "programs_table",
    "projects_table",
    "town_table",
]
