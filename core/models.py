"""The base model every record of the portal builds on (after Kenya MFL's `AbstractBase`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.access import ScopedManager, ScopedQuerySet

__all__ = ["ScopedManager", "ScopedQuerySet", "TimeStampedModel"]


class TimeStampedModel(models.Model):
    """Created and updated times, kept by Django on every save. Scoped models add a `scope` and
    `objects = ScopedManager()` (core.access)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True
