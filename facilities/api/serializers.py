"""Serializers of the facility registry API (/api/v1/facilities/).

Field names are a contract with the statistics systems that read them: add fields, never rename or drop one.
Regions and class types are named by their codes, never by database ids.

Two shapes of one facility:

- the public record (`FacilityPublicSerializer`): what the public directory discloses
  (facilities/public_views.py PUBLIC_FIELDS) with codes instead of labels, plus the filing and operating
  status (always filed and operating for a public row);
- the full record (`FacilitySerializer`): the public record plus contacts, the editable fields, version,
  enrolled children, workflow dates and rule flags — only for facilities the user may VIEW
  (`Facility.objects.for_user(user, Action.VIEW)`).

A row is serialised in full only when its queryset marked it `in_scope` (views.visible_facilities); anything
else is cut down to the public keys, so a facility that is not annotated can never leak its internal fields.
"""

from __future__ import annotations

import functools
import operator

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api.serializers import BlankChoicesAsNullMixin, BuiltOnceFieldsMixin, ValuesReader
from facilities.models import ClassTypeRule, ClassUnit, Facility
from facilities.selectors import FLAG_COLUMNS, Flag, flags_from, flags_of
from facilities.services import EDITABLE_FIELDS, UnitInput
from targets.models import Region

# ---------------------------------------------------------------- reading


class UnitSerializer(BuiltOnceFieldsMixin, serializers.ModelSerializer):
    class_type = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("班型代码"))
    class_type_name = serializers.CharField(source="class_type.name", read_only=True, help_text=_("班型"))
    slots = serializers.IntegerField(read_only=True, help_text=_("班数 × 每班人数"))

    class Meta:
        model = ClassUnit
        fields = ["class_type", "class_type_name", "classes", "children_per_class", "slots"]


@extend_schema_serializer(component_name="FacilityFlag")
class FlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(Flag.LABELS), help_text=_("提示代码"))
    label = serializers.CharField(help_text=_("提示（按请求语言）"))


PUBLIC_API_FIELDS = (
    "id",
    "name",
    "kind",
    "ownership",
    "is_inclusive",
    "district",
    "district_name",
    "town",
    "town_name",
    "address",
    "total_slots",
    "inclusive_slots",
    "monthly_fee",
    "meal_fee",
    "public_phone",
    "operating_status",
    "filing_status",
    "filing_number",
    "filed_on",
    "opening_date",
    "units",
    # Who is cared for, how and when, as the directory discloses it (public_views.PUBLIC_FIELDS).
    "min_age_months",
    "max_age_months",
    "service_types",
    "opens_at",
    "closes_at",
    "serves_meals",
    "status_since",
)


@extend_schema_serializer(component_name="FacilityPublic")
class FacilityPublicSerializer(BuiltOnceFieldsMixin, BlankChoicesAsNullMixin, serializers.ModelSerializer):
    """A facility of the public directory, as anyone may see it."""

    district = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("区县代码"))
    district_name = serializers.CharField(source="district.name", read_only=True)
    town = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("镇街代码；未填写时为 null")
    )
    town_name = serializers.CharField(source="town.name", read_only=True, allow_null=True, default=None)
    units = UnitSerializer(many=True, read_only=True)

    class Meta:
        model = Facility
        fields = list(PUBLIC_API_FIELDS)
        read_only_fields = fields


@extend_schema_serializer(component_name="FacilityAuthorization")
class AuthorizationSerializer(serializers.Serializer):
    """The facility's record in force (facilities.Authorization): the filing (备案) today, a licence (许可)
    later beside it."""

    regime = serializers.CharField(help_text=_("管理方式：filing 备案；licence 许可（尚未使用）"))
    number = serializers.CharField(help_text=_("备案（许可）编号"))
    authority = serializers.CharField(help_text=_("备案（发证）机关所在区县代码"))
    authority_name = serializers.CharField(help_text=_("备案（发证）机关所在区县"))
    granted_on = serializers.DateField(help_text=_("备案（许可）日期"))


@extend_schema_serializer(component_name="Facility")
class FacilitySerializer(FacilityPublicSerializer):
    """A facility in the user's scope: the public record plus internal fields."""

    flags = serializers.SerializerMethodField(help_text=_("国家标准相关提示"))
    pending_change_id = serializers.IntegerField(
        read_only=True, allow_null=True, default=None, help_text=_("待审变更的编号；无待审变更时为 null")
    )
    current_authorization = AuthorizationSerializer(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("现行的备案记录（已注销或未备案时为 null）；历次记录见机构页面"),
    )

    class Meta(FacilityPublicSerializer.Meta):
        fields = [
            *PUBLIC_API_FIELDS,
            *(f for f in EDITABLE_FIELDS if f not in PUBLIC_API_FIELDS),
            "enrolled_children",
            "is_synthetic",
            "version",
            "updated_at",
            "submitted_at",
            "acknowledged_at",
            "return_reason",
            "pending_change_id",
            "flags",
            "current_authorization",
        ]
        read_only_fields = fields

    @extend_schema_field(FlagSerializer(many=True))
    def get_flags(self, facility):
        return [{"code": code, "label": label} for code, label in flags_of(facility)]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not getattr(instance, "in_scope", False):
            return public_record(data)
        return data


def public_record(data: dict) -> dict:
    """A full record cut down to what the public directory discloses."""
    return {key: data[key] for key in PUBLIC_API_FIELDS}


