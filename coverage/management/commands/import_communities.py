"""`python manage.py import_communities FILE --district CODE --system wgs84|gcj02|bd09 [--dry-run]`: a
district's communities (code, name, population, infants, longitude, latitude) through the importer the page
uses (coverage.services.import_communities)."""

from core.geo import CoordSystem
from core.import_command import ImportCommand
from coverage.services import import_communities
from targets.models import Region


class Command(ImportCommand):
    help = (
        "从Excel导入一个区的社区（代码、名称、常住人口、3岁以下婴幼儿、经纬度）。"
        "Import a district's communities from an .xlsx."
    )
    what = "社区"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--system",
            required=True,
            choices=CoordSystem.values,
            help="the coordinates' system: wgs84 (GPS), gcj02 (高德/腾讯) or bd09 (百度)",
        )

    def handle(self, *args, system, **options):
        self.system = system
        return super().handle(*args, **options)

    def find_district(self, code):
        return Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()

    def run(self, content, *, district, user, dry_run):
        return import_communities(content, district=district, system=self.system, user=user, dry_run=dry_run)
