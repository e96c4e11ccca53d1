"""PostgreSQL's cube + earthdistance (contrib; shipped with the embedded server and Debian's postgresql
contrib) and the GiST indexes the coverage queries use: `earth_box(ll_to_earth(lat, lon), r) @> ll_to_earth(…)`
matches them. The facilities' index lives on facilities' table but only coverage reads it, so it is created
here. The extensions stay when migrating back (other objects may use them)."""

from django.db import migrations

COMMUNITY_INDEX = "coverage_community_earth_gist"
FACILITY_INDEX = "coverage_facility_earth_gist"


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0001_initial"),
        ("facilities", "0009_class_type_english_names"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS cube; CREATE EXTENSION IF NOT EXISTS earthdistance;",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            f"CREATE INDEX {COMMUNITY_INDEX} ON coverage_community "
            "USING gist (ll_to_earth(latitude::float8, longitude::float8));",
            reverse_sql=f"DROP INDEX IF EXISTS {COMMUNITY_INDEX};",
        ),
        migrations.RunSQL(
            f"CREATE INDEX {FACILITY_INDEX} ON facilities_facility "
            "USING gist (ll_to_earth(latitude::float8, longitude::float8));",
            reverse_sql=f"DROP INDEX IF EXISTS {FACILITY_INDEX};",
        ),
    ]
