"""Smoke test at a tiny scale: `generate_national` builds a consistent synthetic nation in its own
database (never the portal's), and `benchmark` runs its measurements on it and writes its JSON with every
figure. Both run as real commands in subprocesses (the benchmark needs committed data for gunicorn).

Kept fast (about half a minute): the benchmark database is cloned from this session's migrated and
seeded test database (`--template`) instead of being migrated from scratch, the benchmark runs directly
with its settings (no re-execution of itself), the load generator is one process for every endpoint, and
the spreadsheet part — one process per measurement, measured by the full benchmark — is left out."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from ops.benchmark import database

# Marked so that pytest-django creates the test database even when this file runs alone (it is the template).
pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)
NAME = f"{os.environ.get('TEST_DATABASE_NAME', 'test_tuoyu')}_bench"


def manage(*args, bench=False):
    env = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if bench:  # what `benchmark` would re-execute itself with
        env.update(DJANGO_SETTINGS_MODULE="ops.benchmark.settings", BENCH_DATABASE=NAME)
    done = subprocess.run(
        [sys.executable, "manage.py", *map(str, args)], cwd=BASE, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def bench_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        template = connection.settings_dict["NAME"]
        # A template database must have no connections while it is copied: an earlier test of this process
        # may have left one in another thread (a live server's, an export's read-ahead).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [template],
            )
        connections.close_all()
    output = manage(
        "generate_national", "--scale", "0.001", "--database", NAME, "--replace", "--template", template
    )
    yield output
    with django_db_blocker.unblock(), connection.cursor() as cursor:  # what `--drop` does, in-process
        cursor.execute(f'DROP DATABASE IF EXISTS "{database.check_name(NAME)}" WITH (FORCE)')


def test_generates_a_consistent_synthetic_nation(bench_database):
    assert "已在" in bench_database and NAME in bench_database
    assert "facilities 150" in bench_database
    assert "一致性检查通过" in bench_database


def test_benchmark_writes_every_figure(bench_database, tmp_path):
    path = tmp_path / "bench.json"
    output = manage(
        "benchmark", "--database", NAME, "--repeat", 2, "--seconds", 0.3, "--json", path,
        "--only", "stats", "--only", "list", "--only", "dashboard", "--only", "throughput",
        bench=True,
    )  # fmt: skip
    assert "stats/slots national cold" in output
    results = json.loads(path.read_text(encoding="utf-8"))
    assert results["dataset"]["rows"]["facilities_facility"] >= 150
    for scope in ("district", "city", "national"):
        figure = results[f"stats_slots_{scope}"]
        for part in ("cold", "warm", "sql_floor", "sql_floor_from_registry", "framework_floor"):
            assert {"median_ms", "p95_ms"} <= set(figure[part])
        assert figure["ratio_cold"] > 0 and figure["queries_cold"] > 0
    for part in ("full", "one_district"):
        assert results["summary_refresh"][part]["median_ms"] > 0
    listed = results["facility_list"]
    assert listed["queries"] == listed["queries_page_of_10"]  # cold, both
    assert listed["queries_warm"] < listed["queries"]  # from the cache: no page query, no count
    assert listed["ratio"] > 0 and listed["ratio_warm"] > 0
    assert results["facility_list"]["ratio_with_framework_floor"] > 0
    # the goal's page: the nation's first 100 (fewer only in this tiny nation), one district's beside it
    assert 100 >= results["facility_list"]["rows"] > results["facility_list_district"]["rows"] > 0
    assert results["district_dashboard"]["queries"] > 0
    throughput = results["throughput"]
    for name in ("trivial", "stats_slots_district", "stats_slots_national", "facility_list",
                 "facility_list_uncached", "facility_list_district_uncached"):  # fmt: skip
        assert throughput[name]["requests"] > 0
        assert throughput[name]["errors"] == 0
    # issue 18's goals beside their floors, in the JSON and the table; the query budgets are met (counts, not
    # timings: the latency and throughput goals are reported, never asserted)
    goals = {g["goal"]: g for g in results["goals"]}
    assert set(goals) == {
        "list_queries",
        "list_ratio",
        "list_ratio_warm",
        "list_throughput",
        "list_throughput_uncached",
        "stats_district_queries",
    }
    assert all(g["floor"] and g["target"] for g in goals.values())
    assert goals["list_queries"]["met"] and goals["stats_district_queries"]["met"]
    assert "goal (issue 18)" in output and "facility list cold: queries per request" in output


def test_refuses_a_database_name_that_is_not_a_benchmark_one():
    with pytest.raises(database.BenchDatabaseError):
        database.check_name("tuoyu")
    with pytest.raises(database.BenchDatabaseError):
        database.check_template('tuoyu"; DROP')
    env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(50)}
    done = subprocess.run(
        [sys.executable, "manage.py", "generate_national", "--scale", "0.001", "--database", "tuoyu"],
        cwd=BASE, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0
    assert "_bench" in done.stderr
