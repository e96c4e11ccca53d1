"""Numbers as officials type them, read the same way by forms, the API and imports (issue 16).

`1,234`, `1，234` (full-width comma), `１２３４` (full-width digits), ` 300 ` (surrounding spaces, the
ideographic space too) are read as the number they spell — by core.spreadsheets.number_from_text, the one
reading of number text, which the spreadsheet imports use. What stays ambiguous is refused with a clear
message instead of being guessed: `1.234,5` (a European decimal comma), `1,23` (a comma that is not a
thousands separator) — one person's 1.2345 is another's 1234.5. Anything else (units, Chinese numerals,
fractions) is left to the field, whose own message names the problem.

Applied by the base classes, once: `install()` (run by core's AppConfig) makes Django's IntegerField,
DecimalField and FloatField form fields and Django REST framework's IntegerField, DecimalField and FloatField
serializer fields normalise text this way before their own parsing. So every numeric field gets it — those
declared by hand, those a ModelForm or ModelSerializer builds, the admin's — and none can forget it. Bounds,
places and "whole number" checks stay the fields' own. `LenientIntegerField` and `LenientDecimalField` name
the lenient fields for code that wants to say so explicitly (they behave exactly like the installed ones).
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.spreadsheets import number_from_text

AMBIGUOUS = _("“%(value)s”不是规范的数字：千位分隔符每三位一个，小数点用“.”（如 1,234 或 1234.5）。")


def normalise_number_text(value):
    """The text of a number as the fields parse it ("1234", "-1234.5"), or `value` unchanged when it is not
    text or spells no plain number (the field then says why). Raises ValueError(message) for ambiguous
    separators."""
    if not isinstance(value, str):
        return value
    folded = unicodedata.normalize("NFKC", value).strip()
    if not folded:
        return folded
    number = number_from_text(folded)
    if number is not None:
        return str(number)
    if "," in folded and any(ch.isdigit() for ch in folded):
        raise ValueError(AMBIGUOUS % {"value": value.strip()})
    return folded


def _form_to_python(parent):
    def to_python(self, value):
        try:
            value = normalise_number_text(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
        return parent(self, value)

    to_python._lenient = True
    return to_python


def _serializer_to_internal_value(parent):
    def to_internal_value(self, data):
        try:
            data = normalise_number_text(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None
        return parent(self, data)

    to_internal_value._lenient = True
    return to_internal_value


FORM_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)
SERIALIZER_FIELDS = (serializers.IntegerField, serializers.DecimalField, serializers.FloatField)


def install() -> None:
    """Make every numeric form and serializer field lenient (idempotent)."""
    for field in FORM_FIELDS:
        method = field.__dict__.get("to_python")
        if method is not None and not getattr(method, "_lenient", False):
            field.to_python = _form_to_python(method)
    for field in SERIALIZER_FIELDS:
        method = field.__dict__.get("to_internal_value")
        if method is not None and not getattr(method, "_lenient", False):
            field.to_internal_value = _serializer_to_internal_value(method)


class LenientIntegerField(forms.IntegerField):
    """A form's whole number as people type it (see the module)."""

    to_python = _form_to_python(forms.IntegerField.to_python)


class LenientDecimalField(forms.DecimalField):
    to_python = _form_to_python(forms.DecimalField.to_python)


class LenientIntegerSerializerField(serializers.IntegerField):
    to_internal_value = _serializer_to_internal_value(serializers.IntegerField.to_internal_value)


class LenientDecimalSerializerField(serializers.DecimalField):
    to_internal_value = _serializer_to_internal_value(serializers.DecimalField.to_internal_value)


__all__ = [
    "LenientDecimalField",
    "LenientDecimalSerializerField",
    "LenientIntegerField",
    "LenientIntegerSerializerField",
    "install",
    "normalise_number_text",
]
