"""Findings keep their history, grades are kept per month, evaluation frameworks have editions (issue 17).

- FindingDeadline: every deadline a finding was given, append-only (a trigger refuses UPDATE); filled for existing findings from their FindingAction rows.
- FindingAction.happened_on: the day a step happened (filled from acted_at); backfilled records carry
  their original dates. Inspection.backfilled / Finding.backfilled mark records entered after the fact.
- GradeRecord: a facility's grade per month with its reasons.
- EvaluationFramework.edition / status / published_on / previous: existing frameworks become edition 1,
  published. Triggers refuse changes to the dimensions, items and grade lines of a published or retired
  edition, and to its points, veto grade, key and edition, so an assessment's score never changes.
"""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


def fill_history(apps, schema_editor):
    """Existing frameworks: edition 1, published. Existing steps: their day. Existing findings: the
    deadline history their actions record (the first deadline, changes, reopenings with a new one)."""
    import datetime

    from django.utils import timezone

    Framework = apps.get_model("supervision", "EvaluationFramework")
    Finding = apps.get_model("supervision", "Finding")
    FindingAction = apps.get_model("supervision", "FindingAction")
    FindingDeadline = apps.get_model("supervision", "FindingDeadline")
    for framework in Framework.objects.all():
        framework.status = "published"
        framework.published_on = (
            timezone.localtime(framework.created_at).date()
            if framework.created_at
            else (datetime.date.today())
        )
        framework.save(update_fields=["status", "published_on"])
    for action in FindingAction.objects.filter(happened_on__isnull=True).iterator():
        action.happened_on = timezone.localtime(action.acted_at).date()
        action.save(update_fields=["happened_on"])
    rows = []
    for finding in Finding.objects.select_related("inspection").iterator():
        steps = FindingAction.objects.filter(
            finding=finding, action__in=["created", "deadline", "reopened"], on_date__isnull=False
        ).order_by("acted_at", "pk")
        history = []
        for step in steps:
            kind = {"created": "initial", "deadline": "extended", "reopened": "reopened"}[step.action]
            if kind == "initial" and history:
                continue
            history.append(
                FindingDeadline(
                    finding=finding,
                    deadline=step.on_date,
                    in_force_from=step.happened_on,
                    kind=kind,
                    set_by_id=step.actor_id,
                    note="",
                )
            )
        if not history or history[0].kind != "initial":
            # No record of the first deadline: the earliest one known stands for it.
            history.insert(
                0,
                FindingDeadline(
                    finding=finding,
                    deadline=history[0].deadline if history else finding.deadline,
                    in_force_from=finding.inspection.inspected_on,
                    kind="initial",
                    set_by_id=finding.created_by_id,
                ),
            )
        if history[-1].deadline != finding.deadline:  # changed outside the workflow (the admin)
            history.append(
                FindingDeadline(
                    finding=finding,
                    deadline=finding.deadline,
                    in_force_from=timezone.localtime(finding.updated_at).date(),
                    kind="extended",
                    set_by_id=finding.created_by_id,
                    note="迁移时按问题当前期限补记",
                )
            )
        rows.extend(history)
    FindingDeadline.objects.bulk_create(rows)


