"""Browser forms of the registry. They collect and pre-check input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core import geo, usernames
from core.forms import VersionedFormMixin
from facilities.models import (
    Certificate,
    ChecklistItem,
    ChildPlacement,
    ClassTypeRule,
    Facility,
    RoleAssignment,
    StaffMember,
    TrainingRecord,
)
from facilities.services import EDITABLE_FIELDS, PlacementInput, UnitInput
from targets.models import Region


class BootstrapMixin:
    """Bootstrap 5 classes on every widget, and is-invalid on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.NullBooleanSelect):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        # Marked after validation, never during __init__: subclasses set querysets after super().__init__.
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class FacilityForm(BootstrapMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The system the longitude and latitude are typed in; they are stored in WGS-84 (clean() converts and
    # drops this field, so the service sees WGS-84 only).
    coord_system = forms.ChoiceField(
        label=_("坐标系"),
        choices=geo.CoordSystem.choices,
        initial=geo.CoordSystem.WGS84,
        required=False,
        help_text=_(
            "经纬度取自哪种地图：GPS 为 WGS-84，高德/腾讯为 GCJ-02，百度为 BD-09；保存时统一换算为 WGS-84。"
        ),
    )

    class Meta:
        model = Facility
        fields = EDITABLE_FIELDS
        widgets = {
            "lease_start": DateInput,
            "lease_end": DateInput,
            "opening_date": DateInput,
            "opens_at": TimeInput,
            "closes_at": TimeInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "address": forms.TextInput,
            "credit_code": forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        }

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts if districts is not None else Region.objects.none()
        self.fields["district"].empty_label = None
        self.fields["town"].queryset = Region.objects.filter(
            level=Region.Level.TOWN, parent__in=self.fields["district"].queryset
        ).select_related("parent")
        self.fields["town"].label_from_instance = lambda town: f"{town.parent.name} · {town.name}"
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        # The column's range (Django keeps it in the model field's validators, which _post_clean below
        # skips): a number the database cannot hold is a form error, not a server error.
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField) and name in EDITABLE_FIELDS:
                field.validators.extend(
                    v
                    for v in Facility._meta.get_field(name).validators
                    if isinstance(v, MinValueValidator | MaxValueValidator)
                )

    def clean_credit_code(self):
        # Written as on the licence (upper case, no spaces); the check character is the service's check.
        return "".join(self.cleaned_data["credit_code"].split()).upper()

    def clean(self):
        data = super().clean()
        system = data.pop("coord_system", None) or geo.CoordSystem.WGS84
        lon, lat = data.get("longitude"), data.get("latitude")
        if "longitude" in self.errors or "latitude" in self.errors or (lon is None and lat is None):
            return data
        if lon is None or lat is None:
            self.add_error(
                "longitude" if lon is None else "latitude", _("经度和纬度须同时填写，或同时留空。")
            )
            return data
        lon, lat = geo.to_wgs84(lon, lat, system)
        box = geo.check_box(data.get("district"))
        if not geo.in_box(lon, lat, box):
            self.add_error(
                "longitude",
                _(
                    "坐标（%(lon)s, %(lat)s）不在允许范围内（经度 %(a)s–%(c)s，纬度 %(b)s–%(d)s）。"
                    "请检查经纬度和坐标系。"
                )
                % {"lon": lon, "lat": lat, "a": box[0], "b": box[1], "c": box[2], "d": box[3]},
            )
            return data
        data["longitude"], data["latitude"] = lon, lat
        return data

    def _post_clean(self):
        # Model-level rules are the service's job (it reports them per field); only the form's own fields
        # are cleaned here, so an unsaved instance with no units does not trip the database-shaped checks.
        pass


class UnitForm(BootstrapMixin, forms.Form):
    class_type = forms.ModelChoiceField(queryset=ClassTypeRule.objects.all(), label=_("班型"))
    classes = forms.IntegerField(label=_("班数"), min_value=1, max_value=100)
    children_per_class = forms.IntegerField(label=_("每班人数"), min_value=1, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_type"].label_from_instance = lambda t: f"{t.display_name}（≤{t.max_children}人）"


class BaseUnitFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            class_type = form.cleaned_data["class_type"]
            if class_type.pk in seen:
                raise ValidationError(_("每种班型只填一行（班数 × 每班人数）。"))
            seen.add(class_type.pk)

    def units(self) -> list[UnitInput]:
        return [
            UnitInput(
                f.cleaned_data["class_type"].pk,
                f.cleaned_data["classes"],
                f.cleaned_data["children_per_class"],
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


def unit_formset(data=None, initial=None):
    """Class-unit rows: the facility's units plus blank rows for the class types it does not use yet."""
    initial = initial or []
    blank = max(ClassTypeRule.objects.count() - len(initial), 1)
    formset = forms.formset_factory(
        UnitForm, formset=BaseUnitFormSet, extra=blank, can_delete=True, max_num=10
    )
    return formset(data, initial=initial, prefix="units")


def unit_initial(facility: Facility) -> list[dict]:
    return [
        {"class_type": u.class_type, "classes": u.classes, "children_per_class": u.children_per_class}
        for u in facility.units.select_related("class_type")
    ]


class ChecklistForm(BootstrapMixin, forms.Form):
    """One yes/no and a document reference per filing material."""

    def __init__(self, *args, facility: Facility, proposed: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        rows = {row.item: row for row in facility.checklist.all()}
        proposed = proposed or {}
        for item in ChecklistItem.Item:
            row = rows.get(item.value)
            provided, reference = proposed.get(item.value) or (
                bool(row and row.provided),
                row.reference if row else "",
            )
            # The version of each material as shown: a save over someone else's newer one is refused.
            self.fields[f"{item.value}__version"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=row.version if row else None
            )
            # An open proposal is where the form starts (the page says so): saving again amends it.
            self.fields[f"{item.value}__provided"] = forms.BooleanField(
                label=item.label, required=False, initial=provided
            )
            self.fields[f"{item.value}__reference"] = forms.CharField(
                label=_("材料编号/说明"), required=False, max_length=255, initial=reference
            )

    def items(self) -> dict[str, tuple[bool, str]]:
        return {
            item.value: (
                self.cleaned_data[f"{item.value}__provided"],
                self.cleaned_data[f"{item.value}__reference"].strip(),
            )
            for item in ChecklistItem.Item
        }

    def versions(self) -> dict[str, int]:
        read = {item.value: self.cleaned_data.get(f"{item.value}__version") for item in ChecklistItem.Item}
        return {item: version for item, version in read.items() if version}

    def rows(self):
        for item in ChecklistItem.Item:
            yield item, self[f"{item.value}__provided"], self[f"{item.value}__reference"]

    def show_current_versions(self, facility: Facility) -> None:
        """After a refused save: keep the user's input, move the hidden versions to the current ones."""
        self.data = self.data.copy()
        for row in facility.checklist.all():
            self.data[self.add_prefix(f"{row.item}__version")] = row.version


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class StatusForm(BootstrapMixin, forms.Form):
    to_status = forms.ChoiceField(label=_("新状态"), choices=Facility.OperatingStatus.choices)
    effective_on = forms.DateField(label=_("生效日期"), widget=DateInput)
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    children_placement = forms.CharField(
        label=_("去向说明"),
        help_text=_("关停时在下表逐项记录在托婴幼儿的去向；未登记在托人数且无在托婴幼儿时在此说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, allowed: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [c for c in Facility.OperatingStatus.choices if c[0] in allowed]


class PlacementForm(BootstrapMixin, forms.Form):
    """One placement of a closing facility's children: how many, and where."""

    destination = forms.ChoiceField(label=_("去向"), choices=[("", "—"), *ChildPlacement.Destination.choices])
    receiving_facility = forms.ModelChoiceField(
        label=_("接收机构"), queryset=Facility.objects.none(), required=False
    )
    children = forms.IntegerField(label=_("人数"), min_value=1, max_value=10000)
    confirmed = forms.BooleanField(label=_("已确认"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=255)

    def __init__(self, *args, receiving=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_facility"].queryset = (
            receiving if receiving is not None else Facility.objects.none()
        )
        self.fields["receiving_facility"].empty_label = "—"

    def clean(self):
        data = super().clean()
        if data.get("destination") == ChildPlacement.Destination.FACILITY and not data.get(
            "receiving_facility"
        ):
            self.add_error("receiving_facility", _("请选择接收机构。"))
        return data

    def placement(self) -> PlacementInput:
        data = self.cleaned_data
        receiving = data.get("receiving_facility")
        return PlacementInput(
            destination=data["destination"],
            children=data["children"],
            receiving_facility_id=receiving.pk
            if receiving and data["destination"] == ChildPlacement.Destination.FACILITY
            else None,
            confirmed=data.get("confirmed", False),
            note=data.get("note", "").strip(),
        )


class BasePlacementFormSet(forms.BaseFormSet):
    def __init__(self, *args, receiving=None, **kwargs):
        self.receiving = receiving
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "receiving": self.receiving}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            receiving=self.receiving,
        )
        self.add_fields(form, None)
        return form

    def acceptable(self) -> bool:
        """Valid, or not sent at all."""
        return not self.is_bound or self.is_valid()

    def placements(self) -> list[PlacementInput]:
        if not self.is_bound:
            return []
        return [f.placement() for f in self.forms if f.has_changed() and f.cleaned_data]


def placement_formset(data=None, *, facility: Facility, rows: int = 4):
    """Rows for the placements of a closure; the receiving facilities are the registry's (facilities.services
    .receiving_facilities). Empty rows are ignored."""
    from facilities.services import receiving_facilities

    formset = forms.formset_factory(PlacementForm, formset=BasePlacementFormSet, extra=rows, max_num=20)
    if data is not None and "placements-TOTAL_FORMS" not in data:
        data = None  # a post without the table (a suspension from a script): no placements, not an error
    return formset(data, prefix="placements", receiving=receiving_facilities(facility).order_by("name"))


class StatusRequestForm(BootstrapMixin, forms.Form):
    """An operator's request to suspend or close (decided by the district official)."""

    to_status = forms.ChoiceField(label=_("申请事项"))
    effective_on = forms.DateField(label=_("拟生效日期"), widget=DateInput)
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    note = forms.CharField(
        label=_("去向说明"),
        help_text=_("申请关停时在下表逐项填写在托婴幼儿的去向；未登记在托人数且无在托婴幼儿时在此说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, allowed: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            Facility.OperatingStatus.SUSPENDED: _("暂停服务"),
            Facility.OperatingStatus.CLOSED: _("关停（注销备案）"),
        }
        self.fields["to_status"].choices = [(value, labels[value]) for value in labels if value in allowed]


class StaffForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = ["name", "id_number", "role", "employment", "phone", "hired_on", "left_on"]
        widgets = {"hired_on": DateInput, "left_on": DateInput}

    def clean_id_number(self):
        # The format is checked by the model field's validator (shared with the admin and the API).
        return self.cleaned_data["id_number"].strip().upper()


class CertificateForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Certificate
        fields = ["kind", "number", "issuer", "issued_on", "expires_on"]
        widgets = {"issued_on": DateInput, "expires_on": DateInput}


class TrainingForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["title", "provider", "completed_on", "hours"]
        widgets = {"completed_on": DateInput}


class RevokeForm(forms.Form):
    revoke = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class AccountForm(BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, help_text=_("英文字母、数字和 . _ - @，如 daxing.ycz")
    )
    full_name = forms.CharField(label=_("姓名"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("角色"),
        choices=[
            (RoleAssignment.Role.TOWN_OFFICIAL, RoleAssignment.Role.TOWN_OFFICIAL.label),
            (RoleAssignment.Role.OPERATOR, RoleAssignment.Role.OPERATOR.label),
        ],
    )
    district = forms.ModelChoiceField(
        label=_("区县（区级管理员）"), queryset=Region.objects.none(), required=False
    )
    town = forms.ModelChoiceField(
        label=_("镇街（镇街管理员；或尚未登记机构的填报人）"),
        queryset=Region.objects.none(),
        required=False,
    )
    facility = forms.ModelChoiceField(
        label=_("机构（机构填报人）"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("机构尚未登记的，留空并选择镇街：填报人首次登录后自行登记机构。"),
    )

    def __init__(self, *args, towns, facilities, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns.select_related("parent").order_by("parent__code", "sort_order")
        self.fields["facility"].queryset = facilities.order_by("name")
        if districts is not None and districts.exists():
            # Only officials with districts below them (a city official, a superuser) appoint their officials.
            self.fields["district"].queryset = districts.order_by("code")
            self.fields["role"].choices = [
                (RoleAssignment.Role.DISTRICT_OFFICIAL, RoleAssignment.Role.DISTRICT_OFFICIAL.label),
                *self.fields["role"].choices,
            ]
        else:
            del self.fields["district"]

    def clean_username(self):
        try:
            return usernames.clean_new_username(self.cleaned_data["username"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
