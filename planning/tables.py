"""Every table a dashboard shows (core.tables.Table), built once from the selectors' results; the page
renders it and the export button downloads the same rows as .xlsx (numbers stay numbers, rates stay fractions
formatted as %)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from core.tables import Col, Table
from planning.selectors import Indicators, Progress

__all__ = ["Col", "Table"]  # planning.views builds a town's table from these


def _flag_text(row) -> str:
    return "；".join(label for _code, label in row.flags)


def progress_table(progress: Progress, key: str = "towns", *, area_header: str | None = None) -> Table:
    """The annex layout with the actual columns added: one row per town (or district)."""
    columns = [
        Col(_("代码"), "text", 12),
        Col(area_header or _("镇街"), "text", 16),
        Col(_("目标托位"), "int"),
        Col(_("其中普惠"), "int"),
        Col(_("目标普惠比例"), "percent"),
        Col(_("实有托位"), "int"),
        Col(_("实有普惠托位"), "int"),
        Col(_("完成率"), "percent"),
        Col(_("普惠占比"), "percent"),
        Col(_("缺口"), "int"),
        Col(_("未达标缺口"), "int"),
        Col(_("在建/筹建托位"), "int"),
        Col(_("计入机构"), "int"),
        Col(_("提示"), "text", 36),
    ]

    def line(row):
        return [
            row.code,
            row.name,
            row.target_slots,
            row.target_inclusive,
            row.target_inclusive_ratio,
            row.actual_slots,
            row.actual_inclusive,
            row.completion_rate,
            row.inclusive_share,
            row.gap,
            row.shortfall if row.target_slots is not None else None,
            row.pipeline_slots,
            row.facilities,
            _flag_text(row),
        ]

    title = _("%(year)s年%(level)s进度（截至%(date)s）") % {
        "year": progress.year,
        "level": progress.level_label,
        "date": progress.as_of.isoformat(),
    }
    footer = line(progress.totals)
    footer[1] = _("合计")
    # The net gap nets towns above target against towns below; the honest gap sums the lagging towns only.
    footer[10] = progress.shortfall if progress.totals.target_slots is not None else None
    return Table(key, title, columns, [line(r) for r in progress.rows], footer)


def years_table(plans: list[Progress]) -> Table:
    columns = [
        Col(_("目标"), "text", 22),
        Col(_("目标托位"), "int"),
        Col(_("实有托位"), "int"),
        Col(_("完成率"), "percent"),
        Col(_("目标普惠托位"), "int"),
        Col(_("实有普惠托位"), "int"),
        Col(_("普惠占比"), "percent"),
        Col(_("普惠占比目标"), "percent"),
        Col(_("未达标缺口"), "int"),
        Col(_("数据口径"), "text", 24),
    ]

    def basis(p: Progress) -> str:
        if p.as_reported:
            return _("已审定报表（截至%(date)s）") % {"date": p.as_reported.isoformat()}
        if p.past_deadline:
            return _("当前登记数据（该期无已审定报表）")
        return _("当前登记数据")

    rows = [
        [
            _("%(year)s年%(level)s") % {"year": p.year, "level": p.level_label},
            p.totals.target_slots,
            p.totals.actual_slots,
            p.totals.completion_rate,
            p.totals.target_inclusive,
            p.totals.actual_inclusive,
            p.totals.inclusive_share,
            p.goal.share_percent / 100 if p.goal else None,
            p.shortfall,
            basis(p),
        ]
        for p in plans
    ]
    return Table("years", _("各年度目标完成情况"), columns, rows)


def kinds_table(kinds: list[tuple[str, int, int]]) -> Table:
    columns = [Col(_("机构类型"), "text", 24), Col(_("机构数"), "int"), Col(_("托位"), "int")]
    return Table("kinds", _("按机构类型"), columns, [list(k) for k in kinds])


def indicators_table(result: Indicators) -> Table:
    columns = [
        Col(_("指标"), "text", 40),
        Col(_("计算值"), "decimal"),
        Col(_("文件报告值"), "text", 14),
        Col(_("差值"), "decimal"),
        Col(_("是否一致"), "text", 10),
        Col(_("来源"), "text", 40),
    ]
    rows = []
    for c in result.comparisons():
        rows.append(
            [
                c.label,
                c.computed,
                c.reported.display_value if c.reported else None,
                c.difference,
                None if c.agrees is None else (_("一致") if c.agrees else _("不一致")),
                str(c.reported.source) if c.reported else None,
            ]
        )
    rows.append(
        [_("每百名3岁以下婴幼儿托位数（登记数据）"), result.slots_per_100_infants, None, None, None, None]
    )
    return Table("indicators", _("指标：计算值与文件报告值"), columns, rows)


def completeness_table(result: Indicators) -> Table:
    columns = [
        Col(_("项目"), "text", 16),
        Col(_("登记系统"), "int"),
        Col(_("文件报告"), "text", 14),
        Col(_("登记完整度"), "percent"),
        Col(_("来源"), "text", 40),
    ]
    rows = [
        [
            label,
            value,
            reported.display_value if reported else None,
            share,
            str(reported.source) if reported else None,
        ]
        for label, value, reported, share in result.completeness()
    ]
    return Table("completeness", _("登记完整度（登记系统与文件报告）"), columns, rows)


def flags_table(progress: Progress, result: Indicators | None = None) -> Table:
    columns = [Col(_("范围"), "text", 18), Col(_("提示"), "text", 30), Col(_("说明"), "text", 60)]
    rows = []
    for row in progress.rows:
        for code, label in row.flags:
            rows.append([row.name, label, _flag_detail(code, row, progress)])
    if result is not None:
        for comparison in result.mismatched_reports:
            rows.append(
                [
                    progress.district.name if progress.district else "",
                    _("文件报告数与计算值不一致"),
                    _("%(label)s：文件报告 %(reported)s，按文件自身数据计算为 %(computed)s。")
                    % {
                        "label": comparison.label,
                        "reported": comparison.reported.display_value,
                        "computed": f"{comparison.computed:.2f}",
                    },
                ]
            )
    return Table("flags", _("提示"), columns, rows)


def _flag_detail(code: str, row, progress: Progress) -> str:
    goal = f"{progress.goal.share_percent.normalize():f}%" if progress.goal else "—"
    if code == "below_goal":
        return _("实有普惠占比 %(share).1f%%，低于%(year)s年目标 %(goal)s。") % {
            "share": row.inclusive_share * 100,
            "year": progress.year,
            "goal": goal,
        }
    if code == "target_below_goal":
        return _("分解目标 %(inc)s/%(total)s = %(ratio).1f%%，低于区目标 %(goal)s。") % {
            "inc": row.target_inclusive,
            "total": row.target_slots,
            "ratio": row.target_inclusive_ratio * 100,
            "goal": goal,
        }
    if code == "no_inclusive_service":
        return _("没有计入统计的普惠托位。")
    if code == "filing_gap":
        return _("%(n)s 家运营中的机构未完成备案或审核超期。") % {"n": row.filing_gaps}
    return ""


def as_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)
