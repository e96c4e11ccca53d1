"""No silent overwrite: the version check every edited record goes through, and what a refused save tells.

A record that a person edits has a `version` (core.models.Versioned). Whoever saves it says which version
they read: a form in a hidden field, the API in the body (`version`) or in `If-Match`. The UPDATE only
matches that version and bumps it, so of two saves based on the same version exactly one succeeds; the
other raises StaleVersion, writes nothing, and carries what changed meanwhile (from the history pghistory
keeps, or, for a record it does not track, the fields where the stored record differs from the submitted
one) and the current version, so the user can look, keep their input and save again deliberately.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _

from core.errors import Conflict

# Columns that change on every save and say nothing about the content.
BOOKKEEPING = {"version", "updated_at", "updated_by", "created_at", "created_by"}


def acting_user_id():
    """The primary key of the user the current request acts for (a session or an API token), as pghistory's
    request context holds it; None outside a request. pghistory sets it for Django and DRF alike."""
    from pghistory import runtime  # the context is pghistory's; it has no public reader

    tracker = getattr(runtime._tracker, "value", None)
    return tracker.metadata.get("user") if tracker is not None else None


def display_value(field: models.Field, value):
    from core.history import display

    return display(field, value)


class StaleVersion(Conflict):
    """A save based on a version that is no longer current. `instance` is the object that was to be saved
    (or any copy of the record); `changes` lists what changed since `expected`."""

    def __init__(self, instance: models.Model, expected: int, *, submitted: models.Model | None = None):
        model = type(instance)
        self.model = model
        self.current = model._base_manager.get(pk=instance.pk)
        self.expected = expected
        self.current_version = self.current.version
        self.changes = changes_since(self.current, expected, submitted=submitted or instance)
        super().__init__(
            _(
                "保存失败：在您编辑期间，该%(what)s已被他人修改"
                "（您读取的是第 %(read)s 版，现在是第 %(now)s 版）。"
                "您填写的内容仍在下面；请核对他人的修改后再保存。"
            )
            % {"what": model._meta.verbose_name, "read": expected, "now": self.current_version}
        )

    def change_lines(self) -> list[str]:
        """One line per changed field, for a form's errors: "电话：138… → 139…"."""
        lines = []
        for change in self.changes:
            after = change["after"] if change["after"] is not None else "—"
            if change["before"] is None:
                lines.append(_("%(label)s现为：%(after)s") % {"label": change["label"], "after": after})
            else:
                lines.append(
                    _("%(label)s：%(before)s → %(after)s")
                    % {"label": change["label"], "before": change["before"], "after": after}
                )
        return lines

    def as_api(self) -> dict:
        return {"current_version": self.current_version, "changes": self.changes}


def _content_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in BOOKKEEPING and getattr(f, "editable", True)
    ]


def changes_since(
    current: models.Model, version: int, *, submitted: models.Model | None = None
) -> list[dict]:
    """What changed in `current` since `version`: [{field, label, before, after}] with readable values.

    The history's snapshot of that version is the "before"; without one (an untracked model), the fields in
    which the stored record differs from the submitted one are listed with the stored value as "after"."""
    before = _snapshot(current, version)
    fields = _content_fields(type(current))
    rows = []
    for field in fields:
        after = field.value_from_object(current)
        if before is not None:
            old = before.get(field.attname)
        elif submitted is not None:
            old = field.value_from_object(submitted)
        else:
            continue
        if old != after:
            rows.append(
                {
                    "field": field.name,
                    "label": str(field.verbose_name),
                    "before": display_value(field, old) if before is not None else None,
                    "after": display_value(field, after),
                }
            )
    return rows


def _snapshot(current: models.Model, version: int) -> dict | None:
    events = getattr(current, "events", None)  # pghistory's related name for a tracked model's events
    if events is None or not hasattr(events, "model") or not hasattr(events.model, "pgh_obj"):
        return None
    row = events.filter(version=version).order_by("-pgh_id").values().first()
    return row


def claim(model, pk, expected: int, *, instance: models.Model | None = None) -> int:
    """Bump the version of a row from `expected`, as a service does before it writes a record through a
    path that is not `save()` (or to reserve the next version first). Returns the new version."""
    updated = model._base_manager.filter(pk=pk, version=expected).update(version=models.F("version") + 1)
    if not updated:
        raise StaleVersion(instance or model._base_manager.get(pk=pk), expected)
    return expected + 1


def expected_version(value) -> int | None:
    """A version as sent by a form, a body or an `If-Match` header (`"7"`, `W/"7"`, 7); None when absent,
    ValueError when malformed."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number
