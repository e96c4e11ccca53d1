"""Personal and internal data: what may be shown to whom, written once.

Two kinds of field, declared by their model as `privacy = Privacy(id_numbers=(…), internal=(…))`:

- **ID numbers** (居民身份证号 of a facility's staff). Shown masked everywhere — pages, the history panel, the
  API and its CSV/XLSX, page exports, the admin for non-superusers — by `mask_id_number`. The whole number
  appears only in the form that edits it: the staff form (`registry:staff_edit`), open to those who keep the
  roster (the facility's operator, who entered it, and its district official, who verifies it), and the
  admin's change form for superusers. A form has to carry the stored value, or a save would overwrite it.
- **Internal notes** (a complaint's handling). Read only by those granted `Action.VIEW_INTERNAL` on the row
  (core.access: district and town officials of its scope, superusers), never by the facility's operator or
  an API client: pages leave them out, the API answers null, the history panel skips their changes.

The mask (one rule for every number): an 18- or 15-character resident ID keeps its first 6 characters (the
region of issue) and its last 4; any other non-empty number keeps at most its first 3 and last 2, never more
than a quarter of its length at either end. Every hidden character becomes one `*`, so the length shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core import access
from core.access import Action

MASK = "*"
RESIDENT_ID_LENGTHS = (15, 18)  # 15: the first-generation card (before 1999), still met in old records


def mask_id_number(value) -> str:
    """`110115199001011234` → `110115********1234`; empty stays empty."""
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    if len(text) in RESIDENT_ID_LENGTHS:
        head, tail = 6, 4
    else:
        head, tail = min(3, len(text) // 4), min(2, len(text) // 4)
    return text[:head] + MASK * (len(text) - head - tail) + text[len(text) - tail :]


@dataclass(frozen=True)
class Privacy:
    """Which fields of a model hold ID numbers (always masked but in their edit form) and which hold internal
    notes (officials only)."""

    id_numbers: tuple[str, ...] = ()
    internal: tuple[str, ...] = ()


NOTHING_PRIVATE = Privacy()


def of(model) -> Privacy:
    return getattr(model, "privacy", NOTHING_PRIVATE)


def internal_readable(user, model, pks: Iterable) -> set:
    """Of the rows `pks` of `model`, those whose internal notes `user` may read: one query, none for a user
    without any role that ever may."""
    pks = {pk for pk in pks if pk is not None}
    if not pks or not of(model).internal:
        return pks
    if access.unrestricted(user):
        return pks
    if not access.has_role(user, *model.scope.roles_for(Action.VIEW_INTERNAL)):
        return set()
    rows = access.for_user(user, Action.VIEW_INTERNAL, model._base_manager.filter(pk__in=pks))
    return set(rows.values_list("pk", flat=True))


def may_read_internal(user, obj) -> bool:
    """May `user` read the internal notes of this saved object?"""
    return obj is not None and obj.pk is not None and obj.pk in internal_readable(user, type(obj), [obj.pk])


def shown(model, field_name: str, value, *, internal_allowed: bool):
    """A stored value as anyone but its edit form shows it: ID numbers masked; internal notes None unless
    `internal_allowed`."""
    rules = of(model)
    if field_name in rules.id_numbers:
        return mask_id_number(value) or value
    if field_name in rules.internal and not internal_allowed:
        return None
    return value


def form_hidden(model, user, obj) -> tuple[str, ...]:
    """Fields an edit form of `obj` (None: a new row) must leave out for `user`: its stored ID numbers for
    all but superusers (the admin; the staff form has its own rule, see the module's docstring), and its
    internal notes for those who may not read them."""
    rules = of(model)
    hidden: list[str] = []
    if obj is not None and not access.unrestricted(user):
        hidden.extend(rules.id_numbers)
    if obj is not None and rules.internal and not may_read_internal(user, obj):
        hidden.extend(rules.internal)
    return tuple(hidden)


def id_number_column(header, path: str, **options):
    """A core.tables column showing an ID number, masked (on the page and in the export alike)."""
    from core.tables import Column  # tables import spreadsheets; keep this module light for models

    return Column(header, kind="text", fields=(path,), value=mask_id_number, **options)


__all__ = [
    "NOTHING_PRIVATE",
    "Privacy",
    "form_hidden",
    "id_number_column",
    "internal_readable",
    "mask_id_number",
    "may_read_internal",
    "of",
    "shown",
]
