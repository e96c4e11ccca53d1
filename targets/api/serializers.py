"""Serializers of the public places and targets API (/api/v1/regions/, /api/v1/targets/).

Field names are a contract with the statistics systems that read them: add fields, never rename or drop one.
Regions are named by their codes everywhere (a target's town, a region's parent), never by database ids."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from targets.models import Region, SlotTarget, SourceDocument


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("上级地区代码；市级为 null")
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class TargetSourceSerializer(serializers.ModelSerializer):
    """The document a target was read from (title, number and date as the document states them)."""

    class Meta:
        model = SourceDocument
        fields = ["key", "title", "doc_number", "issued_on", "status"]


class SlotTargetSerializer(serializers.ModelSerializer):
    town = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("镇街代码"))
    town_name = serializers.CharField(source="town.name", read_only=True, help_text=_("镇街名称"))
    source = TargetSourceSerializer(read_only=True)

    class Meta:
        model = SlotTarget
        fields = ["id", "town", "town_name", "year", "level", "total_slots", "inclusive_slots", "source"]
