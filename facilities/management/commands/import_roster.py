"""`python manage.py import_roster FILE --district CODE [--dry-run] [--coord-system wgs84|gcj02|bd09]`: a
district's facility roster, through the importer the page's job runs (facilities.importers). The coordinate
system is that of rows whose 坐标系 cell is empty (default WGS-84)."""

from core import geo
from core.import_command import ImportCommand
from facilities.importers import import_facility_roster
from targets.models import Region


class Command(ImportCommand):
    help = "从Excel导入一个区的托育机构名册。Import a district's facility roster from an .xlsx."
    what = "机构名册"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--coord-system",
            choices=geo.CoordSystem.values,
            default=geo.CoordSystem.WGS84,
            help="the system of the 经度/纬度 cells whose 坐标系 cell is empty (default wgs84)",
        )

    def handle(self, *args, coord_system=geo.CoordSystem.WGS84, **options):
        self.coord_system = coord_system
        return super().handle(*args, **options)

    def find_district(self, code):
        return Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()

    def run(self, content, *, district, user, dry_run):
        return import_facility_roster(
            content,
            district=district,
            user=user,
            dry_run=dry_run,
            coord_system=getattr(self, "coord_system", geo.CoordSystem.WGS84),
        )
