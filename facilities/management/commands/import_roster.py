"""`python manage.py import_roster FILE --district CODE [--dry-run]`: a district's facility roster,
through the importer the page's job runs (facilities.importers)."""

from core.import_command import ImportCommand
from facilities.importers import import_facility_roster
from targets.models import Region


class Command(ImportCommand):
    help = "从Excel导入一个区的托育机构名册。Import a district's facility roster from an .xlsx."
    what = "机构名册"

    def find_district(self, code):
        return Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()

    def run(self, content, *, district, user, dry_run):
        return import_facility_roster(content, district=district, user=user, dry_run=dry_run)
