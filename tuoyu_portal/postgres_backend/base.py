"""PostgreSQL backend (Django's, psycopg 3) with a client-side time-out for a server that stops answering.

connect_timeout bounds opening a connection and statement_timeout makes the server give up a slow query; but
a server that is hung (or a network path that swallows packets while the TCP connection stays open) answers
nothing at all, not even the cancel, and psycopg would wait for ever. Every wait of a connection made here
gives up after the database's CLIENT_TIMEOUT seconds (settings.py: DATABASE_CLIENT_TIMEOUT): the connection is
closed, since it stopped mid-conversation, and the OperationalError becomes the 503 of db_outage.py. Django
drops the closed connection at the end of the request (it is no longer usable), so the next request connects
afresh.
"""

from __future__ import annotations

import functools

import psycopg
from django.db.backends.postgresql import base
from psycopg import connection as psycopg_connection

_WAIT_INTERVAL = getattr(psycopg_connection, "_WAIT_INTERVAL", 0.1)


class GuardedConnection(psycopg.Connection):
    """A psycopg connection whose every round trip waits at most `client_timeout` seconds."""

    client_timeout: float | None = None

    def wait(self, gen, interval: float = _WAIT_INTERVAL, timeout: float | None = None):
        guarded = timeout is None and bool(self.client_timeout)
        try:
            return super().wait(gen, interval=interval, timeout=self.client_timeout if guarded else timeout)
        except psycopg.errors._WaitTimeout:
            if not guarded:
                raise
            # Stopped mid-conversation: the connection cannot be used again.
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.client_timeout:g}s; connection closed"
            ) from None


@functools.cache
def guarded_connection_class(client_timeout: float) -> type[GuardedConnection]:
    return type("GuardedConnection", (GuardedConnection,), {"client_timeout": client_timeout})


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, *args, **kwargs):
        super().__init__(settings_dict, *args, **kwargs)
        self.client_timeout = float(settings_dict.get("CLIENT_TIMEOUT") or 0)
        pool = settings_dict.get("OPTIONS", {}).get("pool")
        if self.client_timeout and isinstance(pool, dict):
            pool.setdefault("connection_class", guarded_connection_class(self.client_timeout))

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.client_timeout and not isinstance(connection, GuardedConnection):
            # Same class layout (psycopg.Connection has no __slots__): only `wait` changes.
            connection.__class__ = guarded_connection_class(self.client_timeout)
        return connection
