"""The measurements behind `python manage.py benchmark` (docs/performance.md).

Runs in a process configured by ops.benchmark.settings (the command re-executes itself so), on
the benchmark database. Latency is measured in-process through Django's test Client (the whole middleware
and DRF stack, no network); throughput through gunicorn on loopback with the load generator in a second
process; spreadsheets in one process per measurement (peak memory).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import token_issue
from facilities.api.views import FacilityViewSet
from facilities.models import Facility
from planning import stats_cache
from targets.models import Region

YEAR, LEVEL = 2025, "plan"
LIST_FILTERS = {"kind": "private"}
LIST_FIELDS = (
    "id", "name", "kind", "ownership", "is_inclusive", "district__code", "district__name", "town__code",
    "town__name", "address", "total_slots", "inclusive_slots", "operating_status", "filing_status",
    "filing_number", "filed_on", "monthly_fee", "meal_fee", "public_phone", "version",
)  # fmt: skip
BASE_DIR = Path(settings.BASE_DIR)


def summary(samples: list[float]) -> dict:
    """Median and p95 (nearest rank) in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "runs": len(ordered),
    }


def _time(fn, repeat: int, before=None) -> list[float]:
    samples = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def clear_caches() -> None:
    cache.clear()
    stats_cache.clear()


class Bench:
    def __init__(self, *, repeat: int, seconds: float, excel_rows: int, excel_repeat: int, say=print):
        self.repeat = repeat
        self.seconds = seconds
        self.excel_rows = excel_rows
        self.excel_repeat = excel_repeat
        self.say = say
        self.results: dict = {}

    # ---------------------------------------------------------------- set-up

    def setup(self) -> None:
        user_model = get_user_model()
        self.admin = user_model.objects.filter(username="bench-admin").first()
        if self.admin is None:
            self.admin = user_model.objects.create_superuser("bench-admin")
        _token, self.secret = token_issue(
            user=self.admin,
            name="benchmark",
            read_only=True,
            expires_at=timezone.now() + timedelta(days=1),
            created_by=self.admin,
        )
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"}
        districts = Region.objects.filter(level=Region.Level.DISTRICT, code__startswith="S").order_by("code")
        self.district = districts.first()
        if self.district is None:
            raise RuntimeError("no synthetic districts: run python manage.py generate_national first")
        self.city = self.district.parent
        self.client = Client()
        connection.ensure_connection()
        info = connection.connection.info
        import psycopg

        self.raw = psycopg.connect(
            host=info.host, port=info.port, dbname=info.dbname, user=info.user, password=info.password or None
        )
        self.results["dataset"] = self.dataset()

    def dataset(self) -> dict:
        from django.apps import apps

        counts = {}
        with connection.cursor() as cursor:
            for label in (
                "targets.Region", "facilities.Facility", "facilities.ClassUnit", "facilities.StaffMember",
                "targets.SlotTarget", "subsidies.LedgerEntry", "supervision.Finding",
            ):  # fmt: skip
                table = apps.get_model(label)._meta.db_table
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
        return {
            "database": connection.settings_dict["NAME"],
            "rows": counts,
            "sample_district": self.district.code,
            "sample_city": self.city.code,
            "cores": os.cpu_count(),
            "latency_method": "Django test Client, in-process (middleware + DRF, no network)",
        }

    # ---------------------------------------------------------------- 1. stats/slots

    def _get(self, url, **extra):
        response = self.client.get(url, **{**self.auth, **extra})
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    def queries(self, url, **extra) -> int:
        with CaptureQueriesContext(connection) as captured:
            self._get(url, **extra)
        return len(captured)

    def sql_floor(self, scope: str, *, registry: bool = False) -> list[float]:
        """The aggregate the endpoint needs as one hand-written SQL statement through psycopg: over the
        statistics summary the endpoint reads (as of today), or, with `registry`, straight from the
        facilities and targets (a simplified count: no status history, pipeline or filing gaps)."""
        as_of = timezone.localdate()
        if scope == "district":
            sql = DISTRICT_SQL if registry else DISTRICT_SUMMARY_SQL
            params = {"district": self.district.pk, "year": YEAR, "level": LEVEL, "as_of": as_of}
        else:
            city = self.city.pk if scope == "city" else None
            sql = ROLLUP_SQL if registry else ROLLUP_SUMMARY_SQL
            params = {"city": city, "year": YEAR, "level": LEVEL, "as_of": as_of}

        def run():
            with self.raw.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

        run()
        return _time(run, self.repeat)

    def summary_refresh(self) -> None:
        """What keeping the statistics summary costs: recomputing everything (a new day, or after a
        bulk load) and recomputing one district after one facility changed (rolled back afterwards)."""
        from django.db import transaction

        from planning import summary as stats_summary

        today = timezone.localdate()
        stats_summary.refresh(today)

        def full():
            stats_summary.invalidate_all()
            stats_summary.refresh(today)

        def one_district():
            with transaction.atomic():
                facility = Facility.objects.filter(district=self.district).order_by("pk").first()
                Facility.objects.filter(pk=facility.pk).update(name=facility.name)
                start = time.perf_counter()
                stats_summary.refresh(today)
                samples.append(time.perf_counter() - start)
                transaction.set_rollback(True)

        samples: list[float] = []
        for _ in range(self.repeat):
            one_district()
        self.results["summary_refresh"] = {
            "full": summary(_time(full, max(1, min(3, self.repeat)))),
            "one_district": summary(samples),
        }

    def stats(self) -> None:
        self.summary_refresh()
        constant = "/api/v1/bench/constant/"
        self._get(constant)
        framework = summary(_time(lambda: self._get(constant), self.repeat))
        self.results["framework_floor"] = framework
        for scope, query in (
            ("district", f"district={self.district.code}&"),
            ("city", f"city={self.city.code}&"),
            ("national", ""),
        ):
            url = f"/api/v1/stats/slots/?{query}year={YEAR}&level={LEVEL}"
            self._get(url)
            cold = summary(_time(lambda url=url: self._get(url), self.repeat, before=clear_caches))
            clear_caches()
            cold_queries = self.queries(url)
            warm = summary(_time(lambda url=url: self._get(url), self.repeat))
            warm_queries = self.queries(url)
            floor = summary(self.sql_floor(scope))
            registry_floor = summary(self.sql_floor(scope, registry=True))
            both = floor["median_ms"] + framework["median_ms"]
            self.results[f"stats_slots_{scope}"] = {
                "url": url,
                "cold": cold,
                "warm": warm,
                "queries_cold": cold_queries,
                "queries_warm": warm_queries,
                "sql_floor": floor,
                "sql_floor_from_registry": registry_floor,
                "framework_floor": framework,
                "ratio_cold": round(cold["median_ms"] / both, 2),
                "ratio_warm": round(warm["median_ms"] / both, 2),
            }
            self.say(f"  stats/slots {scope}: cold {cold['median_ms']} ms, floor {both:.2f} ms")

    # ---------------------------------------------------------------- 2. facility list

    def facility_list(self) -> None:
        """The registry list at a page of 100, beside the same rows as `.values()` → JSON. The goal is
        measured on a full page (every private facility, the nation's first 100); one district's page (a few
        dozen rows at any scale) is measured beside it, as the two-filter list an official opens."""
        full = self._list({}, "facility_list")
        self._list({"district": self.district.code}, "facility_list_district")
        cold, warm, floor = (full[part]["median_ms"] for part in ("latency", "warm", "values_floor"))
        self.say(
            f"  facility list: {cold} ms cold, {warm} ms cached, for {full['rows']} rows, "
            f"floor {floor} ms, {full['queries']} queries"
        )

    def _list(self, region: dict, key: str) -> dict:
        """Cold: the page read from the database (this process's list cache emptied before each request, as
        after any write to the registry); warm: the same page again, from the cache."""
        query = "&".join(f"{k}={v}" for k, v in {**region, **LIST_FILTERS}.items())
        url = f"/api/v1/facilities/?{query}&page_size=100"
        rows = len(self._get(url).json()["results"])
        cold = FacilityViewSet.list_cache.clear
        latency = summary(_time(lambda: self._get(url), self.repeat, before=cold))
        self._get(url)
        warm = summary(_time(lambda: self._get(url), self.repeat))
        cold()
        queries = self.queries(url)
        queries_warm = self.queries(url)
        # queries must not grow with the page: the same list, a page of 10
        cold()
        queries_small = self.queries(url.replace("page_size=100", "page_size=10"))
        lookup = {f"{name}__code": code for name, code in region.items()}

        def floor_run():
            rows = list(
                Facility.objects.filter(**lookup, **LIST_FILTERS)
                .order_by("district__code", "town__sort_order", "name", "pk")
                .values(*LIST_FIELDS)[:100]
            )
            return json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False).encode()

        floor_run()
        floor = summary(_time(floor_run, self.repeat))
        result = self.results[key] = {
            "url": url,
            "rows": rows,
            "latency": latency,
            "warm": warm,
            "queries": queries,
            "queries_warm": queries_warm,
            "queries_page_of_10": queries_small,
            "values_floor": floor,
            "ratio": round(latency["median_ms"] / floor["median_ms"], 2),
            "ratio_warm": round(warm["median_ms"] / floor["median_ms"], 2),
        }
        framework = self.results.get("framework_floor")
        if framework:  # the list pays the same authentication, throttling and rendering as any API call
            both = floor["median_ms"] + framework["median_ms"]
            result["ratio_with_framework_floor"] = round(latency["median_ms"] / both, 2)
        return result

    # ---------------------------------------------------------------- 3. dashboard

    def dashboard(self) -> None:
        browser = Client()
        browser.force_login(self.admin)
        url = f"/planning/districts/{self.district.code}/?year={YEAR}&level={LEVEL}"

        def run():
            response = browser.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        run()
        latency = summary(_time(run, self.repeat))
        with CaptureQueriesContext(connection) as captured:
            run()
        self.results["district_dashboard"] = {"url": url, "latency": latency, "queries": len(captured)}
        self.say(f"  dashboard: {latency['median_ms']} ms, {len(captured)} queries")

    # ---------------------------------------------------------------- 4. throughput

    def throughput(self) -> None:
        """Requests per second under gunicorn, one endpoint after the other; the facility lists twice: as
        served (pages cached while the registry is unchanged) and with the list cache off (every page read
        from the database, as for pages nobody asked for since the last write)."""
        workers = os.cpu_count() or 1
        list_urls = {
            "facility_list": self.results.get("facility_list", {}).get("url")
            or "/api/v1/facilities/?kind=private&page_size=100",
            "facility_list_district": self.results.get("facility_list_district", {}).get("url")
            or f"/api/v1/facilities/?district={self.district.code}&kind=private&page_size=100",
        }
        targets = {
            "trivial": "/api/v1/bench/constant/",
            "stats_slots_district": f"/api/v1/stats/slots/?district={self.district.code}&year={YEAR}&level={LEVEL}",  # noqa: E501
            "stats_slots_national": f"/api/v1/stats/slots/?year={YEAR}&level={LEVEL}",
            **list_urls,
        }
        out = {"workers": workers, "server": "gunicorn (sync workers), loopback", "seconds": self.seconds}
        out.update(self._load(targets, workers))
        uncached = self._load(list_urls, workers, BENCH_LIST_CACHE="off")
        out.update({f"{name}_uncached": figures for name, figures in uncached.items()})
        trivial = out["trivial"]["requests_per_second"] or 1
        for name in (
            "stats_slots_district",
            "stats_slots_national",
            *list_urls,
            *(f"{name}_uncached" for name in list_urls),
        ):
            out[name]["share_of_trivial"] = round(out[name]["requests_per_second"] / trivial, 2)
        self.results["throughput"] = out

    def _load(self, targets: dict, workers: int, **env_extra) -> dict:
        """Start gunicorn on the benchmark database (with `env_extra`), warm every worker on every target, and
        measure each target for `self.seconds` with the load generator."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ops.benchmark.settings",
            "BENCH_DATABASE": connection.settings_dict["NAME"],
            **env_extra,
        }
        command = [
            sys.executable, "-m", "gunicorn", "tuoyu_portal.wsgi:application", "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", "--log-level", "warning",
            "--max-requests", "0", "--timeout", "120",
        ]  # fmt: skip
        config = BASE_DIR / "gunicorn.conf.py"
        command[4:4] = ["-c", str(config) if config.exists() else "/dev/null"]
        server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        out = {}
        try:
            self._wait(f"{base}/api/v1/bench/constant/")
            for path in targets.values():
                for _ in range(workers * 2):  # warm every worker
                    urllib.request.urlopen(
                        urllib.request.Request(
                            base + path, headers={"Authorization": f"Bearer {self.secret}"}
                        ),
                        timeout=120,
                    ).read()
            command = [sys.executable, "-m", "ops.benchmark.loadgen"]
            command += [base + path for path in targets.values()]
            command += ["--threads", str(workers * 2), "--seconds", str(self.seconds)]
            command += ["--header", f"Authorization: Bearer {self.secret}"]
            # one load-generator process, the endpoints one after the other
            load = subprocess.run(command, capture_output=True, text=True, check=True, cwd=BASE_DIR)
            lines = load.stdout.strip().splitlines()
            label = " (list cache off)" if env_extra else ""
            for name, line in zip(targets, lines, strict=True):
                out[name] = json.loads(line)
                self.say(
                    f"  throughput {name}{label}: {out[name]['requests_per_second']} req/s, "
                    f"{out[name]['errors']} errors"
                )
        finally:
            server.terminate()
            server.wait(30)
        return out

    @staticmethod
    def _wait(url: str) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    # ---------------------------------------------------------------- 5. spreadsheets

    def _probe(self, *args) -> dict:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ops.benchmark.settings",
            "BENCH_DATABASE": connection.settings_dict["NAME"],
        }
        done = subprocess.run(
            [sys.executable, "-m", "ops.benchmark.probe", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=BASE_DIR,
            env=env,
        )
        if done.returncode:
            raise RuntimeError(f"probe {args} failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def _repeated(self, *args) -> dict:
        runs = [self._probe(*args) for _ in range(self.excel_repeat)]
        out = {k: v for k, v in runs[0].items() if k not in ("seconds", "peak_mib")}
        out["time"] = summary([r["seconds"] for r in runs])
        out["peak_mib"] = max(r["peak_mib"] for r in runs)
        return out

    def excel(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            results = {}
            for rows in sorted({max(1, self.excel_rows // 10), self.excel_rows}):
                path = Path(folder) / f"roster-{rows}.xlsx"
                made = self._probe("roster", path, rows)
                preview = self._repeated("import", path)
                bare = self._repeated("read", path)
                seconds = preview["time"]["median_ms"] / 1000
                results[str(rows)] = {
                    "file_bytes": made["bytes"],
                    "import_preview": {**preview, "rows_per_second": round(rows / seconds, 1)},
                    "openpyxl_read_only": {
                        **bare,
                        "rows_per_second": round(rows / (bare["time"]["median_ms"] / 1000), 1),
                    },
                    "ratio": round(preview["time"]["median_ms"] / bare["time"]["median_ms"], 2),
                }
                self.say(
                    f"  roster import {rows:,} rows: {results[str(rows)]['import_preview']['rows_per_second']} rows/s, "  # noqa: E501
                    f"{preview['peak_mib']} MiB; openpyxl alone {bare['time']['median_ms']} ms, {bare['peak_mib']} MiB"  # noqa: E501
                )
            self.results["excel_import"] = results
            export = self._repeated("export")
            count = Facility.objects.count()
            bare = self._repeated("write", count)
            self.results["excel_export"] = {
                "facilities": count,
                "export": export,
                "openpyxl_write_only": bare,
                "ratio": round(export["time"]["median_ms"] / bare["time"]["median_ms"], 2),
            }
            self.say(
                f"  export {count:,}: {export['time']['median_ms']} ms vs openpyxl {bare['time']['median_ms']} ms"  # noqa: E501
            )

    # ---------------------------------------------------------------- all

    # ---------------------------------------------------------------- 6. the service circle (coverage)

    def coverage(self) -> None:
        """District coverage (500 communities, 300 facilities; ops/benchmark/coverage.py makes them) through
        the selector and the API, beside the SQL floor; then every district of the largest synthetic city."""
        from coverage import selectors as coverage_selectors
        from ops.benchmark import coverage as bench_coverage

        made = bench_coverage.make_coverage_data(self.district)
        radius = float(coverage_selectors.setting_for(self.district)[0])
        url = f"/api/v1/stats/coverage/?district={self.district.code}"
        self._get(url)
        api = summary(_time(lambda: self._get(url), self.repeat))
        selector = summary(_time(lambda: coverage_selectors.district_coverage(self.district), self.repeat))
        floor_run = bench_coverage.sql_floor(self.raw, self.district, radius)
        floor_run()
        floor = summary(_time(floor_run, self.repeat))
        self.results["coverage_district"] = {
            "url": url,
            "data": made,
            "api": api,
            "selector": selector,
            "queries": self.queries(url),
            "sql_floor": floor,
            "ratio": round(selector["median_ms"] / floor["median_ms"], 2),
        }
        self.say(f"  coverage district: {selector['median_ms']} ms, floor {floor['median_ms']} ms")

        city = bench_coverage.largest_city()
        districts = list(Region.objects.filter(parent=city, level=Region.Level.DISTRICT).order_by("code"))
        for district in districts:
            bench_coverage.make_coverage_data(district)

        def whole_city():
            for district in districts:
                coverage_selectors.district_coverage(district)

        def city_floor():
            for district in districts:
                bench_coverage.sql_floor(self.raw, district, radius)()

        repeat = max(1, min(5, self.repeat))
        city_time = summary(_time(whole_city, repeat))
        city_floor_time = summary(_time(city_floor, repeat))
        self.results["coverage_city"] = {
            "city": city.code,
            "districts": len(districts),
            "communities": len(districts) * bench_coverage.COMMUNITIES,
            "selector": city_time,
            "sql_floor": city_floor_time,
            "ratio": round(city_time["median_ms"] / city_floor_time["median_ms"], 2),
        }
        self.say(f"  coverage city ({len(districts)} districts): {city_time['median_ms']} ms")

    def run(self, parts) -> dict:
        self.setup()
        steps = {
            "stats": self.stats,
            "list": self.facility_list,
            "dashboard": self.dashboard,
            "throughput": self.throughput,
            "excel": self.excel,
            "coverage": self.coverage,
        }
        for name, step in steps.items():
            if name in parts:
                self.say(f"{name} …")
                step()
        self.raw.close()
        self.results["goals"] = goals(self.results)
        return self.results


DISTRICT_SQL = """
SELECT t.code, t.name, st.total_slots, st.inclusive_slots,
       COALESCE(a.slots, 0), COALESCE(a.inclusive, 0), COALESCE(a.n, 0)
