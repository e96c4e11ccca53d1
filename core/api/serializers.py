"""Serializer fields the API's apps share: regions are named by their codes, with the name beside; ID numbers
masked and internal notes left out for those who may not read them (core.privacy)."""

from __future__ import annotations

import copy
import decimal
import functools
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import ISO_8601, serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.settings import api_settings

from core import privacy


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


class IdNumberField(serializers.CharField):
    """An ID number: taken as sent, always answered masked (core.privacy.mask_id_number)."""

    def to_representation(self, value):
        return privacy.mask_id_number(value)


class PrivateFieldsMixin:
    """For a ModelSerializer: the model's ID-number fields (`privacy.id_numbers`) become IdNumberFields, and
    its internal notes (`privacy.internal`) are null for a requester who may not read them — decided for a
    whole page of rows in one query. Field names stay: they are a contract with the API's readers."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in privacy.of(self.Meta.model).id_numbers:
            field_class = IdNumberField
        return field_class, kwargs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        internal = [name for name in privacy.of(type(instance)).internal if name in data]
        if internal and not self._internal_readable(instance):
            for name in internal:
                data[name] = None
        return data

    def _internal_readable(self, instance) -> bool:
        model = type(instance)
        # Per model: the rows decided so far and those readable, kept in the serializers' shared context.
        decided, readable = self.context.setdefault("privacy_internal", {}).setdefault(model, (set(), set()))
        if instance.pk not in decided:
            rows = self.root.instance if isinstance(self.root, serializers.ListSerializer) else None
            pks = ({row.pk for row in rows or () if isinstance(row, model)} | {instance.pk}) - decided
            request = self.context.get("request")
            readable |= privacy.internal_readable(getattr(request, "user", None), model, pks)
            decided |= pks
        return instance.pk in readable


class BuiltOnceFieldsMixin:
    """For a ModelSerializer whose fields depend on its class alone (never on the request, the instance or the
    context): the fields are built from the model once per process, and each serializer gets its own copies.
    DRF otherwise builds them anew from the model's metadata for every serializer, which was most of the time
    a list page spent serialising; a deep copy of each (DRF's way) was most of what remained.

    Rows are then written by a plan made once per serializer: a field that reads a plain attribute path is
    read with getattr, and anything else — nested serializers, method fields, `*` sources, a missing
    attribute, a callable, a dict — goes through DRF's own get_attribute, so the output is DRF's exactly
    (tests/api/test_query_budget.py compares the two on every facility shape)."""

    _built_fields: dict = {}

    def get_fields(self):
        built = BuiltOnceFieldsMixin._built_fields.get(type(self))
        if built is None:
            built = BuiltOnceFieldsMixin._built_fields[type(self)] = super().get_fields()
        # A plain field is read-only configuration until bind() sets its name and parent on the copy; a
        # nested serializer keeps DRF's deep copy (its child and fields are bound per use).
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in built.items()
        }

    def to_representation(self, instance):
        plan = self.__dict__.get("_read_plan")
        if plan is None:
            plan = self.__dict__["_read_plan"] = _read_plan(self)
        fast = not isinstance(instance, Mapping)  # DRF reads dicts by key
        ret = {}
        for name, field, attrs, blank_as_null in plan:
            value = _SLOW
            if attrs is not None and fast:
                try:
                    value = instance
                    for attr in attrs:
                        value = getattr(value, attr)
                        if callable(value):  # DRF calls some callables: its path decides
                            value = _SLOW
                            break
                except (AttributeError, ObjectDoesNotExist):  # DRF's defaults and nulls decide
                    value = _SLOW
            if value is _SLOW:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(value, PKOnlyObject) and value.pk is None:
                    value = None
            if value is None:
                ret[name] = None
                continue
            value = field.to_representation(value)
            ret[name] = None if blank_as_null and value == "" else value
        return ret


_SLOW = object()


def _read_plan(serializer) -> list[tuple]:
    """(name, field, attribute path or None for DRF's path, blank choice as null) per readable field."""
    blank_choices = isinstance(serializer, BlankChoicesAsNullMixin)
    plan = []
    for field in serializer._readable_fields:
        plain = (
            not isinstance(field, serializers.BaseSerializer)
            and field.source != "*"
            and type(field).get_attribute in (Field.get_attribute, RelatedField.get_attribute)
            and not (isinstance(field, RelatedField) and field.use_pk_only_optimization())
        )
        blank_as_null = blank_choices and _blank_as_null(field)
        plan.append((field.field_name, field, tuple(field.source_attrs) if plain else None, blank_as_null))
    return plan


class ValuesReader:
    """A serializer's output read from `.values()` rows instead of model instances: a list page of a hundred
    rows then builds no model instances and no related objects, and walks no attribute paths (the registry
    list spent two thirds of its Python time on those). Made once per serializer class:

    - a field that BuiltOnceFieldsMixin reads by a plain attribute path is a column (`district.name` →
      `district__name`; a slug-related field adds its slug: `district` → `district__code`), written out by
      DRF's own `to_representation` or, where that comes to the value itself, `str`, `int`, the ISO text or
      a decimal's text, without the call;
    - any other field (a nested serializer, a method field) is given by `special`: {name: (columns,
      function of their values)}; a field left without one is refused when the reader is made.

    Blank choices are null as in BlankChoicesAsNullMixin. `columns` are what the rows must hold
    (`queryset.values(*reader.columns)`). Tests hold the rows to the serializer's on every record shape."""

    def __init__(self, serializer, special: dict | None = None):
        special = special or {}
        self.steps = []
        columns = {}
        named = type(serializer).__name__
        for name, field, attrs, blank_as_null in _read_plan(serializer):
            if name in special:
                wanted, function = special[name]
                columns.update(dict.fromkeys(wanted))
                self.steps.append((name, tuple(wanted), function, False))
                continue
            if attrs is None:
                raise ImproperlyConfigured(f"{named}.{name} is not a column: give it in `special`")
            path = list(attrs)
            if isinstance(field, RelatedField):
                if not isinstance(field, serializers.SlugRelatedField):
                    raise ImproperlyConfigured(f"{named}.{name}: only slug-related fields")
                path.append(field.slug_field)
            column = "__".join(path)
            columns[column] = None
            write = None if isinstance(field, RelatedField) else _value_writer(field)  # a slug is text
            self.steps.append((name, column, write, blank_as_null))
        self.columns = tuple(columns)

    def read(self, row: Mapping) -> dict:
        out = {}
        for name, column, write, blank_as_null in self.steps:
            if isinstance(column, tuple):
                out[name] = write(*(row[c] for c in column))
                continue
            value = row[column]
            if value is None or (blank_as_null and value == ""):
                out[name] = None
            else:
                out[name] = value if write is None else write(value)
        return out


# Field types whose representation of a value read from the database is that value (a boolean, or a choice:
# DRF's look-up maps each stored choice to itself), and those DRF converts with one builtin.
_AS_STORED = frozenset({serializers.BooleanField, serializers.ChoiceField})
_BUILTIN = {serializers.CharField: str, serializers.IntegerField: int}


def _value_writer(field):
    """None (the value as read), a builtin, the value's isoformat (dates and times in DRF's default format),
    or the field's own to_representation."""
    kind = type(field)
    if kind in _AS_STORED:
        return None
    if kind in _BUILTIN:
        return _BUILTIN[kind]
    if kind is serializers.ListField and type(field.child) in _AS_STORED:
        return list
    if kind is serializers.DecimalField and _decimal_as_text(field):
        return functools.partial(_decimal_text, -field.decimal_places, field.to_representation)
    if kind in (serializers.DateField, serializers.TimeField):
        default = api_settings.DATE_FORMAT if kind is serializers.DateField else api_settings.TIME_FORMAT
        output_format = getattr(field, "format", default)
        if isinstance(output_format, str) and output_format.lower() == ISO_8601:
            return _isoformat
    return field.to_representation


def _decimal_as_text(field) -> bool:
    """DRF writes the field's decimals as plain text of a fixed scale."""
    as_text = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    return bool(as_text) and field.decimal_places is not None and not field.localize


def _decimal_text(exponent: int, represent, value):
    """DRF's decimal text without its quantize: a value read from a numeric column of the field's scale is
    already quantized, and its text is '{:f}'; anything else takes DRF's way."""
    if isinstance(value, decimal.Decimal) and value.as_tuple().exponent == exponent:
        return f"{value:f}"
    return represent(value)


def _isoformat(value):
    return value if isinstance(value, str) else value.isoformat()


class BlankChoicesAsNullMixin:
    """For a ModelSerializer: a choice left blank (`""` in the database) is answered as null, not `""`, which
    is none of the choices; the schema declares those fields nullable. (With BuiltOnceFieldsMixin first, its
    read plan applies this.)"""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if getattr(model_field, "choices", None) and getattr(model_field, "blank", False):
            kwargs["allow_null"] = True
        return field_class, kwargs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name, field in self.fields.items():
            if data.get(name) == "" and _blank_as_null(field):
                data[name] = None
        return data


def _blank_as_null(field) -> bool:
    """A choice field that may be null: its blank ("") is answered as null (BlankChoicesAsNullMixin)."""
    return isinstance(field, serializers.ChoiceField) and field.allow_null


# A record of one facility (an application, a finding, …): the facility's name, district and town beside its
# id; `FACILITY_ROW_FIELDS` places them in `Meta.fields`. (A comment, not a docstring: the schema would show
# a docstring as every subclass's description.)
class FacilityRowSerializer(PrivateFieldsMixin, serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    district, district_name = district_fields("facility.district")
    town, town_name = town_fields("facility.town")


FACILITY_ROW_FIELDS = ["facility", "facility_name", "district", "district_name", "town", "town_name"]


def optional_text(max_length: int, **kwargs):
    """A text the client may leave out: it is then "" (a reference, a note, a reason given only sometimes)."""
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )
