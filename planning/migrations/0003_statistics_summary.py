"""The statistics summary (planning/summary.py): its tables, and the triggers that mark a district for
recomputation in the same transaction as any write that can change its figures.

- facilities_facility: the districts of the rows written (before and after: a facility moving district
  marks both). Class units reach it too: their trigger rewrites the facility's total_slots.
- facilities_statuschange: the district of each changed row's facility.
- targets_slottarget: the district (parent) of each changed row's town.
- targets_region, facilities_rulesetting, facilities_calendarday (the notice deadline of filing gaps), and
  TRUNCATE of any of the above: everything (a null district).
"""

from django.db import migrations, models

ROWS = {
    "facilities_facility": "SELECT district_id FROM {rows}",
    "facilities_statuschange": (
        "SELECT f.district_id FROM {rows} s JOIN facilities_facility f ON f.id = s.facility_id"
    ),
    "targets_slottarget": (
        "SELECT r.parent_id FROM {rows} s JOIN targets_region r ON r.id = s.town_id WHERE r.parent_id IS NOT NULL"
    ),
}
EVERYTHING = ("targets_region", "facilities_rulesetting", "facilities_calendarday")


def _row_function(table, select):
    new, old = select.format(rows="summary_new"), select.format(rows="summary_old")
    return f"""
CREATE OR REPLACE FUNCTION planning_summary_dirty_{table}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO planning_summarydirty (district_id) SELECT DISTINCT d FROM ({new}) AS x(d);
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO planning_summarydirty (district_id) SELECT d FROM ({new}) AS x(d) UNION SELECT d FROM ({old}) AS y(d);
    ELSE
        INSERT INTO planning_summarydirty (district_id) SELECT DISTINCT d FROM ({old}) AS x(d);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def create_sql():
    statements = [
        """
CREATE OR REPLACE FUNCTION planning_summary_dirty_all() RETURNS trigger AS $$
BEGIN
    INSERT INTO planning_summarydirty (district_id) VALUES (NULL);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
INSERT INTO planning_summarystate (id, valid_on) VALUES (1, NULL) ON CONFLICT DO NOTHING;
"""
    ]
    for table, select in ROWS.items():
        statements.append(_row_function(table, select))
        function = f"planning_summary_dirty_{table}()"
        statements += [
            f'CREATE TRIGGER planning_summary_ins AFTER INSERT ON "{table}" REFERENCING NEW TABLE AS summary_new '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function};",
            f'CREATE TRIGGER planning_summary_upd AFTER UPDATE ON "{table}" '
            "REFERENCING OLD TABLE AS summary_old NEW TABLE AS summary_new "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function};",
            f'CREATE TRIGGER planning_summary_del AFTER DELETE ON "{table}" REFERENCING OLD TABLE AS summary_old '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function};",
            f'CREATE TRIGGER planning_summary_trunc AFTER TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION planning_summary_dirty_all();",
        ]
    for table in EVERYTHING:
        statements.append(
            f'CREATE TRIGGER planning_summary_all AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION planning_summary_dirty_all();"
        )
    return "\n".join(statements)


def drop_sql():
    statements = []
    for table in ROWS:
        for name in ("ins", "upd", "del", "trunc"):
            statements.append(f'DROP TRIGGER IF EXISTS planning_summary_{name} ON "{table}";')
        statements.append(f"DROP FUNCTION IF EXISTS planning_summary_dirty_{table}();")
    for table in EVERYTHING:
        statements.append(f'DROP TRIGGER IF EXISTS planning_summary_all ON "{table}";')
    statements.append("DROP FUNCTION IF EXISTS planning_summary_dirty_all();")
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0002_statisticsversion"),
        ("facilities", "0002_staff_id_validator"),
        ("targets", "0002_slot_target_year_level_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="SummaryDirty",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("district_id", models.BigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "待刷新的统计汇总",
                "verbose_name_plural": "待刷新的统计汇总",
            },
        ),
        migrations.CreateModel(
            name="SummaryState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("valid_on", models.DateField(null=True)),
            ],
            options={
                "verbose_name": "统计汇总状态",
                "verbose_name_plural": "统计汇总状态",
            },
        ),
        migrations.CreateModel(
            name="SlotSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "measure",
                    models.CharField(
                        choices=[
                            ("actual", "Actual"),
                            ("pipeline", "Pipeline"),
                            ("filing_gaps", "Filing Gaps"),
                        ],
                        max_length=16,
                    ),
                ),
                ("district_id", models.BigIntegerField()),
                ("town_id", models.BigIntegerField(null=True)),
                ("is_synthetic", models.BooleanField()),
                ("whole_district", models.BooleanField(default=False)),
                ("slots", models.IntegerField(null=True)),
                ("inclusive", models.IntegerField(null=True)),
                ("facilities", models.IntegerField(default=0)),
                ("inclusive_facilities", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "托位统计汇总",
                "verbose_name_plural": "托位统计汇总",
                "indexes": [
                    models.Index(fields=["district_id", "whole_district"], name="slot_summary_district"),
                    models.Index(fields=["whole_district", "district_id"], name="slot_summary_rollup"),
                ],
            },
        ),
        migrations.CreateModel(
            name="TargetSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("district_id", models.BigIntegerField()),
                ("year", models.PositiveSmallIntegerField()),
                ("level", models.CharField(max_length=16)),
                ("total_slots", models.IntegerField(null=True)),
                ("inclusive_slots", models.IntegerField(null=True)),
            ],
            options={
                "verbose_name": "目标托位汇总",
                "verbose_name_plural": "目标托位汇总",
                "indexes": [
                    models.Index(fields=["year", "level", "district_id"], name="target_summary_plan")
                ],
            },
        ),
        migrations.RunSQL(create_sql(), drop_sql()),
    ]
