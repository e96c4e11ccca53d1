"""Settings for the 托育 portal. Every deployment difference comes from environment variables read here.

DATABASE_URL   postgres://user:pass@host:5432/name — unset: the project's own embedded PostgreSQL
SECRET_KEY     required when DEBUG is off
DEBUG          "1"/"true" for local development (default on only when DATABASE_URL is unset)
ALLOWED_HOSTS  comma-separated host names
The Configuration table in docs/operations.md lists the rest (security, replica, cache, logging).
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL and not DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://")):
    raise ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL (postgres://…); SQLite is not supported."
    )
# Local use (no DATABASE_URL) defaults to DEBUG; a configured deployment defaults to production behaviour.
DEBUG = env_bool("DEBUG", default=not DATABASE_URL)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
_NEW_KEY_ADVICE = 'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
# The weak keys Django's own check (security.W009) warns about stop a production start instead.
WEAK_SECRET_KEY_PREFIXES = ("django-insecure-", "insecure-")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(f"SECRET_KEY must be set when DEBUG is off. {_NEW_KEY_ADVICE}")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith(WEAK_SECRET_KEY_PREFIXES)
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for a start with DEBUG off: it needs at least 50 characters, at least 5 "
        f"different ones, and no {' / '.join(WEAK_SECRET_KEY_PREFIXES)} prefix. {_NEW_KEY_ADVICE}"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "core",
    "tuoyu_portal",
    "targets",
    "pgtrigger",
    "pghistory",
    "facilities",
    "planning",
    "subsidies",
    "supervision",
    "reporting",
    "accounts",
    "ops",
    "coverage",
    "interop",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "tuoyu_portal.routers.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tuoyu_portal.middleware.ChineseFirstLocaleMiddleware",
    "core.api.middleware.ApiMiddleware",  # /api/: Accept-Language, RateLimit-* headers
    "tuoyu_portal.db_outage.DatabaseUnavailableMiddleware",  # database down: 503, not 500
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.security.SecurityAuditMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",  # a generated password is changed first
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "tuoyu_portal.urls"
WSGI_APPLICATION = "tuoyu_portal.wsgi.application"
ASGI_APPLICATION = "tuoyu_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "facilities.context_processors.navigation",
                "ops.context_processors.demo_database",
            ],
        },
    },
]

# PostgreSQL only. No DATABASE_URL: the embedded server in .embedded-postgres/ (see embedded_db.py).
# docs/operations.md "Database connections" explains each DATABASE_* variable.
#
# Time-outs: opening a connection gives up after DATABASE_CONNECT_TIMEOUT s; the server cancels a statement
# after DATABASE_STATEMENT_TIMEOUT s; and the client stops waiting for any answer after
# DATABASE_CLIENT_TIMEOUT s (a hung server answers nothing, not even the cancel: see
# tuoyu_portal/postgres_backend). Each ends as the 503 of db_outage.py. Commands that run long by design
# (migrations, backups, the import worker, benchmark data) get neither of the last two; pg_dump and
# pg_restore run as programs of their own and never had them.
LONG_RUNNING_COMMANDS = {
    "migrate",
    "backup",
    "restore",
    "db_worker",
    "benchmark",
    "generate_national",
    "demo_data",
    "seed",
    "soak",
    "loaddata",
    "dumpdata",
    "createcachetable",
    "shell",
    "dbshell",
}
MANAGE_COMMAND = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" else ""
_long_running = MANAGE_COMMAND in LONG_RUNNING_COMMANDS
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)
DATABASE_STATEMENT_TIMEOUT = 0 if _long_running else env_int("DATABASE_STATEMENT_TIMEOUT", 30)
_client_default = DATABASE_STATEMENT_TIMEOUT + 5 if DATABASE_STATEMENT_TIMEOUT else 0
DATABASE_CLIENT_TIMEOUT = 0 if _long_running else env_int("DATABASE_CLIENT_TIMEOUT", _client_default)
# Behind pgbouncer in transaction mode (DATABASE_PGBOUNCER=1) a session is not ours: no server-side cursors
# (Django's .iterator() would DECLARE one), no `options` startup parameter (pgbouncer refuses it; set
# statement_timeout on the role instead), and the import worker connects directly (DATABASE_DIRECT_URL).
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
DATABASE_DIRECT_URL = os.environ.get("DATABASE_DIRECT_URL", "").strip()
# Commands that hold a session (the worker's advisory lock) or change the schema bypass pgbouncer.
DIRECT_CONNECTION_COMMANDS = {"db_worker", "migrate", "backup", "restore"}
# psycopg's own pool (Django >= 5.1), one per process, shared by its threads: DATABASE_POOL=1. Off by default:
# gunicorn's sync workers each keep one persistent connection (CONN_MAX_AGE), which is what a pool would do.
DATABASE_POOL = env_bool("DATABASE_POOL", False)


def database_settings(url: str) -> dict:
    """DATABASES entry for a postgres:// URL, or for the embedded server when `url` is empty."""
    if url:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        database["ENGINE"] = "tuoyu_portal.postgres_backend"
    else:
        from tuoyu_portal import embedded_db

        database = embedded_db.database_settings(owner=_as_owner)
    # runserver starts a thread per request and a thread's connection is never reused: with a persistent
    # connection each one stayed open until garbage collection found it (17 held after 200 requests).
    if MANAGE_COMMAND == "runserver" and not DATABASE_POOL:
        database["CONN_MAX_AGE"] = 0
    database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", database.get("CONN_MAX_AGE", 0))
    options = database.setdefault("OPTIONS", {})
    options["connect_timeout"] = DATABASE_CONNECT_TIMEOUT
    if DATABASE_STATEMENT_TIMEOUT and not DATABASE_PGBOUNCER:
        options["options"] = f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}"
    if url and DATABASE_CLIENT_TIMEOUT:
        # A dead network path (no ACKs): TCP gives up too. Ignored on Unix sockets.
        options.update(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
        options["tcp_user_timeout"] = DATABASE_CLIENT_TIMEOUT * 1000
    database["CLIENT_TIMEOUT"] = DATABASE_CLIENT_TIMEOUT
    if DATABASE_PGBOUNCER:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    if DATABASE_POOL:
        # Pooled connections are reused across requests; Django refuses CONN_MAX_AGE with a pool.
        database["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1),
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", DATABASE_CONNECT_TIMEOUT),
        }
    return database


# Two roles (tuoyu_portal/db_roles.py, docs/security.md "Database roles"): DATABASE_OWNER_URL owns the
# tables and runs the commands that change the schema; DATABASE_URL is then the portal's own role, which owns
# nothing. The embedded server always has both (postgres, the owner, and tuoyu_app). Unset with a
# DATABASE_URL: one role, as before. The test suite connects as the owner (pytest-django creates, flushes
# and drops test databases); tests/subsidies/test_roles.py checks the portal's role on the test database.
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "").strip()
OWNER_COMMANDS = {
    "migrate",
    "createcachetable",
    "flush",
    "restore",
    "benchmark",
    "generate_national",
    "demo_data",
}
_as_owner = MANAGE_COMMAND in OWNER_COMMANDS or (not MANAGE_COMMAND and "pytest" in sys.modules)
if DATABASE_OWNER_URL and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_OWNER_URL needs DATABASE_URL (the portal's own role) beside it.")
if DATABASE_OWNER_URL:
    DATABASE_APP_ROLE = dj_database_url.parse(DATABASE_URL)["USER"]
    if _as_owner:
        DATABASE_URL = DATABASE_OWNER_URL
elif not DATABASE_URL:
    from tuoyu_portal.embedded_db import APP_ROLE as DATABASE_APP_ROLE
else:
    DATABASE_APP_ROLE = ""  # one role

if DATABASE_PGBOUNCER and MANAGE_COMMAND in DIRECT_CONNECTION_COMMANDS:
    if not DATABASE_DIRECT_URL:
        raise ImproperlyConfigured(
            f"DATABASE_PGBOUNCER is on: `manage.py {MANAGE_COMMAND}` needs DATABASE_DIRECT_URL, a connection "
            "straight to PostgreSQL (the import worker holds a session-level advisory lock)."
        )
    DATABASES = {"default": database_settings(DATABASE_DIRECT_URL)}
else:
    DATABASES = {"default": database_settings(DATABASE_URL)}

# The demo database (`python3 dev.py demo`, docs/operations.md "Demo database"): DEMO=1 points the portal at
# "<name>_demo" on the same server. Only a database whose name ends in _demo is a demo database: there the
# statistics count the synthetic registry (STATISTICS_COUNT_SYNTHETIC, read only by
# facilities.selectors.counts_synthetic; the benchmark's own settings turn it on too) and every page carries
# a banner saying so.
if env_bool("DEMO", False) and not DATABASES["default"]["NAME"].endswith("_demo"):
    DATABASES["default"]["NAME"] += "_demo"
DEMO_DATABASE = DATABASES["default"]["NAME"].endswith("_demo")
STATISTICS_COUNT_SYNTHETIC = DEMO_DATABASE

# API list pages kept per process while the data they read has not changed (core.api.views.CachedListMixin):
# megabytes of rendered JSON; 0 reads every page from the database.
API_LIST_CACHE_MB = env_int("API_LIST_CACHE_MB", 32)

# Parallel test runs on one server need distinct test databases (default: test_<NAME>).
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# A streaming replica of the primary for statistics reads (tuoyu_portal/routers.py). Writes, sign-in state
# and everything not listed in REPLICA_READ_PATHS stay on the primary. Tests mirror it onto `default`.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL and not DEMO_DATABASE:  # the replica mirrors the portal's database, not the demo
    DATABASES["replica"] = database_settings(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["tuoyu_portal.routers.ReplicaRouter"]
REPLICA_READ_PATHS = [
    r"/api/v1/stats/",
    r"/planning/compare/",
    r"/planning/districts/[^/]+/(export/[^/]+|towns/[^/]+/)?$",
    r"/supervision/districts/[^/]+/(export/[^/]+)?$",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# whitenoise serves static files from every app server. In production `python manage.py collectstatic`
# (run at each deploy) writes compressed, content-hashed copies to STATIC_ROOT, cached for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded files (filing materials) go through the "default" storage above: the local file system under
# MEDIA_ROOT (git-ignored, never served directly: downloads go through permission-checked views). An
# S3-compatible store is a STORAGES["default"] change, see docs/registry.md.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
FILING_UPLOAD_MAX_BYTES = env_int("FILING_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
WHITENOISE_USE_FINDERS = DEBUG  # in development, straight from static/ (no collectstatic needed)
if DEBUG:
    import warnings

    warnings.filterwarnings("ignore", message="No directory at: ")  # whitenoise: STATIC_ROOT not collected

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "registry:list"
LOGOUT_REDIRECT_URL = "targets:home"

# `python manage.py backup` writes here unless given a file name (docs/operations.md, “Backups”).
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "backups"))

# Background jobs (spreadsheet imports) in the same PostgreSQL: `python manage.py db_worker` runs them;
# `python3 dev.py serve` starts one beside runserver.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# An uploaded spreadsheet is deleted this many days after its import job ended (the job's report stays);
# the worker does it as it takes jobs, `python manage.py purge_import_uploads` on demand. 0 keeps them.
IMPORT_UPLOAD_RETENTION_DAYS = env_int("IMPORT_UPLOAD_RETENTION_DAYS", 30)
# A job still queued after this many minutes gets a warning on its page (is the worker running?).
IMPORT_QUEUE_WARNING_MINUTES = env_int("IMPORT_QUEUE_WARNING_MINUTES", 5)

# The what-if default for demand (share of families with infants under 3 wanting a place) when a district
# has not set its own; shown as an editable assumption, never as data.
PLANNING_DEFAULT_ENROLMENT_WISH_PERCENT = os.environ.get("PLANNING_DEFAULT_ENROLMENT_WISH_PERCENT", "33")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.CredentialSchemeCheck",  # other schemes and ?token= are a 401
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "core.api.permissions.TokenScope",
        "core.api.permissions.ReadPublicWriteAuthenticated",
    ],
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.ApiNegotiation",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "core.api.renderers.CSVRenderer",
        "core.api.renderers.XLSXRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.ClientRateThrottle",
        "core.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "client": os.environ.get("API_RATE_CLIENT", "600/min"),
        "anonymous": os.environ.get("API_RATE_ANONYMOUS", "60/min"),
    },
    # core.api.exceptions.exception_handler, plus the security log's classification of denials
    "EXCEPTION_HANDLER": "accounts.security.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "托育服务管理门户 API",
    "DESCRIPTION": "Slot statistics, targets, places and the facility registry of the 托育 portal (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.any_of_without_discriminator",
    ],
    # One name per choice set shared by several fields (subsidies and supervision API).
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "facilities.models.Facility.Kind",
        "ComparatorEnum": "targets.models.ReportedFigure.Comparator",
        "ProgramKindEnum": "subsidies.models.Program.Kind",
        "ProgramBasisEnum": "subsidies.models.Program.Basis",
        "ProjectKindEnum": "subsidies.models.Project.Kind",
        "MilestoneStageEnum": "subsidies.models.Milestone.Stage",
        "InspectionKindEnum": "supervision.models.Inspection.Kind",
        "PeriodReportStatusEnum": "reporting.models.PeriodReport.Status",
        "OperatingStatusEnum": "facilities.models.Facility.OperatingStatus",
        "StatusRequestEnum": "facilities.api.workflow.REQUESTABLE_CHOICES",
        "SlotTableLevelEnum": "planning.api.statistics.BY_CHOICES",
    },
}

# Cache (API throttling counters, later summaries): Redis when configured so several app servers share it,
# the database otherwise (`python manage.py createcachetable`, run by dev.py serve).
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
    # Sessions are rows in PostgreSQL, read through Redis: any app server continues any session.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tuoyu_cache"}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Security (docs/security.md). Production (DEBUG off) is hardened by default; `manage.py check --deploy`
# passes without warnings, which tests/deploy/test_settings.py checks. ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # one working day
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (deploy/nginx.conf does), trust it:
    # SECURE_PROXY_SSL_HEADER=1. Only when the app servers are reachable through that proxy alone.
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)  # one year
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# How many reverse proxies append to X-Forwarded-For in front of the app servers (client address for the
# lockout and the security log); 0 = use the connection's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Content-Security-Policy (django-csp): scripts and styles only from this site's static files, or inline
# with the per-response nonce; no plugins, frames or foreign form targets. Charts (ECharts) draw SVG.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if os.environ.get("CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [os.environ["CSP_REPORT_URI"]]

# Login lockout (accounts/security.py): AXES_FAILURE_LIMIT failures for one user name from one address lock
# that pair for AXES_COOLOFF_MINUTES (django-axes); LOGIN_LOCK_USERNAME_FAILURES in the last
# LOGIN_LOCK_USERNAME_MINUTES lock a user name from every address, LOGIN_LOCK_ADDRESS_FAILURES in the last
# LOGIN_LOCK_ADDRESS_MINUTES lock an address for every user name (0 turns a lock off). A locked user name
# signs in with a one-time code (valid SIGN_IN_CODE_MINUTES). Counters live in PostgreSQL, so every app
# server sees them.
AUTHENTICATION_BACKENDS = [
    "accounts.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # knocking on a locked door does not keep it locked
LOGIN_LOCK_USERNAME_FAILURES = env_int("LOGIN_LOCK_USERNAME_FAILURES", 10)
LOGIN_LOCK_USERNAME_MINUTES = env_int("LOGIN_LOCK_USERNAME_MINUTES", 60)
LOGIN_LOCK_ADDRESS_FAILURES = env_int("LOGIN_LOCK_ADDRESS_FAILURES", 20)
LOGIN_LOCK_ADDRESS_MINUTES = env_int("LOGIN_LOCK_ADDRESS_MINUTES", 15)
SIGN_IN_CODE_MINUTES = env_int("SIGN_IN_CODE_MINUTES", 15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins go to the security log (SecurityEvent)
AXES_VERBOSE = False

# E-mail (password-reset links, one-time sign-in codes). EMAIL_URL=smtp://user:pass@host:587/?tls=1 (or
# ?ssl=1; user and password percent-encoded), or EMAIL_HOST with EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL. Unset: no mail is sent, and the reset page says that the
# district's administrator resets passwords.
from urllib.parse import parse_qs, unquote, urlsplit  # noqa: E402

EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
if EMAIL_URL:
    _email = urlsplit(EMAIL_URL)
    if _email.scheme not in ("smtp", "smtps") or not _email.hostname:
        raise ImproperlyConfigured("EMAIL_URL must look like smtp://user:pass@host:587/?tls=1.")
    _email_options = {k: v[-1] for k, v in parse_qs(_email.query).items()}
    EMAIL_HOST = _email.hostname
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps" or _email_options.get("ssl") in ("1", "true")
    EMAIL_USE_TLS = not EMAIL_USE_SSL and _email_options.get("tls") in ("1", "true")
else:
    EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip() or "localhost"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_ENABLED = bool(EMAIL_URL or os.environ.get("EMAIL_HOST", "").strip())
if not EMAIL_ENABLED:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"  # nothing leaves; pages say so
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "") or (
    EMAIL_HOST_USER if "@" in EMAIL_HOST_USER else "webmaster@localhost"
)

# Logging: everything to stderr (gunicorn / systemd collect it); security events also to
# SECURITY_LOG_FILE when set, and always to the SecurityEvent table (the admin's 安全日志).
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
SECURITY_LOG_FILE = os.environ.get("SECURITY_LOG_FILE", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "embedded_postgres": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "tuoyu.security": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Server errors with their traceback on stderr in production too (Django's own console is debug-only).
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
if SECURITY_LOG_FILE:
    LOGGING["handlers"]["security_file"] = {
        "class": "logging.handlers.WatchedFileHandler",  # logrotate-friendly
        "filename": SECURITY_LOG_FILE,
        "formatter": "plain",
    }
    LOGGING["loggers"]["tuoyu.security"]["handlers"].append("security_file")