FROM targets_region t
LEFT JOIN targets_slottarget st ON st.town_id = t.id AND st.year = %(year)s AND st.level = %(level)s
LEFT JOIN (
    SELECT town_id, SUM(total_slots) AS slots, SUM(inclusive_slots) AS inclusive, COUNT(*) AS n
    FROM facilities_facility
    WHERE district_id = %(district)s AND filing_status = 'filed' AND filed_on <= %(as_of)s
      AND operating_status = 'operating'
    GROUP BY town_id
) a ON a.town_id = t.id
WHERE t.parent_id = %(district)s AND t.level = 'town'
ORDER BY t.sort_order, t.code
"""

_SUMMED = """
    SUM(slots) FILTER (WHERE measure = 'actual') AS slots,
    SUM(inclusive) FILTER (WHERE measure = 'actual') AS inclusive,
    SUM(facilities) FILTER (WHERE measure = 'actual') AS n,
    SUM(inclusive_facilities) FILTER (WHERE measure = 'actual') AS n_inclusive,
    SUM(slots) FILTER (WHERE measure = 'pipeline') AS pipeline,
    SUM(facilities) FILTER (WHERE measure = 'filing_gaps') AS gaps
"""

DISTRICT_SUMMARY_SQL = f"""
SELECT t.code, t.name, st.total_slots, st.inclusive_slots, s.slots, s.inclusive, s.n, s.n_inclusive,
       s.pipeline, s.gaps
