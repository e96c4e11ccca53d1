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


# A record of one facility (an application, a finding, …): the facility's name, district and town beside its
# id; `FACILITY_ROW_FIELDS` places them in `Meta.fields`. (A comment, not a docstring: the schema would show
# a docstring as every subclass's description.)
class FacilityRowSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    district, district_name = district_fields("facility.district")
    town, town_name = town_fields("facility.town")


FACILITY_ROW_FIELDS = ["facility", "facility_name", "district", "district_name", "town", "town_name"]


def optional_text(max_length: int, **kwargs):
    """A text the client may leave out: it is then "" (a reference, a note, a reason given only sometimes)."""
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )
