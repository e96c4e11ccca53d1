"""Statistics reads on a PostgreSQL streaming replica, everything else on the primary.

Enabled by DATABASE_REPLICA_URL (the `replica` database alias). Without it, every query goes to `default`.

- `ReplicaReadsMiddleware` marks GET/HEAD requests whose path matches one of REPLICA_READ_PATHS (regular
  expressions: the dashboards, their exports and the statistics API) as replica-readable; `replica_reads()`
  does the same for code outside a request (a benchmark, a report command).
- `ReplicaRouter` then sends reads of the registry and statistics models to the replica, but never reads of
  sign-in state (sessions, users, lockouts, tokens, the security log), never inside a transaction on the
  primary, and never writes: a replica is read-only and may lag by a fraction of a second.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PRIMARY = "default"

# Sign-in, lockout and token state must be read where it was just written.
PRIMARY_ONLY_APPS = {
    "auth",
    "sessions",
    "contenttypes",
    "admin",
    "axes",
    "accounts",  # API tokens and the security log
    "django_tasks_db",
    "django_cache",  # the database cache holds throttle counters
}

_replica_ok: ContextVar[bool] = ContextVar("tuoyu_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Let statistics reads in this block go to the replica (when one is configured)."""
    token = _replica_ok.set(True)
    try:
        yield
    finally:
        _replica_ok.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _replica_ok.get() or not replica_configured():
            return PRIMARY
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:  # read-your-writes inside a transaction
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        patterns = getattr(settings, "REPLICA_READ_PATHS", ())
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    def __call__(self, request):
        if (
            self.pattern is not None
            and replica_configured()
            and request.method in ("GET", "HEAD")
            and self.pattern.match(request.path)
        ):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
