"""Chinese first, English complete: the app ships its English catalogue (subsidies/locale), every message
translated, none fuzzy, compiled; the pages switch language."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.i18n_coverage import untranslated as missing_from_catalogues

PO = Path(settings.BASE_DIR) / "subsidies" / "locale" / "en" / "LC_MESSAGES" / "django.po"
pytestmark = pytest.mark.django_db


def test_every_message_is_translated_and_none_is_fuzzy():
    text = PO.read_text(encoding="utf-8")
    entries = re.findall(r'msgid ((?:"[^\n]*"\n)+)msgstr((?:\[\d\])? (?:"[^\n]*"\n)+)', text)
    assert entries
    untranslated = [msgid for msgid, msgstr in entries if msgid.strip() != '""' and msgstr.strip() == '""']
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert missing_from_catalogues("subsidies") == []


def test_the_compiled_catalogue_is_used():
    with translation.override("en"):
        assert translation.gettext("支付台账") == "Payment ledger"
        assert translation.gettext("暂缓支付") == "Payments on hold"


def test_pages_switch_to_english(client, users, data_for_i18n):
    client.force_login(users["daxing_official"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("subsidies:funds")).content.decode()
    assert "Fund execution" in page and "资金执行情况" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "资金执行情况" in client.get(reverse("subsidies:funds")).content.decode()


@pytest.fixture
def data_for_i18n(fund):
    return fund
