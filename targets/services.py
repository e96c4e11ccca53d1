"""Writes of targets' data. Every write of a slot target goes through `slot_target_set`; the annex import
(targets.importers) calls it, and so should any other writer.

Who may write a district's targets is decided by the caller's scoping (core.access: `Action.MANAGE` on the
district), not here: the import job checks it before the file is read. These functions validate the row
(`full_clean`: the model's checks and constraints, with their readable messages) and write it in one
transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from targets.models import Region, SlotTarget, SourceDocument


@transaction.atomic
def slot_target_set(
    *,
    town: Region,
    year: int,
    level: str,
    total_slots: int,
    inclusive_slots: int,
    source: SourceDocument,
    target: SlotTarget | None = None,
) -> SlotTarget:
    """The town's target for (year, level): created, or changed to these figures and this source. `target` is
    a saved row to change instead, for the admin, whose form may also change its town, year or level."""
    if target is not None and target.pk is not None:
        row = SlotTarget.objects.select_for_update().get(pk=target.pk)
    else:
        # ordered by pk alone: the model's ordering joins the town's nullable parent, which FOR UPDATE refuses
        rows = SlotTarget.objects.select_for_update().filter(town=town, year=year, level=level)
        row = rows.order_by("pk").first() or SlotTarget()
    row.town, row.year, row.level = town, year, level
    row.total_slots, row.inclusive_slots, row.source = total_slots, inclusive_slots, source
    row.full_clean()
    if row.pk is None:
        row.save()
    else:
        row.save(
            update_fields=["town", "year", "level", "total_slots", "inclusive_slots", "source", "updated_at"]
        )
    return row


def import_source_key(district: Region) -> str:
    return f"import-{district.code}"


def import_source_title(district: Region) -> str:
    return _("导入的托位目标（%(district)s）") % {"district": district.name}


@transaction.atomic
def import_source_get_or_create(*, district: Region) -> SourceDocument:
    """The source document that imported targets of `district` are filed under when no source was chosen."""
    source, _created = SourceDocument.objects.get_or_create(
        key=import_source_key(district),
        defaults={
            "title": import_source_title(district),
            "status": SourceDocument.Status.FINAL,
            "region": district,
            "notes": _("由托位目标导入自动创建：导入时未选择来源文件的目标记在此文件下。"),
        },
    )
    return source
