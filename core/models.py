"""The base models every record of the portal builds on (after Kenya MFL's `AbstractBase`).

    TimeStampedModel   created and updated: when and by whom
    VersionedModel     the same, plus a version that no stale save can overwrite (core.versioning)
    Versioned          the version alone, for records without the who/when columns
    DataVersion        the database-kept version of a body of data that caches key on (core.data_version)

"By whom" is the person the request acts for — a browser session or an API token — as pghistory's request
context records it for the history; a command or a background job leaves it empty.
"""

import pghistory
from django.conf import settings
from django.db import models, router, transaction
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from core.access import ScopedManager, ScopedQuerySet
from core.versioning import StaleVersion, acting_user_id

__all__ = [
    "DataVersion",
    "ScopedManager",
    "ScopedQuerySet",
    "StaleVersion",
    "TimeStampedModel",
    "Versioned",
    "VersionedModel",
    "choice_check",
    "tracked",
]


def choice_check(field: str, choices, name: str, *, blank: bool = False) -> models.CheckConstraint:
    """A CHECK constraint that holds `field` to its choices in the database too (raw SQL, the admin, bulk
    writes): a value outside them, such as "Z", is refused by PostgreSQL. `blank`: "" is allowed too."""
    values = [value for value, _label in choices]
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": values + ([""] if blank else [])}),
        name=name,
        violation_error_message=format_lazy("{}（{}）", _("只能取给定选项之一"), field),
    )


def tracked():
    """The change history every edited record keeps (django-pghistory): insert, update and delete events,
    each with the request's user and URL. Fresh trackers per model: pghistory binds each to one model."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class TimeStampedModel(models.Model):
    """Created and updated at and by, kept on every save. Scoped models add a `scope` and
    `objects = ScopedManager()` (core.access)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        actor = acting_user_id()
        if actor is not None:
            if self._state.adding and self.created_by_id is None:
                self.created_by_id = actor
            self.updated_by_id = actor
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "updated_by", "updated_at"}
        super().save(*args, **kwargs)


class Versioned(models.Model):
    """Optimistic concurrency: every save of an existing row checks the version it was read at and bumps it.
    A save based on an older version raises StaleVersion (a core.errors.Conflict) and writes nothing. Forms
    carry the version they showed, the API takes it in the body or If-Match (core.versioning)."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        expected = self.version
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        # Lock the row, compare, write: a second save based on the same version waits for the lock, then
        # finds the version moved on. The refusal is raised after the block, so that the caller's transaction
        # stays usable (Django marks a transaction for rollback when an error escapes a save).
        with transaction.atomic(using=using):
            stored = (
                type(self)
                ._base_manager.using(using)
                .select_for_update(of=("self",))
                .filter(pk=self.pk)
                .order_by()
                .values_list("version", flat=True)
                .first()
            )
            if stored is None or stored == expected:
                self.version = expected + 1 if stored is not None else expected
                try:
                    return super().save(*args, **kwargs)
                except BaseException:
                    self.version = expected
                    raise
        raise StaleVersion(self, expected)


class VersionedModel(Versioned, TimeStampedModel):
    """The base of every record a person edits."""

    class Meta:
        abstract = True


class DataVersion(models.Model):
    """The version of one named body of data (the registry, …), set by the database when a transaction that
    wrote any of its tables commits (core.data_version); caches are keyed by it. Never edited by hand."""

    name = models.CharField(_("数据"), max_length=40, primary_key=True)
    value = models.BigIntegerField(_("版本"))

    class Meta:
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self):
        return f"{self.name}: {self.value}"
