"""Serializer fields the API's apps share: regions are named by their codes, with the name beside."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


def district_fields(path: str):
    """`district` (code) and `district_name` read through `path` (e.g. "facility.district")."""
    return (
        serializers.CharField(source=f"{path}.code", read_only=True, help_text=_("区县代码")),
        serializers.CharField(source=f"{path}.name", read_only=True, help_text=_("区县名称")),
    )


def town_fields(path: str):
    """`town` (code) and `town_name`, null when the row has no town."""
    return (
        serializers.CharField(
            source=f"{path}.code", read_only=True, allow_null=True, default=None, help_text=_("镇街代码")
        ),
        serializers.CharField(
            source=f"{path}.name", read_only=True, allow_null=True, default=None, help_text=_("镇街名称")
        ),
    )