FROM targets_region t
LEFT JOIN targets_slottarget st ON st.town_id = t.id AND st.year = %(year)s AND st.level = %(level)s
LEFT JOIN (
    SELECT town_id, {_SUMMED} FROM planning_slotsummary
    WHERE district_id = %(district)s AND NOT whole_district GROUP BY town_id
) s ON s.town_id = t.id
WHERE t.parent_id = %(district)s AND t.level = 'town'
ORDER BY t.sort_order, t.code
"""

ROLLUP_SUMMARY_SQL = f"""
WITH d AS (
    SELECT id, code, name, parent_id FROM targets_region
    WHERE level = 'district' AND (%(city)s::bigint IS NULL OR parent_id = %(city)s::bigint)
), s AS (
    SELECT district_id, {_SUMMED} FROM planning_slotsummary
    WHERE whole_district AND district_id IN (SELECT id FROM d) GROUP BY district_id
)
SELECT d.code, d.name, tg.total_slots, tg.inclusive_slots, s.slots, s.inclusive, s.n, s.n_inclusive,
       s.pipeline, s.gaps, g.share_percent
FROM d JOIN targets_region c ON c.id = d.parent_id
LEFT JOIN planning_targetsummary tg ON tg.district_id = d.id AND tg.year = %(year)s AND tg.level = %(level)s
LEFT JOIN s ON s.district_id = d.id
LEFT JOIN planning_inclusivesharegoal g ON g.district_id = d.id AND g.year = %(year)s
ORDER BY c.code, d.code
"""

ROLLUP_SQL = """
WITH d AS (
    SELECT id, code, name, parent_id FROM targets_region
    WHERE level = 'district' AND (%(city)s::bigint IS NULL OR parent_id = %(city)s::bigint)
), tg AS (
    SELECT t.parent_id AS district_id, SUM(st.total_slots) AS total, SUM(st.inclusive_slots) AS inclusive
    FROM targets_slottarget st JOIN targets_region t ON t.id = st.town_id
    WHERE st.year = %(year)s AND st.level = %(level)s AND t.parent_id IN (SELECT id FROM d)
    GROUP BY t.parent_id
), a AS (
    SELECT district_id, SUM(total_slots) AS slots, SUM(inclusive_slots) AS inclusive, COUNT(*) AS n
    FROM facilities_facility
    WHERE district_id IN (SELECT id FROM d) AND filing_status = 'filed' AND filed_on <= %(as_of)s
      AND operating_status = 'operating'
    GROUP BY district_id
)
SELECT d.code, d.name, tg.total, tg.inclusive, a.slots, a.inclusive, a.n
FROM d LEFT JOIN tg ON tg.district_id = d.id LEFT JOIN a ON a.district_id = d.id
ORDER BY d.parent_id, d.code
"""


# Issue 18's goals for the registry list and the district statistics (docs/performance.md): (key, what, the
# figure's floor, the goal, how the figure is compared with it).
# The list's figures are given twice: served from the cache (the page asked for again while the registry is
# unchanged) and read from the database (cold: the first request after a write).
GOALS = (
    ("list_queries", "facility list cold: queries per request", "≤", 6),
    ("list_ratio", "facility list cold: median ÷ .values() floor", "≤", 4.0),
    ("list_ratio_warm", "facility list cached: median ÷ .values() floor", "≤", 4.0),
    ("list_throughput", "facility list cached: throughput ÷ trivial view", "≥", 0.5),
    ("list_throughput_uncached", "facility list cache off: throughput ÷ trivial", "≥", 0.5),
    ("stats_district_queries", "stats/slots district cold: queries", "≤", 6),
)


def goals(results: dict) -> list[dict]:
    """Each goal whose figure was measured: the figure, its floor, the goal and whether it is met."""
    out = []
    listed = results.get("facility_list")
    throughput = (results.get("throughput") or {}).get("facility_list")
    district = results.get("stats_slots_district")
    figures = {}
    if listed:
        figures["list_queries"] = (listed["queries"], "1 (.values())")
        floor = f"{listed['values_floor']['median_ms']:.2f} ms, {listed.get('rows', '?')} rows"
        figures["list_ratio"] = (listed["ratio"], floor)
        if "ratio_warm" in listed:
            figures["list_ratio_warm"] = (listed["ratio_warm"], floor)
    if throughput and "share_of_trivial" in throughput:
        trivial = results["throughput"]["trivial"]["requests_per_second"]
        figures["list_throughput"] = (throughput["share_of_trivial"], f"{trivial:.1f}/s trivial")
        uncached = results["throughput"].get("facility_list_uncached")
        if uncached:
            figures["list_throughput_uncached"] = (uncached["share_of_trivial"], f"{trivial:.1f}/s trivial")
    if district:
        figures["stats_district_queries"] = (district["queries_cold"], "1 (SQL floor)")
    for key, what, sign, goal in GOALS:
        if key not in figures:
            continue
        value, floor = figures[key]
        met = value <= goal if sign == "≤" else value >= goal
        out.append({"goal": key, "what": what, "value": value, "floor": floor,
                    "target": f"{sign} {_shown(key, goal)}", "met": met})  # fmt: skip
    return out


def _shown(key: str, value) -> str:
    if key.startswith("list_throughput"):
        return f"{value:.0%}"
    if key.startswith("list_ratio"):
        return f"×{value:g}"
    return str(value)


def table(results: dict) -> str:
    """The printed table: one line per figure, then the goals beside their floors."""
    lines = [f"{'figure':<44}{'median':>12}{'p95':>12}  note"]

    def add(name, s, note=""):
        lines.append(f"{name:<44}{s['median_ms']:>10.2f}ms{s['p95_ms']:>10.2f}ms  {note}")

    if "framework_floor" in results:
        add("trivial DRF view (framework floor)", results["framework_floor"])
    for scope in ("district", "city", "national"):
        r = results.get(f"stats_slots_{scope}")
        if r:
            add(
                f"stats/slots {scope} cold",
                r["cold"],
                f"×{r['ratio_cold']} of floors, {r['queries_cold']} queries",
            )
            add(f"stats/slots {scope} warm", r["warm"], f"×{r['ratio_warm']}, {r['queries_warm']} queries")
            add(f"stats/slots {scope} SQL floor (psycopg)", r["sql_floor"], "over the summary")
            if "sql_floor_from_registry" in r:
                add(f"stats/slots {scope} SQL from registry", r["sql_floor_from_registry"], "no summary")
    r = results.get("summary_refresh")
    if r:
        add("statistics summary: full recomputation", r["full"])
        add("statistics summary: one district after a write", r["one_district"])
    for key, label in (("facility_list", "nation"), ("facility_list_district", "one district")):
        r = results.get(key)
        if r:
            rows = r.get("rows", "?")
            add(
                f"facility list, {label}, {rows} rows, cold",
                r["latency"],
                f"×{r['ratio']} of floor, {r['queries']} queries",
            )
            if "warm" in r:
                add(
                    f"facility list, {label}, cached",
                    r["warm"],
                    f"×{r['ratio_warm']} of floor, {r['queries_warm']} queries",
                )
            add(f"facility list, {label}, .values() floor", r["values_floor"])
    r = results.get("district_dashboard")
    if r:
        add("district dashboard (HTML)", r["latency"], f"{r['queries']} queries")
    r = results.get("throughput")
    if r:
        for name in ("trivial", "stats_slots_district", "stats_slots_national", "facility_list",
                     "facility_list_uncached", "facility_list_district",
                     "facility_list_district_uncached"):  # fmt: skip
            if name not in r:
                continue
            t = r[name]
            share = f", {t['share_of_trivial']:.0%} of trivial" if "share_of_trivial" in t else ""
            lines.append(
                f"{'throughput ' + name:<44}{t['requests_per_second']:>10.1f}/s{'':>12}  "
                f"{t['errors']} errors{share} ({r['workers']} workers)"
            )
    for rows, r in (results.get("excel_import") or {}).items():
        add(f"roster import preview {int(rows):,} rows", r["import_preview"]["time"],
            f"{r['import_preview']['rows_per_second']:,.0f} rows/s, peak {r['import_preview']['peak_mib']} MiB, ×{r['ratio']}")  # fmt: skip  # noqa: E501
        add(f"openpyxl read-only {int(rows):,} rows", r["openpyxl_read_only"]["time"],
            f"peak {r['openpyxl_read_only']['peak_mib']} MiB")  # fmt: skip
    r = results.get("excel_export")
    if r:
        add(
            f"export {r['facilities']:,} facilities",
            r["export"]["time"],
            f"peak {r['export']['peak_mib']} MiB, ×{r['ratio']}",
        )
        add(
            "openpyxl write-only, same rows",
            r["openpyxl_write_only"]["time"],
            f"peak {r['openpyxl_write_only']['peak_mib']} MiB",
        )
    r = results.get("coverage_district")
    if r:
        d = r["data"]
        add(
            f"coverage district ({d['communities']} comm., {d['facilities_located']} fac.)",
            r["selector"],
            f"×{r['ratio']} of floor, {d['facilities_counted']} counted",
        )
        add("coverage district API", r["api"], f"{r['queries']} queries")
        add("coverage district SQL floor (pair count)", r["sql_floor"])
    r = results.get("coverage_city")
    if r:
        add(f"coverage largest city ({r['districts']} districts)", r["selector"], f"×{r['ratio']} of floor")
        add("coverage largest city SQL floor", r["sql_floor"])
    measured = results.get("goals") or goals(results)
    if measured:
        lines.append("")
        lines.append(f"{'goal (issue 18)':<44}{'measured':>12}{'floor':>18}{'goal':>10}  met")
        for g in measured:
            lines.append(
                f"{g['what']:<44}{_shown(g['goal'], g['value']):>12}{g['floor']:>18}{g['target']:>10}  "
                f"{'yes' if g['met'] else 'NO'}"
            )
    return "\n".join(lines)
