"""The enrolment-report import: one .xlsx row per facility, month and class type (core.spreadsheets reads
and checks it). Rows of one facility and month make one report; every report goes through
`reporting.services.enrolment_report_save`, all in one transaction: one bad row and nothing is written, and
every problem is reported with its row."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from core.access import Action
from core.errors import ServiceError
from core.months import month_start
from core.spreadsheets import Column, Problem, WorkbookError, choice, date, decimal, integer, read_table, text
from facilities.models import ClassTypeRule, Facility
from reporting import services
from targets.models import Region


def columns() -> list[Column]:
    types = [(t.code, t.name) for t in ClassTypeRule.objects.order_by("sort_order")]
    return [
        Column("filing_number", _("备案编号"), text(32), required=True),
        Column("month", _("月份"), date(), required=True),
        Column("class_type", _("班型"), choice(types), required=True),
        Column("enrolled", _("在托人数"), integer(), required=True),
        Column("average_attendance", _("平均出勤人数"), decimal(1), required=True),
        Column("vacant_places", _("空余托位"), integer(), required=True),
    ]


def enrolment_import(*, user, district: Region, file) -> int:
    """Import a district's month reports; returns how many reports were filed (or corrected). Raises
    WorkbookError listing every problem, having written nothing."""
    table = read_table(file, columns=columns())
    numbers = {row["filing_number"] for row in table}
    facilities = {
        f.filing_number: f
        for f in Facility.objects.for_user(user, Action.EDIT).filter(
            district=district, filing_number__in=numbers
        )
    }
    types = {t.code: t for t in ClassTypeRule.objects.all()}
    groups: dict[tuple, list] = defaultdict(list)
    problems = []
    letter = table.letters.get("filing_number")
    for row in table:
        facility = facilities.get(row["filing_number"])
        if facility is None:
            reason = _("本区没有您可填报的该备案编号的机构。")
            problems.append(Problem(row.number, letter, row["filing_number"], reason))
            continue
        groups[(facility.pk, month_start(row["month"]))].append(row)
    if problems:
        raise WorkbookError(problems)
    by_pk = {f.pk: f for f in facilities.values()}
    with transaction.atomic():
        for (facility_pk, month), rows in groups.items():
            lines = [
                services.LineInput(
                    types[r["class_type"]], r["enrolled"], r["average_attendance"], r["vacant_places"]
                )
                for r in rows
            ]
            try:
                services.enrolment_report_save(
                    user=user, facility=by_pk[facility_pk], month=month, lines=lines
                )
            except ServiceError as error:
                problems.append(Problem(rows[0].number, None, None, error.message))
        if problems:
            raise WorkbookError(problems)  # rolls the whole file back
    return len(groups)
