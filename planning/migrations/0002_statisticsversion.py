"""The statistics version: one row, set to a fresh sequence number by a statement-level trigger on every
table the published statistics read (planning.models.STATISTICS_SOURCE_TABLES), inside the writing transaction."""

from django.db import migrations, models

TABLES = (
    "facilities_facility",
    "facilities_classunit",
    "facilities_statuschange",
    "facilities_rulesetting",
    "facilities_calendarday",
    "targets_region",
    "targets_slottarget",
    "targets_populationstat",
    "targets_reportedfigure",
    "targets_sourcedocument",
    "planning_inclusivesharegoal",
    "planning_demandassumption",
    "subsidies_project",
    "subsidies_milestone",
)

# A sequence, not value + 1: nextval() is never rolled back, so a version seen inside a transaction that is
# later rolled back is never handed out again.
FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS planning_statistics_version_seq;
CREATE OR REPLACE FUNCTION planning_bump_statistics_version() RETURNS trigger AS $$
BEGIN
    UPDATE planning_statisticsversion SET value = nextval('planning_statistics_version_seq') WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers():
    statements = [
        FUNCTION,
        "INSERT INTO planning_statisticsversion (id, value) VALUES (1, 0) ON CONFLICT DO NOTHING;",
    ]
    for table in TABLES:
        statements.append(
            f'CREATE TRIGGER planning_statistics_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '  # noqa: E501
            "FOR EACH STATEMENT EXECUTE FUNCTION planning_bump_statistics_version();"
        )
    return "\n".join(statements)


def drop_triggers():
    statements = [f'DROP TRIGGER IF EXISTS planning_statistics_version ON "{table}";' for table in TABLES]
    statements.append("DROP FUNCTION IF EXISTS planning_bump_statistics_version();")
    statements.append("DROP SEQUENCE IF EXISTS planning_statistics_version_seq;")
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("facilities", "0002_staff_id_validator"),
        ("targets", "0001_initial"),
        ("subsidies", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="StatisticsVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0, verbose_name="版本")),
            ],
            options={"verbose_name": "统计数据版本", "verbose_name_plural": "统计数据版本"},
        ),
        migrations.RunSQL(create_triggers(), drop_triggers()),
    ]
