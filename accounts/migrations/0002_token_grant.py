"""Tokens carry the grant they were issued under. A token of an API-client account holding exactly one
grant is given that grant; any other token keeps its owner's whole scope (see accounts.selectors for who
may then see and revoke it)."""

import django.db.models.deletion
from django.db import migrations, models


def scope_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    RoleAssignment = apps.get_model("facilities", "RoleAssignment")
    for token in ApiToken.objects.filter(grant__isnull=True):
        grants = list(RoleAssignment.objects.filter(user_id=token.user_id, role="api_client")[:2])
        if len(grants) == 1:
            token.grant = grants[0]
            token.save(update_fields=["grant"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('facilities', '0003_versions_and_authors'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='grant',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to='facilities.roleassignment', verbose_name='授权范围'),
        ),
        migrations.RunPython(scope_existing_tokens, migrations.RunPython.noop),
    ]
