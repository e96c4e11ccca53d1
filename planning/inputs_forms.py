"""Forms of the planning inputs officials enter on pages: population per district / town and year, and
named demand scenarios. They only read and check input; the writes are services (targets.services,
planning.services)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import version_field
from facilities.forms import BootstrapMixin, DateInput
from targets.models import PopulationStat, Region, SourceDocument

YEAR_MIN, YEAR_MAX = 2000, 2100


class ScenarioForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("情景名称"), max_length=64, help_text=_("如：意愿 40 %"))
    enrolment_wish_percent = forms.DecimalField(
        label=_("入托意愿率（%）"), min_value=0, max_value=100, decimal_places=2, max_digits=5
    )
    note = forms.CharField(label=_("依据"), max_length=255, required=False)
    version = version_field()


class PopulationForm(BootstrapMixin, forms.Form):
    """A district's or one of its towns' population for a year. The source is a document already in the
    portal or one named here (title, issuer, date), which the service files under the district."""

    region = forms.ModelChoiceField(label=_("地区"), queryset=Region.objects.none())
    year = forms.IntegerField(label=_("年份"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    resident_population = forms.IntegerField(label=_("常住人口（人）"), min_value=0, required=False)
    births = forms.IntegerField(label=_("出生人口（人）"), min_value=0, required=False)
    infants_under_3 = forms.IntegerField(label=_("3岁以下婴幼儿（人）"), min_value=0, required=False)
    women_childbearing_age = forms.IntegerField(label=_("育龄妇女（人）"), min_value=0, required=False)
    avg_monthly_household_disposable_income = forms.DecimalField(
        label=_("家庭月均可支配收入（元）"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    scope_note = forms.CharField(
        label=_("统计口径"), max_length=255, required=False, help_text=_("如：不含两江新区")
    )
    source = forms.ModelChoiceField(
        label=_("来源文件"),
        queryset=SourceDocument.objects.none(),
        required=False,
        help_text=_("已登记的文件；没有时在下面填写新来源文件"),
    )
    source_title = forms.CharField(
        label=_("新来源文件标题"),
        max_length=255,
        required=False,
        help_text=_("如：大兴区2024年国民经济和社会发展统计公报"),
    )
    source_issuer = forms.CharField(label=_("新来源文件发文机关"), max_length=128, required=False)
    source_issued_on = forms.DateField(label=_("新来源文件日期"), widget=DateInput, required=False)
    version = version_field()

    COUNTS = (
        "resident_population",
        "births",
        "infants_under_3",
        "women_childbearing_age",
        "avg_monthly_household_disposable_income",
    )

    def __init__(self, *args, district: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district
        self.fields["region"].queryset = Region.objects.filter(
            Q(pk=district.pk) | Q(parent=district, level=Region.Level.TOWN)
        ).order_by("-level", "sort_order", "code")  # the district first, then its towns
        self.fields["source"].queryset = SourceDocument.objects.filter(
            Q(region=district) | Q(region__parent=district) | Q(region__isnull=True)
        ).order_by("-issued_on", "title")

    def clean(self):
        data = super().clean()
        if not data.get("source") and not (data.get("source_title") or "").strip():
            self.add_error("source", _("请选择来源文件，或填写新来源文件的标题。"))
        if all(data.get(name) in (None, "") for name in self.COUNTS):
            raise forms.ValidationError(_("请至少填写一项人口数据。"))
        return data

    @staticmethod
    def initial_for(row: PopulationStat) -> dict:
        return {
            "region": row.region_id,
            "year": row.year,
            **{name: getattr(row, name) for name in PopulationForm.COUNTS},
            "scope_note": row.scope_note,
            "source": row.source_id,
            "version": row.version,
        }
