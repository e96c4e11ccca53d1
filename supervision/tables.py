"""Every supervision table, built once from the selectors' results (core.tables.Table/Col): the page
renders it and the export downloads the same rows as .xlsx through core.tables.tables_response — numbers
stay numbers, rates are fractions written as percentages."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from core.tables import Col, Table
from supervision import grading
from supervision.models import Finding, GradingWeight
from supervision.selectors import Dashboard, FeeCapCheck, FigureComparison, StaffGoals


def _town(facility) -> str | None:
    return facility.town.name if facility.town else None


def _plain(value: Decimal | None) -> Decimal | None:
    """30.00 → 30 and 2.50 → 2.5 (normalize() alone would give 3E+1)."""
    return None if value is None else value.normalize() + 0


def _yes_no(value: bool | None) -> str | None:
    if value is None:
        return None
    return _("是") if value else _("否")


def open_by_town_table(board: Dashboard) -> Table:
    columns = [Col(_("镇街"), "text", 16)]
    columns += [Col(str(label), "int", 10) for _code, label in board.categories]
    columns += [Col(_("合计"), "int"), Col(_("其中逾期"), "int"), Col(_("其中严重"), "int")]
    rows = []
    totals = [0] * (len(board.categories) + 3)
    for town, cats, total, overdue, serious in board.open_by_town:
        values = [cats.get(code, 0) for code, _label in board.categories] + [total, overdue, serious]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append([town, *values])
    footer = [_("合计"), *totals] if rows else None
    return Table("open_by_town", _("未销号问题：按镇街和类别"), columns, rows, footer)


def findings_table(findings, on: datetime.date, key: str = "findings", title: str | None = None) -> Table:
    columns = [
        Col(_("机构"), "text", 28),
        Col(_("镇街"), "text", 14),
        Col(_("检查日期"), "date", 12),
        Col(_("检查类型"), "text", 12),
        Col(_("问题类别"), "text", 10),
        Col(_("严重程度"), "text", 8),
        Col(_("问题描述"), "text", 50),
        Col(_("依据"), "text", 30),
        Col(_("整改责任人"), "text", 12),
        Col(_("整改期限"), "date", 12),
        Col(_("整改状态"), "text", 12),
        Col(_("逾期"), "text", 6),
        Col(_("逾期天数"), "int", 8),
        Col(_("提交整改日期"), "date", 12),
        Col(_("验证日期"), "date", 12),
    ]
    rows = []
    for f in findings:
        overdue = f.is_overdue(on)
        rows.append(
            [
                f.facility.name,
                _town(f.facility),
                f.inspection.inspected_on,
                f.inspection.get_kind_display(),
                f.get_category_display(),
                f.get_severity_display(),
                f.description,
                f.legal_basis or None,
                f.responsible_person or None,
                f.deadline,
                f.get_status_display(),
                _yes_no(overdue),
                (on - f.deadline).days if overdue else None,
                f.submitted_on,
                f.verified_on,
            ]
        )
    return Table(key, title or _("检查发现问题"), columns, rows)


def overdue_table(board: Dashboard) -> Table:
    return findings_table(board.overdue, board.as_of, "overdue", _("逾期未整改问题"))


def grades_table(results: list[grading.GradeResult], key: str = "grades") -> Table:
    columns = [
        Col(_("机构"), "text", 28),
        Col(_("镇街"), "text", 14),
        Col(_("机构类型"), "text", 16),
        Col(_("风险分"), "number"),
        Col(_("风险等级"), "text", 10),
        Col(_("信用分"), "number"),
        Col(_("信用等级"), "text", 10),
        Col(_("监管等级"), "text", 8),
        Col(_("建议检查间隔（月）"), "int"),
        Col(_("上次检查"), "date", 12),
        Col(_("下次应检"), "date", 12),
        Col(_("未销号问题"), "int"),
        Col(_("逾期问题"), "int"),
    ]
    rows = [
        [
            r.facility.name,
            _town(r.facility),
            r.facility.get_kind_display(),
            _plain(r.risk_points),
            r.risk_label,
            _plain(r.credit_points),
            r.credit_label,
            r.grade,
            r.interval_months,
            r.last_inspected_on,
            r.next_due,
            r.open_findings,
            r.overdue_findings,
        ]
        for r in results
    ]
    return Table(key, _("风险+信用分级"), columns, rows)


def distribution_table(board: Dashboard) -> Table:
    columns = [Col(_("监管等级"), "text", 10), Col(_("机构数"), "int"), Col(_("占比"), "percent")]
    counts = board.distribution
    total = sum(counts.values())
    rows = [[g, n, (Decimal(n) / total) if total else None] for g, n in counts.items()]
    footer = [_("合计"), total, Decimal(1) if total else None]
    return Table("distribution", _("分级分布（运营、暂停中的机构）"), columns, rows, footer)


def upcoming_table(board: Dashboard) -> Table:
    columns = [
        Col(_("机构"), "text", 28),
        Col(_("镇街"), "text", 14),
        Col(_("监管等级"), "text", 8),
        Col(_("建议检查间隔（月）"), "int"),
        Col(_("上次检查"), "date", 12),
        Col(_("下次应检"), "date", 12),
        Col(_("距今天数"), "int"),
        Col(_("状态"), "text", 12),
    ]
    rows = []
    for r in board.upcoming:
        days = (r.next_due - board.as_of).days
        if r.never_inspected:
            state = _("尚未检查")
        elif days < 0:
            state = _("已超期")
        elif days == 0:
            state = _("今日到期")
        else:
            state = _("即将到期")
        rows.append(
            [
                r.facility.name,
                _town(r.facility),
                r.grade,
                r.interval_months,
                r.last_inspected_on,
                r.next_due,
                days,
                state,
            ]
        )
    return Table("upcoming", _("按建议间隔应安排的检查（%(n)s天内）") % {"n": 60}, columns, rows)


def staff_table(goals: StaffGoals) -> Table:
    columns = [
        Col(_("指标"), "text", 34),
        Col(_("计算值"), "number"),
        Col(_("单位"), "text", 8),
        Col(_("目标/文件报告值"), "text", 16),
        Col(_("是否达到"), "text", 10),
        Col(_("说明"), "text", 40),
        Col(_("来源"), "text", 40),
    ]
    ind = goals.indicators

    def pct(rate):
        return None if rate is None else (rate * 100).quantize(Decimal("0.1"))

    def reached(value):
        return None if value is None else (_("达到") if value else _("未达到"))

    cert, train, trainees = goals.certificate_goal, goals.training_goal, goals.trainees_reported
    rows = [
        [
            _("保育人员持证上岗率"),
            pct(ind.certificate_rate),
            "%",
            cert.display_value if cert else None,
            reached(goals.meets_certificate_goal),
            _("持育婴员、保育师证书的在岗保育人员 %(a)s / %(b)s")
            % {"a": ind.certified_caregivers, "b": ind.caregivers},
            str(cert.source) if cert else _("本区文件未设目标"),
        ],
        [
            _("机构负责人、保育人员培训覆盖率"),
            pct(ind.training_rate),
            "%",
            train.display_value if train else None,
            reached(goals.meets_training_goal),
            _("有培训记录的负责人和保育人员 %(a)s / %(b)s")
            % {"a": ind.trained_heads_and_caregivers, "b": ind.heads_and_caregivers},
            str(train.source) if train else _("本区文件未设目标"),
        ],
        [
            _("无合格卫生保健人员的机构"),
            len(goals.without_health_worker),
            _("家"),
            _("0（每家机构配备）"),
            reached(not goals.without_health_worker) if goals.facilities else None,
            _("运营中机构 %(n)s 家") % {"n": goals.facilities},
            _("托育机构设置标准（试行）：配备卫生保健人员，在托150人及以上须至少1名专职（规则表）"),
        ],
        [
            _("%(year)s年培训人数（登记系统）") % {"year": goals.year},
            goals.trainees,
            _("人"),
            trainees.display_value if trainees else None,
            reached(goals.meets_trainees),
            _("本年完成培训的在册从业人员（去重）；文件数为全区每年组织培训的人数，口径更宽"),
            str(trainees.source) if trainees else _("本区文件未报告"),
        ],
    ]
    return Table("staff", _("队伍建设目标"), columns, rows)


def health_worker_table(goals: StaffGoals) -> Table:
    columns = [Col(_("机构"), "text", 28), Col(_("镇街"), "text", 14), Col(_("原因"), "text", 36)]
    rows = [[f.name, _town(f), reason] for f, reason in goals.without_health_worker]
    return Table("health_workers", _("卫生保健人员不符合要求的机构"), columns, rows)


def fee_cap_table(check: FeeCapCheck) -> Table:
    columns = [
        Col(_("机构"), "text", 28),
        Col(_("镇街"), "text", 14),
        Col(_("机构类型"), "text", 16),
        Col(_("普惠"), "text", 6),
        Col(_("托育费（元/月，不含膳食）"), "decimal"),
        Col(_("收费上限（元/月）"), "decimal"),
        Col(_("超出（元）"), "decimal"),
        Col(_("超出比例"), "percent"),
        Col(_("检查结果"), "text", 12),
    ]
    rows = [
        [
            r.facility.name,
            _town(r.facility),
            r.facility.get_kind_display(),
            _yes_no(r.facility.is_inclusive),
            r.fee,
            r.cap,
            r.excess,
            r.excess_share,
            r.status_label,
        ]
        for r in check.rows
    ]
    title = _("%(year)s年收费上限检查（公办、普惠机构）") % {"year": check.year}
    return Table("fee_cap", title, columns, rows)


def figures_table(figures: list[FigureComparison]) -> Table:
    columns = [
        Col(_("指标"), "text", 28),
        Col(_("文件报告值"), "text", 14),
        Col(_("原文期间"), "text", 14),
        Col(_("登记系统计算值"), "int"),
        Col(_("说明"), "text", 50),
        Col(_("来源"), "text", 40),
    ]
    rows = [
        [
            c.label,
            c.reported.display_value if c.reported else None,
            c.reported.period_text if c.reported else None,
            c.computed,
            c.note,
            str(c.reported.source) if c.reported else None,
        ]
        for c in figures
    ]
    return Table("figures", _("监管数字：文件报告与登记系统"), columns, rows)


def dashboard_tables(board: Dashboard) -> dict[str, Table]:
    return {
        "open_by_town": open_by_town_table(board),
        "overdue": overdue_table(board),
        "distribution": distribution_table(board),
        "grades": grades_table(board.grades),
        "upcoming": upcoming_table(board),
        "staff": staff_table(board.staff),
        "health_workers": health_worker_table(board.staff),
        "fee_cap": fee_cap_table(board.fee_cap),
        "figures": figures_table(board.figures),
    }


def weights_table(rules: grading.RuleSet) -> Table:
    columns = [
        Col(_("参数"), "text", 40),
        Col(_("对象"), "text", 14),
        Col(_("数值"), "number"),
        Col(_("设定"), "text", 16),
    ]
    labels = {
        "severity": dict(Finding.Severity.choices),
        "disclosure": dict(GradingWeight.Disclosure.choices),
    }
    from facilities.models import Facility

    labels["kind"] = dict(Facility.Kind.choices)
    order = {key: index for index, key in enumerate(GradingWeight.Key.values)}
    rows = []
    for (key, subject), value in sorted(
        rules.weights.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
    ):
        kind = GradingWeight.SUBJECTS.get(key)
        shown = str(labels.get(kind, {}).get(subject, subject)) if subject else None
        rows.append(
            [
                str(GradingWeight.Key(key).label),
                shown,
                _plain(value),
                _("本区设定") if rules.is_own(key, subject) else _("项目初始建议值"),
            ]
        )
    return Table("weights", _("分级评分参数"), columns, rows)
