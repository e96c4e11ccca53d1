"""Chinese first, English complete: every UI string has an English translation, compiled."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from tests.i18n_coverage import untranslated as missing_from_catalogues

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy():
    text = PO.read_text(encoding="utf-8")
    entries = re.findall(r'((?:#[^\n]*\n)*)msgid ((?:"[^\n]*"\n)+)msgstr((?:\[\d\])? (?:"[^\n]*"\n)+)', text)
    untranslated = [
        msgid
        for _h, msgid, msgstr in entries
        if msgid.strip() != '""' and re.fullmatch(r'(\[\d\])? ""\n', msgstr)
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text


def test_the_compiled_catalogue_has_the_latest_strings():
    with translation.override("en"):
        assert translation.gettext("账户管理") == "Accounts"
        assert translation.gettext("托位建设目标") != "托位建设目标"


def test_every_literal_message_of_the_core_apps_has_an_english_entry():
    for app in ("targets", "facilities", "planning", "tuoyu_portal", "accounts", "ops"):
        assert missing_from_catalogues(app) == [], app
