"""English names of the national class types (托育机构设置标准（试行）), for the English interface."""

from django.db import migrations

NAMES = {
    "infant": "Infant class",
    "toddler": "Younger toddler class",
    "older": "Older toddler class",
    "mixed": "Mixed-age class",
}


def name_class_types(apps, schema_editor):
    ClassTypeRule = apps.get_model("facilities", "ClassTypeRule")
    for code, name in NAMES.items():
        ClassTypeRule.objects.filter(code=code, name_en="").update(name_en=name)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0008_requests_amendments_and_placements")]

    operations = [migrations.RunPython(name_class_types, migrations.RunPython.noop)]
