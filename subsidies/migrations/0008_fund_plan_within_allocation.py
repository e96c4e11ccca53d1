"""A fund's spending plan stays within its allocation for every writer: lowering the allocation below the
plan, or planning above it, is refused by the database too (the plan page and fund_save check first, with
messages; these triggers hold the line for the admin, SQL and races). Both lock the fund's row, as the
commitments check does, so a plan edit and an allocation change queue."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION subsidies_fund_plan_within_allocation(fund bigint) RETURNS void AS $$
DECLARE allocated numeric; planned numeric;
BEGIN
    IF fund IS NULL THEN RETURN; END IF;
    SELECT amount_allocated INTO allocated FROM subsidies_fund WHERE id = fund FOR UPDATE;
    SELECT MAX(planned_cumulative) INTO planned FROM subsidies_fundplanmonth WHERE fund_id = fund;
    IF planned > allocated THEN
        RAISE EXCEPTION 'fund %: planned spending % exceeds the allocation %', fund, planned, allocated
            USING ERRCODE = 'check_violation';
    END IF;
END $$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('subsidies', '0007_history_time_index'),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS subsidies_fund_plan_within_allocation(bigint);"),
        pgtrigger.migrations.RemoveTrigger(
            model_name='fund',
            name='fund_covers_commitments',
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='fund',
            trigger=pgtrigger.compiler.Trigger(name='fund_covers_commitments', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.amount_allocated IS DISTINCT FROM NEW.amount_allocated)', func='PERFORM subsidies_fund_within_allocation(NEW.id); PERFORM subsidies_fund_plan_within_allocation(NEW.id); RETURN NULL;', hash='805d7b4a6702bb2eb2b27f7166e0ba438f840b0c', operation='UPDATE', pgid='pgtrigger_fund_covers_commitments_c35cf', table='subsidies_fund', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='fundplanmonth',
            trigger=pgtrigger.compiler.Trigger(name='fund_plan_within_allocation', sql=pgtrigger.compiler.UpsertTriggerSql(func='PERFORM subsidies_fund_plan_within_allocation(NEW.fund_id); RETURN NULL;', hash='8ed3f06e9180e16ece992f6b9648bb4acc1badb9', operation='INSERT OR UPDATE', pgid='pgtrigger_fund_plan_within_allocation_7c438', table='subsidies_fundplanmonth', when='AFTER')),
        ),
    ]
