"""`python manage.py import_population FILE --district CODE --source-title "…" [--dry-run]`: a district's and
its towns' population (infants under 3 by town) from a sheet, all or nothing (planning.population_import)."""

from core.import_command import ImportCommand
from planning.population_import import import_population
from targets.models import Region


class Command(ImportCommand):
    help = (
        "从Excel导入一个区及其镇街的人口（含镇街3岁以下婴幼儿）。Import a district's and towns' population."
    )
    what = "人口数据"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source-title", required=True, help="the source document's title")
        parser.add_argument("--source-issuer", default="", help="the source document's issuer")

    def handle(self, *args, source_title, source_issuer, **options):
        self.source = (source_title, source_issuer)
        return super().handle(*args, **options)

    def find_district(self, code):
        return Region.objects.filter(code=code, level=Region.Level.DISTRICT).first()

    def run(self, content, *, district, user, dry_run):
        title, issuer = self.source
        return import_population(
            content, district=district, user=user, source_title=title, source_issuer=issuer, dry_run=dry_run
        )
