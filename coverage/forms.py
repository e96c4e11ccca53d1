"""The service circle's forms. They collect and pre-check input; coverage.services decides and writes."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core import geo
from core.forms import version_field
from coverage.models import Community
from coverage.services import COMMUNITY_EDIT_FIELDS
from facilities.models import Facility


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def system_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("坐标系"),
        choices=geo.CoordSystem.choices,
        initial=geo.CoordSystem.WGS84,
        help_text=_(
            "经纬度取自哪种地图：GPS 为 WGS-84，高德/腾讯为 GCJ-02，百度为 BD-09；统一换算为 WGS-84 保存。"
        ),
        **kwargs,
    )


def coordinate_field(label, low: int, high: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=low, max_value=high, max_digits=13, decimal_places=9
    )


class CommunityForm(forms.ModelForm):
    """A community's name, residents, infants, point (typed in the chosen system) and source note."""

    longitude = coordinate_field(_("经度"), -180, 180)
    latitude = coordinate_field(_("纬度"), -90, 90)
    system = system_field()
    version = version_field()

    class Meta:
        model = Community
        fields = [f for f in COMMUNITY_EDIT_FIELDS if f not in ("longitude", "latitude")]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["name", "population", "infants_under_3", "longitude", "latitude", "system"])
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["longitude"].initial = self.instance.longitude
            self.fields["latitude"].initial = self.instance.latitude
        _style(self)

    def clean(self):
        data = super().clean()
        if (data.get("longitude") is None) != (data.get("latitude") is None):
            self.add_error("longitude", _("经度和纬度须同时填写，或同时留空。"))
        return data

    def _post_clean(self):
        pass  # the service validates the record (and converts the point) before writing

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in COMMUNITY_EDIT_FIELDS}


class CommunityImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )
    system = system_field()
    dry_run = forms.BooleanField(label=_("仅预览，不写入"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class BoundaryForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=128, help_text=_("如“渝北区镇街界线（2024）”"))
    file = forms.FileField(
        label=_("GeoJSON 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json"}),
        help_text=_("WGS-84 经纬度的 Polygon / MultiPolygon 要素，每个要素须有 properties.name。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class CoverageSettingForm(forms.Form):
    radius_m = forms.IntegerField(
        label=_("服务半径（米）"),
        min_value=1,
        max_value=100000,
        help_text=_("直线距离；1000米（约15分钟步行）是常用的规划近似。"),
    )
    detour_factor = forms.DecimalField(
        label=_("绕行系数"),
        min_value=Decimal("1"),
        max_value=Decimal("9.99"),
        max_digits=4,
        decimal_places=2,
        help_text=_("步行路程与直线距离之比（≥1）。计算用半径 = 服务半径 ÷ 绕行系数。"),
    )
    bbox_min_lon = coordinate_field(_("范围最小经度"), -180, 180)
    bbox_min_lat = coordinate_field(_("范围最小纬度"), -90, 90)
    bbox_max_lon = coordinate_field(_("范围最大经度"), -180, 180)
    bbox_max_lat = coordinate_field(_("范围最大纬度"), -90, 90)
    version = version_field()

    BOX = ("bbox_min_lon", "bbox_min_lat", "bbox_max_lon", "bbox_max_lat")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.BOX:
            self.fields[name].help_text = _("WGS-84；四项都填或都留空。")
        _style(self)

    def clean(self):
        data = super().clean()
        values = [data.get(name) for name in self.BOX]
        if any(v is not None for v in values) and any(v is None for v in values):
            self.add_error(None, _("范围须四项都填或都留空。"))
        elif all(v is not None for v in values):
            if values[0] >= values[2] or values[1] >= values[3]:
                self.add_error(None, _("范围的最小值须小于最大值。"))
            data["bbox"] = tuple(v.quantize(Decimal("0.000001")) for v in values)
        data.setdefault("bbox", None)
        return data


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("方案名称"), max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class NewSiteForm(forms.Form):
    """A hypothetical facility at a point."""

    name = forms.CharField(label=_("名称"), max_length=128)
    longitude = coordinate_field(_("经度"), -180, 180)
    latitude = coordinate_field(_("纬度"), -90, 90)
    system = system_field()
    inclusive_slots = forms.IntegerField(label=_("普惠托位数"), min_value=1, max_value=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["longitude"].required = True
        self.fields["latitude"].required = True
        _style(self)


class ConvertSiteForm(forms.Form):
    """An existing facility of the district counted as inclusive."""

    facility = forms.ModelChoiceField(label=_("机构"), queryset=Facility.objects.none())
    inclusive_slots = forms.IntegerField(label=_("普惠托位数"), min_value=1, max_value=10000)

    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if facilities is not None:
            self.fields["facility"].queryset = facilities
        _style(self)
