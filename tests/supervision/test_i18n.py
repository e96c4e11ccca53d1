"""Chinese first, English complete for supervision: the app's own catalogue translates every message and the
pages switch language."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.i18n_coverage import ENTRY
from tests.i18n_coverage import untranslated as missing_from_catalogues

PO = Path(settings.BASE_DIR) / "supervision" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy():
    text = PO.read_text(encoding="utf-8")
    entries = ENTRY.findall(text)
    assert entries
    untranslated = [
        mid
        for mid, strs in entries
        if mid.strip() != '""' and re.search(r'msgstr(?:\[\d\])? ""\n(?!")', strs)
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert PO.with_suffix(".mo").exists()
    assert missing_from_catalogues("supervision") == []


def test_the_catalogue_is_compiled():
    with translation.override("en"):
        assert translation.gettext("逾期未整改") == "Overdue"
        assert translation.gettext("风险+信用分级") == "Risk + credit grades"


@pytest.mark.django_db
def test_the_dashboard_in_english(client, users):
    client.force_login(users["daxing_official"])
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(
        reverse("supervision:dashboard", args=["110115"]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Supervision dashboard" in page and "Open findings by town and category" in page
