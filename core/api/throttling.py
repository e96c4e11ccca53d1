"""Request rates per token or user and per anonymous address, counted in the shared cache (Redis when
configured, so several app servers count together).

Each throttle that applies records where the client stands (limit, remaining, seconds until the window
frees a request) on the request; core.api.middleware sends it as `RateLimit-Limit`, `RateLimit-Remaining`
and `RateLimit-Reset` on every API response, and a 429 also carries `Retry-After` (DRF).

With the portal's default cache (PostgreSQL, Django's DatabaseCache) a request is counted in one statement: an
upsert of the client's row in the cache table that starts or continues a fixed window and returns where the
client stands (`count_in_database`), instead of DRF's get + set of a timestamp list through the cache (six
round trips with the database cache). A window allows `limit` requests; a refused request is not counted
beyond the first refusal. With Redis (CACHE_URL) DRF's sliding window through the cache stays."""

import datetime
import math

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

STATE_ATTRIBUTE = "api_rate_limit"
KEY_PREFIX = "rate:"  # never a key of Django's cache API (those start with ":<version>:")

# value = "<window start, epoch seconds>,<requests counted>"; the count stops at limit + 1 (refused).
COUNT_SQL = """
INSERT INTO {table} AS t (cache_key, value, expires) VALUES (%(key)s, %(fresh)s, %(expires)s)
ON CONFLICT (cache_key) DO UPDATE SET
    value = CASE
        WHEN t.value !~ '^[0-9]+(\\.[0-9]+)?,[0-9]+$'
          OR split_part(t.value, ',', 1)::float8 + %(duration)s <= %(now)s THEN EXCLUDED.value
        WHEN split_part(t.value, ',', 2)::int <= %(limit)s
          THEN split_part(t.value, ',', 1) || ',' || (split_part(t.value, ',', 2)::int + 1)
        ELSE t.value END,
    expires = CASE
        WHEN t.value !~ '^[0-9]+(\\.[0-9]+)?,[0-9]+$'
          OR split_part(t.value, ',', 1)::float8 + %(duration)s <= %(now)s THEN EXCLUDED.expires
        ELSE t.expires END
RETURNING value
"""


def database_cache_table() -> tuple[str, str] | None:
    """(database alias, table) of the default cache when it is Django's DatabaseCache, else None."""
    backend = caches["default"]
    if not isinstance(backend, DatabaseCache):
        return None
    return router.db_for_write(backend.cache_model_class), backend._table


def count_in_database(key: str, limit: int, duration: int, now: float) -> tuple[float, int]:
    """Count one request of `key` in a fixed window of `duration` seconds: (window start, requests counted in
    it, this one included; limit + 1 once refused). One statement, atomic under concurrent requests."""
    alias, table = database_cache_table()
    connection = connections[alias]
    expires = connection.ops.adapt_datetimefield_value(
        datetime.datetime.fromtimestamp(now + duration, tz=datetime.UTC)
    )
    params = {
        "key": KEY_PREFIX + key,
        "fresh": f"{now:.6f},1",
        "expires": expires,
        "duration": float(duration),
        "now": now,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL.format(table=connection.ops.quote_name(table)), params)
        start, count = cursor.fetchone()[0].split(",")
    return float(start), int(count)


class ReportingThrottleMixin:
    def allow_request(self, request, view):
        self.window = None
        if self.rate is not None and database_cache_table() is not None:
            allowed = self._allow_counted_in_database(request, view)
        else:
            allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            self._report(request)
        return allowed

    def _allow_counted_in_database(self, request, view) -> bool:
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        self.window = count_in_database(self.key, self.num_requests, self.duration, self.now)
        return self.window[1] <= self.num_requests

    def wait(self):
        if self.window is None:
            return super().wait()
        return max(0.0, self.window[0] + self.duration - self.now)

    def _report(self, request) -> None:
        if self.window is not None:
            remaining = max(0, self.num_requests - self.window[1])
            reset = self.window[0] + self.duration - self.now
        else:
            remaining = max(0, self.num_requests - len(self.history))
            reset = self.duration - (self.now - self.history[-1]) if self.history else self.duration
        state = (self.num_requests, remaining, max(0, math.ceil(reset)))
        target = getattr(request, "_request", request)  # the HttpRequest the middleware sees
        current = getattr(target, STATE_ATTRIBUTE, None)
        if current is None or state[1] < current[1]:
            setattr(target, STATE_ATTRIBUTE, state)


class ClientRateThrottle(ReportingThrottleMixin, SimpleRateThrottle):
    """Per token (or per signed-in user without a token)."""

    scope = "client"

    def get_cache_key(self, request, view):
        # request.auth is the API token when token authentication (accounts) accepted the request, None for a
        # session: core imports no app, so it is recognised as a saved model instance.
        token = request.auth
        if token is not None and getattr(token, "pk", None) is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(ReportingThrottleMixin, AnonRateThrottle):
    scope = "anonymous"
