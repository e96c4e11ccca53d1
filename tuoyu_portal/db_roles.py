"""Two database roles: the owner, who owns every table and runs migrations, and the portal's own role, which
owns nothing and holds only the privileges the portal needs. Only an owner can ALTER a table (so only an
owner can DISABLE TRIGGER), and the portal's role is never granted TRUNCATE, UPDATE or DELETE on the
append-only ledger: a compromised or buggy portal cannot rewrite it, whatever SQL it sends.

Configured by DATABASE_OWNER_URL beside DATABASE_URL (the portal's role); the embedded server creates both
itself. Without DATABASE_OWNER_URL the portal connects as one role, as before (docs/security.md).

After every `migrate` run as the owner, `grant_app_role` (re)grants the portal's role its privileges on
every table and sequence, and ALTER DEFAULT PRIVILEGES covers tables the owner creates later (the cache
table). It is idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections

# Tables the portal's role may read and append to, never change, delete from or truncate.
APPEND_ONLY_TABLES = ("subsidies_ledgerentry",)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grant_app_role(cursor, role: str) -> None:
    """Give `role` what the portal needs in the public schema, minus changes to the append-only tables."""
    role = _quote(role)
    cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
    cursor.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
    cursor.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
    )
    cursor.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}"
    )
    for table in APPEND_ONLY_TABLES:
        cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {role}")


def grant_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate: when connected as the owner in a two-role setup, grant the portal's role."""
    role = getattr(settings, "DATABASE_APP_ROLE", "")
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            return  # migrating as the portal's role: nothing to grant (and it could not)
        grant_app_role(cursor, role)
