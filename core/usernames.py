"""User names: one rule for every place that opens an account (the accounts page, API-client accounts, the
initial administrator, the superusers' admin).

A name is NFKC-normalised first (full-width "ｒｏｏｔ" is "root"), so every check sees what will be stored and
what the sign-in form (which normalises the same way) will look up. It must then consist of ASCII letters,
digits and . _ - @ only: no spaces, no invisible characters (a zero-width space), no look-alike letters from
other scripts (a Cyrillic "а"), no markup. Finally it may not be confusable with an existing name: names are
compared by a skeleton that ignores case and the separators and folds the digit/letter pairs people misread
(0/o, 1/l/i, 5/s, rn/m, vv/w), so "Daxing_0fficial" is refused while "daxing.official" exists.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_LENGTH, MAX_LENGTH = 3, 150
ALLOWED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
SEPARATORS = re.compile(r"[._@-]+")
FOLDS = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("5", "s"))


def normalize(raw: str) -> str:
    """What will be stored: NFKC, without surrounding white space."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def skeleton(name: str) -> str:
    """What a reader sees: case, separators and commonly misread characters folded together."""
    folded = SEPARATORS.sub("", normalize(name).casefold())
    for pair, into in FOLDS:
        folded = folded.replace(pair, into)
    return folded


def clean_new_username(raw: str, *, exclude_pk=None) -> str:
    """The normalised name, or ValidationError (in the user's language) saying what is wrong with it."""
    name = normalize(raw)
    if not name:
        raise ValidationError(_("请填写用户名。"), code="required")
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        raise ValidationError(
            _("用户名长度须为 %(min)s–%(max)s 个字符。") % {"min": MIN_LENGTH, "max": MAX_LENGTH},
            code="length",
        )
    if not ALLOWED.fullmatch(name):
        raise ValidationError(
            _("用户名只能使用英文字母、数字和 . _ - @，并以字母或数字开头。"), code="characters"
        )
    users = get_user_model().objects.exclude(pk=exclude_pk) if exclude_pk else get_user_model().objects
    if users.filter(username__iexact=name).exists():
        raise ValidationError(_("用户名已被使用。"), code="taken")
    wanted = skeleton(name)
    # The account table is small (officials and operators of a district or city): compare in Python.
    for existing in users.values_list("username", flat=True).iterator():
        if skeleton(existing) == wanted:
            raise ValidationError(
                _("用户名与一个已有用户名过于相似，容易混淆，请换一个。"),
                code="confusable",
            )
    return name
