"""The tables of the supervision lists that lay out their own rows on the page (inspections, complaints,
evaluations): declared once here, they are what each list's .xlsx export downloads — the page's rows, with
dates as dates and counts and points as numbers (core.tables). Kept apart from supervision.tables, whose
tables are built from the dashboard's and grading's results."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.formatting import listing
from core.tables import Col, Column, ObjectTable, Table, choice_labels, or_none
from supervision.models import Complaint, Inspection


class InspectionTable(ObjectTable):
    """Inspections with their departments and how many facilities and findings each has (the list's
    annotations n_facilities and n_findings)."""

    key = "inspections"

    def get_title(self) -> str:
        return _("检查")

    def get_columns(self) -> list[Column]:
        def departments(inspection) -> str | None:
            return listing(d.name for d in inspection.departments.all()) or None

        return [
            Column(_("检查日期"), "date", 12, ("inspected_on",)),
            Column(_("检查类型"), "text", 14, ("kind",), choice_labels(Inspection.Kind.choices)),
            Column(_("检查名称"), "text", 30, ("title",), or_none),
            Column(_("区县"), "text", 10, ("district__name",)),
            Column(_("参与部门"), "text", 30, value=departments),
            Column(_("受检机构数"), "int", 10, ("n_facilities",)),
            Column(_("发现问题数"), "int", 10, ("n_findings",)),
            Column(_("检查情况"), "text", 50, ("summary",), or_none),
        ]


class ComplaintTable(ObjectTable):
    """Complaints as the list shows them. How a complaint was handled is internal (core.privacy) and is
    left out: the list is also the facility operator's."""

    key = "complaints"

    def get_title(self) -> str:
        return _("投诉")

    def get_columns(self) -> list[Column]:
        checked = {None: _("尚在核查"), True: _("属实"), False: _("不属实")}
        closed, open_ = _("已办结"), _("办理中")
        return [
            Column(_("受理日期"), "date", 12, ("received_on",)),
            Column(_("来源渠道"), "text", 12, ("channel",), choice_labels(Complaint.Channel.choices)),
            Column(_("被投诉机构"), "text", 28, ("facility__name",)),
            Column(_("区县"), "text", 10, ("facility__district__name",)),
            Column(_("镇街"), "text", 12, ("facility__town__name",)),
            Column(_("投诉内容"), "text", 50, ("summary",)),
            Column(_("情况属实"), "text", 10, ("substantiated",), checked.get),
            Column(_("办理状态"), "text", 10, ("closed_on",), lambda day: closed if day else open_),
            Column(_("办结日期"), "date", 12, ("closed_on",)),
            Column(_("处理结果"), "text", 40, ("outcome",), or_none),
        ]


def evaluations_table(evaluations, results) -> Table:
    """Evaluations with their results (supervision.selectors.evaluation_results, in the same order)."""
    columns = [
        Col(_("评估日期"), "date", 12),
        Col(_("机构"), "text", 28),
        Col(_("镇街"), "text", 12),
        Col(_("评估框架"), "text", 30),
        Col(_("评估方式"), "text", 10),
        Col(_("总分"), "decimal", 10),
        Col(_("满分"), "decimal", 10),
        Col(_("等级"), "text", 8),
        Col(_("等级说明"), "text", 30),
        Col(_("未达标的否决项"), "text", 30),
        Col(_("评估人"), "text", 12),
    ]
    rows = [
        [
            evaluation.assessed_on,
            evaluation.facility.name,
            evaluation.facility.town.name if evaluation.facility.town else None,
            evaluation.framework.name,
            evaluation.get_kind_display(),
            result.total,
            result.max_total,
            result.grade or None,
            result.grade_note or None,
            "；".join(result.vetoed) or None,
            evaluation.assessor.get_username(),
        ]
        for evaluation, result in zip(evaluations, results, strict=True)
    ]
    return Table("evaluations", _("质量评估"), columns, rows)
