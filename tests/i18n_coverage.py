"""Shared check for the English catalogues: every literal message an app's templates and Python code use has
an English entry (in the app's own catalogue or the project's), so a new string cannot slip through
untranslated."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
_TEMPLATE = re.compile(r'{%\s*(?:translate|trans)\s+"([^"]+)"')
_PYTHON = re.compile(r'\b(?:_|gettext|gettext_lazy|pgettext_lazy\([^)]*?,)\(\s*"([^"\n]+)"\s*[,)]')
ENTRY = re.compile(
    r'msgid ((?:"[^\n]*"\n)+)(?:msgid_plural (?:"[^\n]*"\n)+)?'
    r'((?:msgstr(?:\[\d\])? "[^\n]*"\n(?:"[^\n]*"\n)*)+)'
)


def _unquote(block: str) -> str:
    return (
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
        .encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode("utf-8")
    )


def translated_msgids(*po_files: Path) -> set[str]:
    done = set()
    for po in po_files:
        for msgid, msgstr in ENTRY.findall(po.read_text(encoding="utf-8")):
            if not re.search(r'msgstr(?:\[\d\])? ""\n(?!")', msgstr):
                done.add(_unquote(msgid))
    return done


def literal_messages(app: str) -> set[str]:
    found = set()
    for path in (BASE / "templates" / app).rglob("*.html"):
        found |= set(_TEMPLATE.findall(path.read_text(encoding="utf-8")))
    for path in (BASE / app).rglob("*.py"):
        if "migrations" not in path.parts:
            found |= set(_PYTHON.findall(path.read_text(encoding="utf-8")))
    return {m for m in found if re.search(r"[\u4e00-\u9fff]", m)}


def untranslated(app: str) -> list[str]:
    catalogues = [BASE / "locale" / "en" / "LC_MESSAGES" / "django.po"]
    own = BASE / app / "locale" / "en" / "LC_MESSAGES" / "django.po"
    if own.exists():
        catalogues.append(own)
    return sorted(literal_messages(app) - translated_msgids(*catalogues))
