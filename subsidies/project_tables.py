"""The projects page's plan table: planned (a document's goal) vs recorded vs in service, per district
and kind of project (subsidies.project_selectors.plan_lines); the page shows it, `?export=plan` downloads
it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.tables import Col, Table
from subsidies.project_selectors import KindLine


def plan_table(lines: list[KindLine]) -> Table:
    columns = [
        Col(_("区县"), "text", 10),
        Col(_("项目类型"), "text", 22),
        Col(_("计划（文件目标）"), "text", 14),
        Col(_("目标期限"), "text", 14),
        Col(_("已登记项目"), "int"),
        Col(_("其中已建成投用"), "int"),
        Col(_("计划中尚未登记"), "int"),
        Col(_("是否达到目标"), "text", 10),
        Col(_("文件报告的已完成数"), "text", 16),
        Col(_("来源文件"), "text", 36),
    ]

    def met(line: KindLine):
        if line.goal_met is None:
            return None
        return _("已达到") if line.goal_met else _("未达到")

    rows = [
        [
            line.district.name,
            line.label,
            line.goal.display_value if line.goal else None,
            line.goal.period_text if line.goal else None,
            line.recorded,
            line.in_service,
            line.not_recorded,
            met(line),
            f"{line.reported.display_value}（{line.reported.period_text}）" if line.reported else None,
            str(line.goal.source) if line.goal else None,
        ]
        for line in lines
    ]
    return Table(
        "plan",
        _("建设计划：计划、已登记与已投用"),
        columns,
        rows,
        row_classes=["table-warning" if line.goal_met is False else "" for line in lines],
    )
