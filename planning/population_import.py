"""The population import: one .xlsx row per region (the district or one of its towns, by code) and year, with
infants under 3 and the other counts where known — how a district loads infants by town without typing 22
rows. core.spreadsheets reads and checks the sheet; every row goes through targets.services.population_save
(as the page does), all in one transaction: one bad row and nothing is written, every problem reported with
its row. A dry run checks and reports the changes, and writes nothing.

    python manage.py import_population FILE --district 110115 --source-title "…" [--dry-run]
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.spreadsheets import Column, ImportResult, Problem, WorkbookError, integer, read_table, text
from targets import services
from targets.models import PopulationStat, Region

COUNTS = ("infants_under_3", "resident_population", "births", "women_childbearing_age")


def columns() -> list[Column]:
    return [
        Column("code", _("地区代码"), text(20), required=True),
        Column("year", _("年份"), integer(2000, 2100), required=True),
        Column("infants_under_3", _("3岁以下婴幼儿（人）"), integer()),
        Column("resident_population", _("常住人口（人）"), integer()),
        Column("births", _("出生人口（人）"), integer()),
        Column("women_childbearing_age", _("育龄妇女（人）"), integer()),
    ]


class _DryRun(Exception):
    pass


def import_population(
    content, *, district: Region, user, source_title: str, source_issuer: str = "", dry_run: bool = False
) -> ImportResult:
    """Import a district's population rows; returns what changed (or, dry, would change). Raises
    WorkbookError listing every problem, having written nothing."""
    table = read_table(content, columns=columns())
    regions = {
        r.code: r for r in Region.objects.filter(pk=district.pk) | Region.objects.filter(parent=district)
    }
    problems, seen = [], set()
    for row in table:
        if row["code"] not in regions:
            reason = _("不是本区或本区镇街的代码。")
            problems.append(Problem(row.number, table.letters.get("code"), row["code"], reason))
        elif (row["code"], row["year"]) in seen:
            reason = _("同一地区同一年份在文件中出现了两次。")
            problems.append(Problem(row.number, table.letters.get("code"), row["code"], reason))
        elif all(row[name] is None for name in COUNTS):
            problems.append(Problem(row.number, None, None, _("请至少填写一项人口数据。")))
        seen.add((row["code"], row["year"]))
    if problems:
        raise WorkbookError(problems)
    result = ImportResult(total_rows=len(table))
    labels = {column.key: str(column.header) for column in columns()}
    try:
        with transaction.atomic():
            source = services.population_source_create(
                user=user, district=district, title=source_title, issuer=source_issuer
            )
            for row in table:
                region = regions[row["code"]]
                existing = PopulationStat.objects.filter(region=region, year=row["year"]).first()
                values = {name: row[name] for name in COUNTS if row[name] is not None}
                changed = [
                    {
                        "field": labels[name],
                        "old": getattr(existing, name) if existing else None,
                        "new": value,
                    }
                    for name, value in values.items()
                    if existing is None or getattr(existing, name) != value
                ]
                if existing is not None and not changed and existing.source_id == source.pk:
                    result.unchanged += 1
                    continue
                try:
                    services.population_save(
                        user=user, region=region, year=row["year"], source=source, values=values, row=existing
                    )
                except ServiceError as error:
                    problems.append(Problem(row.number, None, None, error.message))
                    continue
                result.record(
                    {
                        "row": row.number,
                        "item": f"{region.name} {row['year']}",
                        "action": "updated" if existing else "created",
                        "fields": changed,
                    }
                )
            if problems:
                raise WorkbookError(problems)  # rolls the whole file back
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result
