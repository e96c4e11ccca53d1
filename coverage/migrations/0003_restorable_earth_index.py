"""The GiST indexes on a copy of ll_to_earth that a restore can rebuild.

earthdistance 1.1 (PostgreSQL ≤ 15 contrib) writes ll_to_earth's body as a string calling earth() and cube()
unqualified. pg_restore builds indexes with search_path = pg_catalog, so an index on ll_to_earth itself fails
to restore ("type earth does not exist"). `coverage_earth` is the same formula with every name of the
extensions qualified by their schema (looked up here), so it resolves whatever the caller's search path. It
is a one-expression SQL function without a SET clause, so the planner inlines it as it inlines ll_to_earth
(a SET clause would make each call cost a search-path switch). earthdistance 1.2 (PostgreSQL 16+, the
embedded server) qualifies its own names; the copy works with both. The queries use coverage_earth too, so
that the planner matches the indexes.
"""

from django.db import migrations

BODY = (
    "SELECT {s}.cube({s}.cube({s}.cube({s}.earth() * cos(radians($1)) * cos(radians($2))), "
    "{s}.earth() * cos(radians($1)) * sin(radians($2))), {s}.earth() * sin(radians($1)))::{s}.earth"
)


SCHEMA_OF = "SELECT quote_ident(extnamespace::regnamespace::text) FROM pg_extension WHERE extname = %s"


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(SCHEMA_OF, ["cube"])
        cube_schema = cursor.fetchone()[0]
        cursor.execute(SCHEMA_OF, ["earthdistance"])
        earth_schema = cursor.fetchone()[0]
        body = BODY.replace("{s}.cube(", f"{cube_schema}.cube(").replace("{s}", earth_schema)
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION coverage_earth(float8, float8) RETURNS {earth_schema}.earth "
            f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $body$ {body} $body$"
        )
        cursor.execute(
            "DROP INDEX IF EXISTS coverage_community_earth_gist; "
            "DROP INDEX IF EXISTS coverage_facility_earth_gist; "
            "CREATE INDEX coverage_community_earth_gist ON coverage_community "
            "USING gist (coverage_earth(latitude::float8, longitude::float8)); "
            "CREATE INDEX coverage_facility_earth_gist ON facilities_facility "
            "USING gist (coverage_earth(latitude::float8, longitude::float8));"
        )


class Migration(migrations.Migration):
    dependencies = [("coverage", "0002_earthdistance")]

    operations = [
        migrations.RunPython(create, reverse_code=migrations.RunPython.noop),
        migrations.RunSQL(
            migrations.RunSQL.noop,
            reverse_sql="DROP INDEX IF EXISTS coverage_community_earth_gist;"
            "DROP INDEX IF EXISTS coverage_facility_earth_gist;"
            "CREATE INDEX coverage_community_earth_gist ON coverage_community "
            "USING gist (ll_to_earth(latitude::float8, longitude::float8));"
            "CREATE INDEX coverage_facility_earth_gist ON facilities_facility "
            "USING gist (ll_to_earth(latitude::float8, longitude::float8));"
            "DROP FUNCTION IF EXISTS coverage_earth(float8, float8);",
        ),
    ]