FREEZE_SQL = """
CREATE OR REPLACE FUNCTION supervision_framework_is_frozen(framework bigint) RETURNS boolean AS $$
    SELECT EXISTS (SELECT 1 FROM supervision_evaluationframework
                   WHERE id = framework AND status IN ('published', 'retired'));
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION supervision_refuse_frozen_part() RETURNS trigger AS $$
DECLARE
    old_framework bigint;
    new_framework bigint;
BEGIN
    IF TG_TABLE_NAME = 'supervision_evaluationitem' THEN
        IF TG_OP <> 'INSERT' THEN
            SELECT framework_id INTO old_framework FROM supervision_evaluationdimension WHERE id = OLD.dimension_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            SELECT framework_id INTO new_framework FROM supervision_evaluationdimension WHERE id = NEW.dimension_id;
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN old_framework := OLD.framework_id; END IF;
        IF TG_OP <> 'DELETE' THEN new_framework := NEW.framework_id; END IF;
    END IF;
    IF supervision_framework_is_frozen(old_framework) OR supervision_framework_is_frozen(new_framework) THEN
        RAISE EXCEPTION 'evaluation framework % is published: its content cannot change; draft a new edition',
            COALESCE(new_framework, old_framework) USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER supervision_dimension_frozen BEFORE INSERT OR UPDATE OR DELETE ON supervision_evaluationdimension
    FOR EACH ROW EXECUTE FUNCTION supervision_refuse_frozen_part();
CREATE TRIGGER supervision_item_frozen BEFORE INSERT OR UPDATE OR DELETE ON supervision_evaluationitem
    FOR EACH ROW EXECUTE FUNCTION supervision_refuse_frozen_part();
CREATE TRIGGER supervision_threshold_frozen BEFORE INSERT OR UPDATE OR DELETE ON supervision_gradethreshold
    FOR EACH ROW EXECUTE FUNCTION supervision_refuse_frozen_part();

CREATE OR REPLACE FUNCTION supervision_refuse_frozen_framework() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN ('published', 'retired') AND (
        NEW.status = 'draft'
        OR NEW.key IS DISTINCT FROM OLD.key
        OR NEW.edition IS DISTINCT FROM OLD.edition
        OR NEW.total_points IS DISTINCT FROM OLD.total_points
        OR NEW.veto_grade IS DISTINCT FROM OLD.veto_grade
    ) THEN
        RAISE EXCEPTION 'evaluation framework % is published: its scoring cannot change; draft a new edition',
            OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER supervision_framework_frozen BEFORE UPDATE ON supervision_evaluationframework
    FOR EACH ROW EXECUTE FUNCTION supervision_refuse_frozen_framework();

-- A deadline once given is never rewritten (rows go only with their finding, which the workflow never
-- deletes).
CREATE OR REPLACE FUNCTION supervision_refuse_deadline_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the deadline history of a finding is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER supervision_deadline_append_only BEFORE UPDATE ON supervision_findingdeadline
    FOR EACH ROW EXECUTE FUNCTION supervision_refuse_deadline_change();
"""

