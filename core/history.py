"""Stored values as a person reads them, for history panels and for what a refused stale save shows."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _


def display(field: models.Field | None, value, names: dict | None = None):
    """`value` of `field` for a reader: choice labels, related rows by name, local date-times, 是/否; None for
    empty. `names` maps related primary keys to names when the caller fetched them in bulk."""
    if value is None or value == "":
        return None
    if field is None:
        return value
    if field.is_relation:
        if names is not None and value in names:
            return names[value]
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField) or isinstance(value, bool):
        return _("是") if value in (True, "true", "True") else _("否")
    if isinstance(field, models.DateTimeField):
        moment = value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
        if moment is None:
            return value
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if isinstance(field, models.DateField):
        day = value if isinstance(value, datetime.date) else parse_date(str(value))
        return day.isoformat() if day else value
    return value