@functools.cache
def unit_rows() -> ValuesReader:
    """UnitSerializer for the rows of a facility's `units_json` (facilities.api.views); `slots` is
    ClassUnit.slots."""
    return ValuesReader(
        UnitSerializer(), special={"slots": (("classes", "children_per_class"), operator.mul)}
    )


def _units(rows) -> list[dict]:
    reader = unit_rows()
    return [reader.read(row) for row in rows or ()]


def _flags(*values) -> list[dict]:
    values = dict(zip(FLAG_COLUMNS, values, strict=True))
    return [{"code": code, "label": label} for code, label in flags_from(values)]


@functools.cache
def facility_rows(*, public: bool = False) -> ValuesReader:
    """FacilitySerializer (FacilityPublicSerializer when `public`) for `.values()` rows, the list's: the class
    units as the JSON array `units_json`, the flags from their annotations, the record in force as the JSON
    object current_authorization reads (its keys are AuthorizationSerializer's, its date already ISO text).
    Whether a full row is `in_scope` is the caller's to apply (public_record)."""
    if public:
        return ValuesReader(FacilityPublicSerializer(), special={"units": (("units_json",), _units)})
    return ValuesReader(
        FacilitySerializer(),
        special={
            "units": (("units_json",), _units),
            "flags": (FLAG_COLUMNS, _flags),
            "current_authorization": (("current_authorization",), lambda record: record),
        },
    )


# ---------------------------------------------------------------- writing


class UnitInputSerializer(serializers.Serializer):
    class_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ClassTypeRule.objects.all(), help_text=_("班型代码：infant、toddler…")
    )
    classes = serializers.IntegerField(min_value=1, max_value=100, help_text=_("班数"))
    children_per_class = serializers.IntegerField(
        min_value=1, max_value=100, help_text=_("每班人数（不超过班型上限，国家标准）")
    )

    def to_unit(self, data) -> UnitInput:
        return UnitInput(data["class_type"].pk, data["classes"], data["children_per_class"])


@extend_schema_serializer(component_name="FacilityWrite")
class FacilityWriteSerializer(serializers.ModelSerializer):
    """The editable fields (facilities.services.EDITABLE_FIELDS), class units and, when updating, the version
    the change is based on. Checks that need the rule tables (class caps, inclusive ≤ total, town in
    district) are the service's, the same as for the web forms."""

    district = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(level=Region.Level.DISTRICT),
        help_text=_("区县代码"),
    )
    town = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.filter(level=Region.Level.TOWN),
        allow_null=True,
        required=False,
        help_text=_("镇街代码"),
    )
    # Checked by the service (check character, first character against the ownership) after it is written
    # as on the licence: upper case, no spaces.
    credit_code = serializers.CharField(
        max_length=24,
        allow_blank=True,
        required=False,
        help_text=_("统一社会信用代码（18位，GB 32100 校验）；留空表示未填写"),
    )
    units = UnitInputSerializer(many=True, help_text=_("班级设置：每种班型一行"))
    version = serializers.IntegerField(
        min_value=1, required=False, help_text=_("修改时必填：读取时的 version（乐观锁）")
    )

    class Meta:
        model = Facility
        fields = [*EDITABLE_FIELDS, "units", "version"]
        # Uniqueness and CHECK constraints are reported by the service (one message per constraint).
        validators = []
        extra_kwargs = {
            "monthly_fee": {"min_value": 0},
            "meal_fee": {"min_value": 0},
            "indoor_area_m2": {"min_value": 0},
            "outdoor_area_m2": {"min_value": 0},
            "enrolled_children": {"min_value": 0},
            "inclusive_slots": {"min_value": 0},
        }

    def validate_credit_code(self, value: str) -> str:
        return "".join(value.split()).upper()

    def validate_service_types(self, value: list[str]) -> list[str]:
        return [choice for choice in Facility.ServiceType.values if choice in value]  # once each, in order

    def service_input(self, base: Facility | None = None) -> tuple[dict, list[UnitInput]]:
        """(data, units) for facilities.services: the fields sent, over the stored record when updating
        (fields left out stay as they are; units left out stay as they are)."""
        values = dict(self.validated_data)
        values.pop("version", None)
        sent_units = values.pop("units", None)
        data = {field: getattr(base, field) for field in EDITABLE_FIELDS} if base is not None else {}
        data.update(values)
        if sent_units is not None:
            units = [UnitInputSerializer().to_unit(u) for u in sent_units]
        elif base is not None:
            units = [UnitInput(u.class_type_id, u.classes, u.children_per_class) for u in base.units.all()]
        else:
            units = []
        return data, units


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("退回原因（机构可见）"))


class ApproveSerializer(serializers.Serializer):
    confirm_flags = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("机构有未解决的规则提示时须为 true，表示已核实并确认仍予备案；否则退回 400 并列出提示。"),
    )


@extend_schema_serializer(component_name="PendingChangeAccepted")
class PendingChangeAcceptedSerializer(serializers.Serializer):
    """An operator's change to a filed facility, waiting for the district's review."""

    pending_change_id = serializers.IntegerField()
    facility_id = serializers.IntegerField()
    status = serializers.CharField(help_text=_("pending"))
    version = serializers.IntegerField(help_text=_("机构记录的新版本号（下次修改时提交）"))
    message = serializers.CharField()
