"""“以上” includes the number (民法典 第1259条): figures stored as “> 80” for “80%以上” become “≥ 80”.

A reported figure whose quote says 以上 and was stored with the strict comparator is changed in place (its
history keeps the old row); “余” (“130余家”, “700余万元”: more than a round number) stays strict. Reversible
only for the rows this migration changed, which it marks by nothing else, so the reverse reads the same test.
"""

from django.db import migrations


def _stated_at_least(figures):
    return figures.filter(quote__contains="以上").exclude(quote__contains="余")


def to_at_least(apps, schema_editor):
    ReportedFigure = apps.get_model("targets", "ReportedFigure")
    for figure in _stated_at_least(ReportedFigure.objects.filter(comparator="gt")):
        figure.comparator = "gte"
        figure.save(update_fields=["comparator"])


def to_strict(apps, schema_editor):
    ReportedFigure = apps.get_model("targets", "ReportedFigure")
    _stated_at_least(ReportedFigure.objects.filter(comparator="gte")).update(comparator="gt")


class Migration(migrations.Migration):
    dependencies = [("targets", "0006_nbs_codes")]

    operations = [migrations.RunPython(to_at_least, to_strict)]
