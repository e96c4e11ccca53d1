"""One spreadsheet measurement per process, so its peak memory is its own:
`python -m ops.benchmark.probe JOB ARGS…` (DJANGO_SETTINGS_MODULE=ops.benchmark.settings)
prints one JSON line with the seconds the job took and its peak resident memory above the process's
resident memory just before the job (ru_maxrss − VmRSS at start, in MiB).

Jobs:
  roster PATH N          write an N-row facility roster of the sample district (not measured, a fixture)
  import PATH [write]    the portal's roster import (facilities.importers.import_facility_roster) of PATH:
                         the preview (dry run) or, with `write`, the confirmed import, rolled back after
  read PATH              openpyxl alone: load_workbook(read_only=True) and iterate every row's values
  export                 the registry export (/registry/export.xlsx) of every facility, as a superuser
  write N                openpyxl alone: a write-only workbook of the same N facility rows (read first)
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from decimal import Decimal


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0  # pragma: no cover


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sample_district():
    from targets.models import Region

    return Region.objects.filter(level=Region.Level.DISTRICT, code__startswith="S").order_by("code").first()


def _admin():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    return users.filter(username="bench-admin").first() or users.create_superuser("bench-admin")


def make_roster(path: str, n: int) -> dict:
    from core.spreadsheets import SheetSpec, write_workbook
    from facilities.importers import ROSTER_SHEET, _class_types, roster_columns
    from facilities.models import Facility

    district = _sample_district()
    towns = list(district.children.order_by("sort_order").values_list("name", flat=True))
    class_types = _class_types()
    columns = roster_columns(class_types)
    kinds = [str(label) for value, label in Facility.Kind.choices if value != Facility.Kind.SERVICE_CENTRE]

    def rows():
        for i in range(n):
            row = [
                f"【合成】导入压测托育园{i:06d}",
                towns[i % len(towns)],
                kinds[i % len(kinds)],
                None,
                "是" if i % 2 else "否",
                f"【合成】某路{i}号",
                None,
                Decimal("2500.00"),
                Decimal("500.00"),
                0,
                None,
            ]
            for index, rule in enumerate(class_types):
                row += [1, min(10, rule.max_children)] if index == i % len(class_types) else [None, None]
            yield row

    sheet = SheetSpec(title=ROSTER_SHEET, columns=[(c.header, None) for c in columns], rows=rows())
    with open(path, "wb") as out:
        out.write(write_workbook([sheet]))
    return {"rows": n, "bytes": os.path.getsize(path)}


def run_import(path: str, write: bool) -> dict:
    from django.db import transaction

    from facilities.importers import import_facility_roster

    district, user = _sample_district(), _admin()
    with open(path, "rb") as f:
        content = f.read()

    class Rollback(Exception):
        pass

    start = time.perf_counter()
    try:
        with transaction.atomic():
            result = import_facility_roster(content, district=district, user=user, dry_run=not write)
            seconds = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return {"seconds": seconds, "rows": result.total_rows, "created": result.created}


def bare_read(path: str) -> dict:
    from openpyxl import load_workbook

    start = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    rows = 0
    for sheet in workbook.worksheets[:1]:
        for _values in sheet.iter_rows(values_only=True):
            rows += 1
    workbook.close()
    return {"seconds": time.perf_counter() - start, "rows": rows - 1}


def export() -> dict:
    from django.test import Client

    client = Client()
    client.force_login(_admin())
    start = time.perf_counter()
    response = client.get("/registry/export.xlsx")
    body = b"".join(response) if response.streaming else response.content
    seconds = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"export answered {response.status_code}")
    return {"seconds": seconds, "bytes": len(body)}


def bare_write(n: int) -> dict:
    import io

    from openpyxl import Workbook

    from facilities.models import Facility

    fields = (
        "name", "district__name", "town__name", "kind", "ownership", "is_inclusive", "total_slots",
        "inclusive_slots", "operating_status", "filing_status", "filing_number", "filed_on", "monthly_fee",
        "meal_fee", "address", "public_phone", "is_synthetic", "notes",
    )  # fmt: skip
    rows = list(
        Facility.objects.order_by("district__code", "town__sort_order", "name").values_list(*fields)[:n]
    )
    base = _rss_mib()
    resource_start = _peak_mib()
    start = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("托育机构")
    sheet.append(list(fields))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": len(rows),
        "bytes": len(buffer.getvalue()),
        "_base": base,
        "_peak_before": resource_start,
    }


def main(argv: list[str]) -> None:
    import django

    django.setup()
    # Import everything a job uses first, so the peak counts the job's data, not its code.
    import openpyxl  # noqa: F401
    from django.test import Client  # noqa: F401

    import facilities.importers  # noqa: F401
    from core import spreadsheets  # noqa: F401

    job, args = argv[0], argv[1:]
    base = _rss_mib()
    if job == "roster":
        out = make_roster(args[0], int(args[1]))
    elif job == "import":
        out = run_import(args[0], write=len(args) > 1 and args[1] == "write")
    elif job == "read":
        out = bare_read(args[0])
    elif job == "export":
        out = export()
    elif job == "write":
        out = bare_write(int(args[0]))
        base = out.pop("_base")
        out.pop("_peak_before")
    else:  # pragma: no cover
        raise SystemExit(f"unknown job {job}")
    out["peak_mib"] = round(max(0.0, _peak_mib() - base), 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
