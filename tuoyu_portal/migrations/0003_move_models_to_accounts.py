# ApiToken and SecurityEvent moved to the accounts app. Only Django's model state changes here: the tables
# stay as they are (accounts.0001_initial takes them over with the same db_table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tuoyu_portal", "0002_security_event"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="SecurityEvent"),
            ],
            database_operations=[],
        ),
    ]
