"""Stored values as a person reads them, and the history panel every object page shows."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from core import privacy


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


# ---------------------------------------------------------------- history panels
# Every edited record is tracked by django-pghistory (core.models.tracked): each insert, update and delete
# leaves a full snapshot with the request's context (user, URL). A panel reads the snapshots of an object and
# of everything hanging off it, newest first, keeps every event (paged, never capped), and shows each change
# as before → after in the reader's terms. An event that applied someone else's request (an approved pending
# change) names both: who asked and who approved.

HIDDEN = {"id", "created_at", "updated_at", "created_by", "updated_by", "version"}
ACTIONS = {"insert": _("新增"), "update": _("修改"), "delete": _("删除")}
PAGE_SIZE = 20


@dataclass(frozen=True)
class Source:
    """Events of `model` whose snapshot matches `filters` (on the event table: `pgh_obj_id`, `facility_id`,
    `staff_id__in`…); `hide` lists parent pointers not worth showing in each change."""

    model: type[models.Model]
    filters: dict
    hide: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entry:
    when: datetime.datetime
    user: object
    requested_by: object
    subject: str
    label: str
    action: str
    changes: list[tuple[str, object, object]]


@functools.cache
def event_model(model: type[models.Model]):
    """The pghistory event model that tracks `model` (None when untracked); models are fixed at start-up."""
    for candidate in apps.get_models():
        if getattr(candidate, "pgh_tracked_model", None) is model and hasattr(candidate, "pgh_obj"):
            return candidate
    return None


def changed_at(queryset: models.QuerySet) -> datetime.datetime | None:
    """The newest change among the rows of `queryset` and in its model's history events (a deletion too):
    a Last-Modified that moves when a row is deleted."""
    newest = queryset.aggregate(at=models.Max("updated_at"))["at"]
    events = event_model(queryset.model)
    recorded = events.objects.aggregate(at=models.Max("pgh_created_at"))["at"] if events is not None else None
    return max((t for t in (newest, recorded) if t is not None), default=None)


def sources_for(
    obj: models.Model, *, depth: int = 2, leave_out: frozenset[str] = frozenset()
) -> list[Source]:
    """The object's own events and those of every tracked row that points at it, and at those rows in turn
    (`depth` levels: a facility's staff, then their certificates and training), deleted rows included."""
    tracked = [m for m in apps.get_models() if event_model(m) is not None and m._meta.label not in leave_out]
    sources = [Source(type(obj), {"pgh_obj_id": obj.pk})]
    seen = {type(obj)}
    frontier = [(type(obj), [obj.pk])]
    for _level in range(depth):
        following = []
        for parent, ids in frontier:
            for model in tracked:
                if model in seen:
                    continue
                for field in model._meta.concrete_fields:
                    if field.many_to_one and field.related_model is parent:
                        filters = {f"{field.attname}__in": ids}
                        sources.append(Source(model, filters, hide=(field.name,)))
                        children = event_model(model).objects.filter(**filters)
                        child_ids = list(children.values_list("pgh_obj_id", flat=True).distinct())
                        if child_ids:
                            following.append((model, child_ids))
                        seen.add(model)
                        break
        frontier = following
    return sources


def entries(sources: list[Source], reader=None) -> list[Entry]:
    """The events of every source, newest first, with their changes in the reader's terms: ID numbers
    masked, internal notes only for a `reader` who may read them (core.privacy; no reader, none)."""
    raw = []  # (model, source, event)
    order = {}
    for index, source in enumerate(sources):
        events = event_model(source.model).objects.filter(**source.filters).select_related("pgh_context")
        events = events.order_by()
        raw.extend((source.model, source, event) for event in events)
        order.setdefault(source.model, index)
    # One transaction shares one timestamp: then the object before its children (its creation comes first).
    raw.sort(key=lambda item: (item[2].pgh_created_at, order[item[0]], item[2].pgh_id))

    users = _users({_context_user(e) for _m, _s, e in raw} | _requesters(raw))
    names = _related_names(raw)
    # An event applying someone's request (a pending change approved in the same transaction): who asked.
    requested = {
        e.pgh_context_id: users.get(_requester(model, e))
        for model, _s, e in raw
        if _requester(model, e) is not None and e.pgh_context_id
    }
    internal_ok = {
        model: privacy.internal_readable(reader, model, {e.pgh_obj_id for m, _s, e in raw if m is model})
        for model in {m for m, _s, _e in raw}
        if privacy.of(model).internal
    }
    previous: dict[tuple, dict] = {}
    result = []
    for model, source, event in raw:
        # `history_hidden` on a model: fields shown elsewhere, never in the panel (a pending change's
        # proposal, which may hold a roster entry's ID number, is shown masked on the change's own page).
        own_hidden = getattr(model, "history_hidden", ())
        fields = [
            f
            for f in model._meta.concrete_fields
            if f.name not in HIDDEN and f.name not in source.hide and f.name not in own_hidden
        ]
        snapshot = {f.attname: getattr(event, f.attname, None) for f in fields}
        key = (model, event.pgh_obj_id)
        before = previous.get(key, {}) if event.pgh_label != "insert" else {}
        after = snapshot if event.pgh_label != "delete" else {}
        if event.pgh_label == "delete":
            before = snapshot
        previous[key] = snapshot
        changes = []
        allowed = event.pgh_obj_id in internal_ok.get(model, ())
        for field in fields:
            old = display(field, before.get(field.attname), names.get(field.related_model))
            new = display(field, after.get(field.attname), names.get(field.related_model))
            if old != new:
                old = privacy.shown(model, field.name, old, internal_allowed=allowed)
                new = privacy.shown(model, field.name, new, internal_allowed=allowed)
                if old != new:  # an internal note the reader may not read: no change to show
                    changes.append((str(field.verbose_name), old, new))
        if event.pgh_label == "update" and not changes:
            continue  # only bookkeeping moved (a version, a timestamp)
        user = users.get(_context_user(event))
        asked = requested.get(event.pgh_context_id)
        result.append(
            Entry(
                when=event.pgh_created_at,
                user=user,
                requested_by=asked if asked is not None and asked != user else None,
                subject=str(model._meta.verbose_name),
                label=_label(model, snapshot, names),
                action=str(ACTIONS.get(event.pgh_label, event.pgh_label)),
                changes=changes,
            )
        )
    result.reverse()
    return result


def page(sources: list[Source], number, reader=None) -> Page:
    """One page of the panel (`number` as sent, e.g. `?history_page=3`; out of range gives the last), as
    `reader` may see it."""
    return Paginator(entries(sources, reader), PAGE_SIZE).get_page(number)


def _context_user(event):
    context = event.pgh_context
    return context.metadata.get("user") if context is not None else None


def _requester(model, event):
    """`history_requester = (field, {field: value})` on a model: the user in `field` asked for what the
    event's transaction applied, when the snapshot matches (e.g. a pending change, once approved)."""
    declared = getattr(model, "history_requester", None)
    if declared is None:
        return None
    field, when = declared
    if all(getattr(event, key, None) == value for key, value in when.items()):
        return getattr(event, f"{field}_id", None)
    return None


def _requesters(raw) -> set:
    return {_requester(model, event) for model, _s, event in raw}


def _users(ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    User = get_user_model()
    return {u.pk: u for u in User._base_manager.filter(pk__in=ids)} if ids else {}


def _related_names(raw) -> dict:
    wanted: dict[type, set] = {}
    for model, _s, event in raw:
        for field in model._meta.concrete_fields:
            if field.name in HIDDEN:  # never shown: do not fetch their names (the created/updated users)
                continue
            value = getattr(event, field.attname, None) if field.is_relation else None
            if value is not None:
                wanted.setdefault(field.related_model, set()).add(value)
    return {
        model: {row.pk: str(row) for row in model._base_manager.filter(pk__in=pks)}
        for model, pks in wanted.items()
    }


def _label(model, snapshot: dict, names: dict) -> str:
    for name in ("name", "title", "item", "kind", "category"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        value = display(field, snapshot.get(field.attname), names.get(field.related_model))
        if value:
            return str(value)
    return ""
