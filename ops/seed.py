"""`python manage.py seed`: every app's fixtures in one transaction (places and sources first)."""

from pathlib import Path

from django.db import transaction

from coverage.seeding import seed_coverage
from facilities.seeding import seed_calendar, seed_registry
from planning.seeding import seed_goals
from subsidies.seeding import seed_subsidies
from supervision.seeding import seed_supervision
from targets.seeding import DEFAULT_FIXTURES_DIR, SeedReport, seed


def seed_all(directory: Path | str | None = None) -> SeedReport:
    directory = Path(directory) if directory else DEFAULT_FIXTURES_DIR
    with transaction.atomic():
        report = seed(directory)
        report = seed_registry(directory, report)
        report = seed_calendar(directory, report)
        report = seed_goals(directory, report)
        report = seed_subsidies(directory, report)
        report = seed_supervision(directory, report)
        return seed_coverage(directory, report)
