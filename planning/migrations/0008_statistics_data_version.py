"""The statistics version moves to core.data_version (one mechanism for every cache keyed by a version): the
statement-level triggers of 0002, their function, sequence and one-row table go; core installs a trigger
deferred to the commit on each table of planning.models.STATISTICS_SOURCE_TABLES after every migrate."""

import importlib

from django.db import migrations

initial = importlib.import_module("planning.migrations.0002_statisticsversion")


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0007_demand_scenarios"),
        ("core", "0001_data_version"),
    ]

    operations = [
        migrations.RunSQL(initial.drop_triggers(), initial.create_triggers()),
        migrations.DeleteModel(name="StatisticsVersion"),
    ]
