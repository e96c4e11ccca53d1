# ApiToken and SecurityEvent, moved here from tuoyu_portal. The tables already exist (tuoyu_portal's
# migrations 0001 and 0002 created them) and keep their names, so only Django's model state is created here;
# the content types follow the models, which keeps their permissions and admin log entries attached.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("apitoken", "securityevent")


def relabel_content_types(old_label, new_label):
    def run(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MOVED:
            if ContentType.objects.using(db).filter(app_label=new_label, model=model).exists():
                continue  # already there (created by an earlier run): leave both rows as they are
            ContentType.objects.using(db).filter(app_label=old_label, model=model).update(app_label=new_label)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("tuoyu_portal", "0003_move_models_to_accounts"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                help_text="用途，如：市托育一件事平台", max_length=100, verbose_name="名称"
                            ),
                        ),
                        ("key_prefix", models.CharField(db_index=True, max_length=12, verbose_name="令牌前缀")),
                        ("key_hash", models.CharField(max_length=64, unique=True, verbose_name="令牌摘要")),
                        ("read_only", models.BooleanField(default=True, verbose_name="只读")),
                        ("expires_at", models.DateTimeField(verbose_name="到期时间")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="撤销时间")),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="创建人",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="用户",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "接口令牌",
                        "verbose_name_plural": "接口令牌",
                        "db_table": "tuoyu_portal_apitoken",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="SecurityEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "at",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now, verbose_name="时间"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("login", "登录"),
                                    ("login_failed", "登录失败"),
                                    ("locked_out", "登录锁定"),
                                    ("logout", "退出"),
                                    ("denied", "拒绝访问"),
                                ],
                                db_index=True,
                                max_length=20,
                                verbose_name="事件",
                            ),
                        ),
                        ("username", models.CharField(blank=True, max_length=150, verbose_name="用户名")),
                        ("ip_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="IP 地址")),
                        ("method", models.CharField(blank=True, max_length=10, verbose_name="请求方法")),
                        ("path", models.CharField(blank=True, max_length=500, verbose_name="路径")),
                        ("status", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="状态码")),
                        ("reason", models.CharField(blank=True, max_length=200, verbose_name="原因")),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="用户",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "安全日志",
                        "verbose_name_plural": "安全日志",
                        "db_table": "tuoyu_portal_securityevent",
                        "ordering": ["-at", "-pk"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            relabel_content_types("tuoyu_portal", "accounts"),
            relabel_content_types("accounts", "tuoyu_portal"),
        ),
    ]
