"""`python manage.py import_targets FILE --district CODE [--dry-run]`: a district's slot targets from a sheet
in the annex layout, through the importer the page's job runs (targets.importers)."""

from core.import_command import ImportCommand
from targets.importers import import_slot_targets
from targets.models import Region


class Command(ImportCommand):
    help = "从附件格式的Excel导入一个区的托位目标。Import a district's slot targets from an annex .xlsx."
    what = "托位目标"

    def find_district(self, code):
        return Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()

    def run(self, content, *, district, user, dry_run):
        return import_slot_targets(content, district=district, user=user, dry_run=dry_run)