UNFREEZE_SQL = """
DROP TRIGGER IF EXISTS supervision_deadline_append_only ON supervision_findingdeadline;
DROP FUNCTION IF EXISTS supervision_refuse_deadline_change();
DROP TRIGGER IF EXISTS supervision_framework_frozen ON supervision_evaluationframework;
DROP FUNCTION IF EXISTS supervision_refuse_frozen_framework();
DROP TRIGGER IF EXISTS supervision_threshold_frozen ON supervision_gradethreshold;
DROP TRIGGER IF EXISTS supervision_item_frozen ON supervision_evaluationitem;
DROP TRIGGER IF EXISTS supervision_dimension_frozen ON supervision_evaluationdimension;
DROP FUNCTION IF EXISTS supervision_refuse_frozen_part();
DROP FUNCTION IF EXISTS supervision_framework_is_frozen(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("facilities", "0006_facility_record_and_certificate_expiry"),
        ("supervision", "0003_history_everywhere"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="FindingDeadline",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("deadline", models.DateField(verbose_name="整改期限")),
                ("in_force_from", models.DateField(help_text="设定该期限的日期", verbose_name="生效日期")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("initial", "初始期限"),
                            ("extended", "调整期限"),
                            ("reopened", "退回后的新期限"),
                        ],
                        max_length=16,
                        verbose_name="类型",
                    ),
                ),
                ("set_at", models.DateTimeField(auto_now_add=True, verbose_name="登记时间")),
                ("note", models.CharField(blank=True, max_length=255, verbose_name="说明")),
            ],
            options={
                "verbose_name": "整改期限记录",
                "verbose_name_plural": "整改期限记录",
                "ordering": ["finding", "in_force_from", "set_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="GradeRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.DateField(help_text="月份（记为当月1日）", verbose_name="期间")),
                ("as_of", models.DateField(verbose_name="计算日期")),
                (
                    "grade",
                    models.CharField(
                        choices=[("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
                        max_length=1,
                        verbose_name="监管等级",
                    ),
                ),
                (
                    "risk_level",
                    models.CharField(
                        choices=[("low", "低风险"), ("medium", "中风险"), ("high", "高风险")],
                        max_length=8,
                        verbose_name="风险等级",
                    ),
                ),
                (
                    "credit_level",
                    models.CharField(
                        choices=[("good", "信用良好"), ("fair", "信用一般"), ("poor", "信用较差")],
                        max_length=8,
                        verbose_name="信用等级",
                    ),
                ),
                ("risk_points", models.DecimalField(decimal_places=2, max_digits=8, verbose_name="风险分")),
                ("credit_points", models.DecimalField(decimal_places=2, max_digits=8, verbose_name="信用分")),
                ("reasons", models.JSONField(blank=True, default=list, verbose_name="计分依据")),
                ("recorded_at", models.DateTimeField(auto_now_add=True, verbose_name="记录时间")),
            ],
            options={
                "verbose_name": "监管等级记录",
                "verbose_name_plural": "监管等级记录",
                "ordering": ["facility", "-period"],
            },
        ),
        migrations.AlterModelOptions(
            name="evaluationframework",
            options={
                "ordering": ["name", "-edition"],
                "verbose_name": "质量评估框架",
                "verbose_name_plural": "质量评估框架",
            },
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="evaluationframework",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="evaluationframework",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="evaluationframework",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="finding",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="finding",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="finding",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="gradethreshold",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="gradethreshold",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="gradethreshold",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="inspection",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="inspection",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="inspection",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="evaluationframework",
            name="edition",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="版本号"),
        ),
        migrations.AddField(
            model_name="evaluationframework",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="supervision.evaluationframework",
                verbose_name="上一版本",
            ),
        ),
        migrations.AddField(
            model_name="evaluationframework",
            name="published_on",
            field=models.DateField(blank=True, null=True, verbose_name="发布日期"),
        ),
        migrations.AddField(
            model_name="evaluationframework",
            name="status",
            field=models.CharField(
                choices=[("draft", "草稿"), ("published", "已发布"), ("retired", "已停用（有新版本）")],
                default="draft",
                max_length=16,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="evaluationframeworkevent",
            name="edition",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="版本号"),
        ),
        migrations.AddField(
            model_name="evaluationframeworkevent",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="supervision.evaluationframework",
                verbose_name="上一版本",
            ),
        ),
        migrations.AddField(
            model_name="evaluationframeworkevent",
            name="published_on",
            field=models.DateField(blank=True, null=True, verbose_name="发布日期"),
        ),
        migrations.AddField(
            model_name="evaluationframeworkevent",
            name="status",
            field=models.CharField(
                choices=[("draft", "草稿"), ("published", "已发布"), ("retired", "已停用（有新版本）")],
                default="draft",
                max_length=16,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="finding",
            name="backfilled",
            field=models.BooleanField(
                default=False,
                help_text="按原始记录补录的历史问题，日期为原始记录的日期",
                verbose_name="事后补录",
            ),
        ),
        migrations.AddField(
            model_name="findingaction",
            name="happened_on",
            field=models.DateField(
                blank=True,
                help_text="该步骤实际发生的日期：通常为操作当天，事后补录时为原始记录的日期",
                null=True,
                verbose_name="发生日期",
            ),
        ),
        migrations.AddField(
            model_name="findingevent",
            name="backfilled",
            field=models.BooleanField(
                default=False,
                help_text="按原始记录补录的历史问题，日期为原始记录的日期",
                verbose_name="事后补录",
            ),
        ),
        migrations.AddField(
            model_name="gradethreshold",
            name="basis",
            field=models.CharField(
                blank=True,
                help_text="分数线的出处；出处未给出分数线时写明",
                max_length=255,
                verbose_name="依据",
            ),
        ),
        migrations.AddField(
            model_name="gradethresholdevent",
            name="basis",
            field=models.CharField(
                blank=True,
                help_text="分数线的出处；出处未给出分数线时写明",
                max_length=255,
                verbose_name="依据",
            ),
        ),
        migrations.AddField(
            model_name="inspection",
            name="backfilled",
            field=models.BooleanField(
                default=False,
                help_text="检查结束后按原始记录补录的历史检查：各日期按原始记录填写，计分也按这些日期",
                verbose_name="事后补录",
            ),
        ),
        migrations.AddField(
            model_name="inspectionevent",
            name="backfilled",
            field=models.BooleanField(
                default=False,
                help_text="检查结束后按原始记录补录的历史检查：各日期按原始记录填写，计分也按这些日期",
                verbose_name="事后补录",
            ),
        ),
        migrations.AlterField(
            model_name="evaluationframework",
            name="key",
            field=models.SlugField(
                help_text="同一框架的各版本共用一个标识", max_length=64, verbose_name="标识"
            ),
        ),
        migrations.AlterField(
            model_name="evaluationframeworkevent",
            name="key",
            field=models.SlugField(
                db_index=False, help_text="同一框架的各版本共用一个标识", max_length=64, verbose_name="标识"
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="evaluationframework",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_evaluationframeworkevent" ("basis", "content_status", "created_at", "created_by_id", "edition", "id", "is_active", "key", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "previous_id", "published_on", "source_id", "standard_code", "status", "total_points", "updated_at", "updated_by_id", "version", "veto_grade") VALUES (NEW."basis", NEW."content_status", NEW."created_at", NEW."created_by_id", NEW."edition", NEW."id", NEW."is_active", NEW."key", NEW."name", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."previous_id", NEW."published_on", NEW."source_id", NEW."standard_code", NEW."status", NEW."total_points", NEW."updated_at", NEW."updated_by_id", NEW."version", NEW."veto_grade"); RETURN NULL;',
                    hash="e6af48eb47bd438b15e5dc33b7af0fec2b12506f",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_7341d",
                    table="supervision_evaluationframework",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="evaluationframework",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "supervision_evaluationframeworkevent" ("basis", "content_status", "created_at", "created_by_id", "edition", "id", "is_active", "key", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "previous_id", "published_on", "source_id", "standard_code", "status", "total_points", "updated_at", "updated_by_id", "version", "veto_grade") VALUES (NEW."basis", NEW."content_status", NEW."created_at", NEW."created_by_id", NEW."edition", NEW."id", NEW."is_active", NEW."key", NEW."name", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."previous_id", NEW."published_on", NEW."source_id", NEW."standard_code", NEW."status", NEW."total_points", NEW."updated_at", NEW."updated_by_id", NEW."version", NEW."veto_grade"); RETURN NULL;',
                    hash="bec874e73bf9c6f01bb0df1c57e0830277d10869",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_31281",
                    table="supervision_evaluationframework",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="evaluationframework",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_evaluationframeworkevent" ("basis", "content_status", "created_at", "created_by_id", "edition", "id", "is_active", "key", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "previous_id", "published_on", "source_id", "standard_code", "status", "total_points", "updated_at", "updated_by_id", "version", "veto_grade") VALUES (OLD."basis", OLD."content_status", OLD."created_at", OLD."created_by_id", OLD."edition", OLD."id", OLD."is_active", OLD."key", OLD."name", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."previous_id", OLD."published_on", OLD."source_id", OLD."standard_code", OLD."status", OLD."total_points", OLD."updated_at", OLD."updated_by_id", OLD."version", OLD."veto_grade"); RETURN NULL;',
                    hash="345b98f63ff1c310cdf8709dc1caee232e97696f",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_a04da",
                    table="supervision_evaluationframework",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="finding",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_findingevent" ("backfilled", "category", "created_at", "created_by_id", "deadline", "description", "facility_id", "id", "inspection_id", "legal_basis", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_person", "severity", "status", "submitted_on", "updated_at", "updated_by_id", "verified_by_id", "verified_on", "version") VALUES (NEW."backfilled", NEW."category", NEW."created_at", NEW."created_by_id", NEW."deadline", NEW."description", NEW."facility_id", NEW."id", NEW."inspection_id", NEW."legal_basis", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."responsible_person", NEW."severity", NEW."status", NEW."submitted_on", NEW."updated_at", NEW."updated_by_id", NEW."verified_by_id", NEW."verified_on", NEW."version"); RETURN NULL;',
                    hash="cf3c57b6fe02855070fbc08f4f23066be413e1b5",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_1219a",
                    table="supervision_finding",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="finding",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "supervision_findingevent" ("backfilled", "category", "created_at", "created_by_id", "deadline", "description", "facility_id", "id", "inspection_id", "legal_basis", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_person", "severity", "status", "submitted_on", "updated_at", "updated_by_id", "verified_by_id", "verified_on", "version") VALUES (NEW."backfilled", NEW."category", NEW."created_at", NEW."created_by_id", NEW."deadline", NEW."description", NEW."facility_id", NEW."id", NEW."inspection_id", NEW."legal_basis", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."responsible_person", NEW."severity", NEW."status", NEW."submitted_on", NEW."updated_at", NEW."updated_by_id", NEW."verified_by_id", NEW."verified_on", NEW."version"); RETURN NULL;',
                    hash="6991dd4802dc145863640026f7eba36295478177",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_6f7ce",
                    table="supervision_finding",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="finding",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_findingevent" ("backfilled", "category", "created_at", "created_by_id", "deadline", "description", "facility_id", "id", "inspection_id", "legal_basis", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_person", "severity", "status", "submitted_on", "updated_at", "updated_by_id", "verified_by_id", "verified_on", "version") VALUES (OLD."backfilled", OLD."category", OLD."created_at", OLD."created_by_id", OLD."deadline", OLD."description", OLD."facility_id", OLD."id", OLD."inspection_id", OLD."legal_basis", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."responsible_person", OLD."severity", OLD."status", OLD."submitted_on", OLD."updated_at", OLD."updated_by_id", OLD."verified_by_id", OLD."verified_on", OLD."version"); RETURN NULL;',
                    hash="85fb20d57e4311b0b71b17a74f920e171444f919",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_5e430",
                    table="supervision_finding",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="gradethreshold",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_gradethresholdevent" ("basis", "framework_id", "grade", "id", "min_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sort_order", "version") VALUES (NEW."basis", NEW."framework_id", NEW."grade", NEW."id", NEW."min_score", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."sort_order", NEW."version"); RETURN NULL;',
                    hash="950d79546f3ae8675785292fec701c3add2d0315",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_48e45",
                    table="supervision_gradethreshold",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="gradethreshold",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "supervision_gradethresholdevent" ("basis", "framework_id", "grade", "id", "min_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sort_order", "version") VALUES (NEW."basis", NEW."framework_id", NEW."grade", NEW."id", NEW."min_score", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."sort_order", NEW."version"); RETURN NULL;',
                    hash="8b3a938cce73bfb6d49e10cd7c7344f5cd739fc0",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_0260b",
                    table="supervision_gradethreshold",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="gradethreshold",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_gradethresholdevent" ("basis", "framework_id", "grade", "id", "min_score", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "sort_order", "version") VALUES (OLD."basis", OLD."framework_id", OLD."grade", OLD."id", OLD."min_score", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."sort_order", OLD."version"); RETURN NULL;',
                    hash="3bd69114893b6f65433e090ffaaef263013c2e68",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_65689",
                    table="supervision_gradethreshold",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inspection",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_inspectionevent" ("backfilled", "complaint_id", "created_at", "created_by_id", "district_id", "id", "inspected_on", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "summary", "title", "updated_at", "updated_by_id", "version") VALUES (NEW."backfilled", NEW."complaint_id", NEW."created_at", NEW."created_by_id", NEW."district_id", NEW."id", NEW."inspected_on", NEW."kind", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."summary", NEW."title", NEW."updated_at", NEW."updated_by_id", NEW."version"); RETURN NULL;',
                    hash="7ec09c86330976d88f309c2edf6fd2b8ac1bf54d",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_f32f5",
                    table="supervision_inspection",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inspection",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "supervision_inspectionevent" ("backfilled", "complaint_id", "created_at", "created_by_id", "district_id", "id", "inspected_on", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "summary", "title", "updated_at", "updated_by_id", "version") VALUES (NEW."backfilled", NEW."complaint_id", NEW."created_at", NEW."created_by_id", NEW."district_id", NEW."id", NEW."inspected_on", NEW."kind", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."summary", NEW."title", NEW."updated_at", NEW."updated_by_id", NEW."version"); RETURN NULL;',
                    hash="8ffc4c91d5818f482fefe8248d2dd85e5d3ea4ea",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_c0d9e",
                    table="supervision_inspection",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="inspection",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "supervision_inspectionevent" ("backfilled", "complaint_id", "created_at", "created_by_id", "district_id", "id", "inspected_on", "kind", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "summary", "title", "updated_at", "updated_by_id", "version") VALUES (OLD."backfilled", OLD."complaint_id", OLD."created_at", OLD."created_by_id", OLD."district_id", OLD."id", OLD."inspected_on", OLD."kind", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."summary", OLD."title", OLD."updated_at", OLD."updated_by_id", OLD."version"); RETURN NULL;',
                    hash="856d8237d5e93c65d50ab0e5f597b67a19d00079",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_5785e",
                    table="supervision_inspection",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="evaluationframework",
            constraint=models.UniqueConstraint(
                fields=("key", "edition"),
                name="evaluation_framework_key_edition",
                violation_error_message="该框架已有此版本号。",
            ),
        ),
        migrations.AddConstraint(
            model_name="evaluationframework",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "published")),
                fields=("key",),
                name="evaluation_framework_one_published",
                violation_error_message="同一框架只能有一个已发布的版本。",
            ),
        ),
        migrations.AddConstraint(
            model_name="evaluationframework",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "draft")),
                fields=("key",),
                name="evaluation_framework_one_draft",
                violation_error_message="同一框架只能有一个草稿版本。",
            ),
        ),
        migrations.AddConstraint(
            model_name="evaluationframework",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "draft"), ("published_on__isnull", False), _connector="OR"),
                name="evaluation_framework_published_dated",
                violation_error_message="已发布的版本须有发布日期。",
            ),
        ),
        migrations.AddField(
            model_name="findingdeadline",
            name="finding",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadlines",
                to="supervision.finding",
                verbose_name="问题",
            ),
        ),
        migrations.AddField(
            model_name="findingdeadline",
            name="set_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="设定人",
            ),
        ),
        migrations.AddField(
            model_name="graderecord",
            name="facility",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="grade_records",
                to="facilities.facility",
                verbose_name="机构",
            ),
        ),
        migrations.AddIndex(
            model_name="findingdeadline",
            index=models.Index(fields=["finding", "in_force_from"], name="finding_deadline_in_force"),
        ),
        migrations.AddConstraint(
            model_name="graderecord",
            constraint=models.UniqueConstraint(
                fields=("facility", "period"),
                name="grade_record_one_per_period",
                violation_error_message="该机构该期间已有等级记录。",
            ),
        ),
        migrations.AddConstraint(
            model_name="graderecord",
            constraint=models.CheckConstraint(
                condition=models.Q(("period__day", 1)),
                name="grade_record_period_is_month",
                violation_error_message="期间须为某月1日。",
            ),
        ),
        migrations.RunPython(fill_history, migrations.RunPython.noop),
        migrations.RunSQL(FREEZE_SQL, UNFREEZE_SQL),
    ]
