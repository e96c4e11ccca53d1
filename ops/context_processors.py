"""Template context of the ops app: whether this portal runs on a demo database (templates/base.html shows a
banner on every page then; see tuoyu_portal/settings.py DEMO_DATABASE and `python3 dev.py demo`) and whether
statistics count synthetic facilities (facilities.selectors.counts_synthetic), for the pages that say which
facilities they count."""

from django.conf import settings

from facilities.selectors import counts_synthetic


def demo_database(request) -> dict:
    return {
        "demo_database": bool(getattr(settings, "DEMO_DATABASE", False)),
        "statistics_count_synthetic": counts_synthetic(),
    }
