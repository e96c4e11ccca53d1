"""The API's filter backend: django-filter, strict (the default filter backend of every API list).

- A parameter a list does not know is a 400 naming it, never silently ignored: a typo (`?inclusiv=true`) or a
  filter of another system (`?modified_since=`) would otherwise return every row, and a sync job would take
  that for the answer.
- A bad value is a 400 naming the parameter. Yes/no filters take `true`/`false` (or `1`/`0`); anything else
  is refused (django's yes/no widgets read an unknown word as "any").
- `updated_after` (ISO 8601) on every list of a model with `updated_at` (append-only records: `created_at`):
  the rows changed strictly after it.

Parameters that are not filters (paging, format, …) are `COMMON_PARAMETERS`; a view reading parameters of
its own lists them in `extra_query_parameters`."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_basic_type, build_parameter_type, get_view_model
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from core.formatting import listing

UPDATED_AFTER = "updated_after"
# Not filters: paging (page numbers or a cursor), the download format.
COMMON_PARAMETERS = frozenset({"page", "page_size", "cursor", "format"})
TRUE_WORDS, FALSE_WORDS = frozenset({"true", "1"}), frozenset({"false", "0"})


def parse_instant(value: str) -> datetime.datetime | None:
    """An ISO 8601 date or date-time (aware; a naive one is in the portal's time zone), or None. A `+` of
    the offset arrives as a space when the client did not encode it: it is read back as `+`."""
    text = value.strip()
    candidates = [text]
    if " " in text and "T" in text:
        candidates.append(text.replace(" ", "+"))
    try:
        for candidate in candidates:
            moment = parse_datetime(candidate)
            if moment is not None:
                moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
                # in UTC: PostgreSQL takes offsets up to ±15:59 only; out of range near year 1 or 9999 is
                # an OverflowError here, refused as a bad value
                return moment.astimezone(datetime.UTC)
        day = parse_date(text)
        if day is not None:
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    except (ValueError, OverflowError):
        return None
    return None


def change_time_field(model) -> str | None:
    """The column `updated_after` reads: `updated_at`, or `created_at` for an append-only record (a ledger
    entry is never changed, only followed by its reversal); None when the model has neither."""
    names = {field.name for field in model._meta.concrete_fields}
    return next((name for name in ("updated_at", "created_at") if name in names), None)


def has_updated_at(model) -> bool:
    return change_time_field(model) is not None


def _parameter_names(name: str, form_field) -> set[str]:
    """The query parameters one filter reads: its name, or its name with each suffix of a range widget."""
    suffixes = getattr(form_field.widget, "suffixes", None)
    if suffixes:
        return {f"{name}_{suffix}" if suffix else name for suffix in suffixes}
    return {name}


class StrictFilterBackend(DjangoFilterBackend):
    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["data"] = self._yes_no_read(kwargs["data"], self.get_filterset_class(view, queryset))
        return kwargs

    def _yes_no_read(self, data, filterset_class):
        """Yes/no filters as the widgets read them (`1`/`0` → `true`/`false`); another word is a 400.
        (Read from the filter's class: touching a class-level filter's `field` would freeze its choices
        before the request could narrow them.)"""
        if filterset_class is None:
            return data
        errors, data = {}, data.copy()
        for name, filter_ in filterset_class.base_filters.items():
            value = data.get(name)
            if not value or not issubclass(filter_.field_class, forms.NullBooleanField | forms.BooleanField):
                continue
            word = value.strip().lower()
            if word in TRUE_WORDS | FALSE_WORDS:
                data[name] = "true" if word in TRUE_WORDS else "false"
            else:
                errors[name] = [_("请填写 true 或 false（收到“%(value)s”）。") % {"value": value}]
        if errors:
            raise serializers.ValidationError(errors, code="invalid")
        return data

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if getattr(view, "action", None) == "list" and request.method in ("GET", "HEAD"):
            self._refuse_unknown(request, queryset, view, filterset)
        if filterset is not None:
            if not filterset.is_valid():
                raise translate_validation(filterset.errors)
            queryset = filterset.qs
        raw = request.query_params.get(UPDATED_AFTER)
        if raw is not None and has_updated_at(queryset.model):
            moment = parse_instant(raw)
            if moment is None:
                raise serializers.ValidationError(
                    {UPDATED_AFTER: [_("请填写 ISO 8601 日期或时间，如 2026-01-31T08:00:00+08:00。")]},
                    code="invalid",
                )
            queryset = queryset.filter(**{f"{change_time_field(queryset.model)}__gt": moment})
        return queryset

    def _refuse_unknown(self, request, queryset, view, filterset) -> None:
        known = set(COMMON_PARAMETERS) | set(getattr(view, "extra_query_parameters", ()))
        if has_updated_at(queryset.model):
            known.add(UPDATED_AFTER)
        if filterset is not None:
            for name, filter_ in filterset.filters.items():
                known |= _parameter_names(name, filter_.field)
        refuse_unknown(request.query_params, known)


def refuse_unknown(params, known, shown=None) -> None:
    """A 400 naming every parameter of `params` outside `known`, listing what may be asked (`shown`: the
    parameters to list, when some known ones go unsaid) — the one refusal of every API endpoint."""
    unknown = sorted(set(params) - set(known))
    if unknown:
        listed = listing(sorted(known if shown is None else shown))
        message = _("不支持的查询参数。可用参数：%(known)s。") % {"known": listed}
        raise serializers.ValidationError({name: [message] for name in unknown}, code="unknown_parameter")


class StrictFilterExtension(DjangoFilterExtension):
    """The schema's parameters of a list: the FilterSet's (drf-spectacular's own reading) plus
    `updated_after` where the model has `updated_at`."""

    target_class = "core.api.filters.StrictFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        model = get_view_model(auto_schema.view, emit_warnings=False)
        if model is not None and has_updated_at(model):
            parameters.append(
                build_parameter_type(
                    name=UPDATED_AFTER,
                    location="query",
                    schema=build_basic_type(OpenApiTypes.DATETIME),
                    description=str(
                        gettext_lazy(
                            "只返回此时间之后（不含）修改过的记录（ISO 8601，如 2026-01-31T08:00:00+08:00）"
                        )
                    ),
                )
            )
        return parameters
