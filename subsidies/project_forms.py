"""Forms of the project pages: a project, and its milestones one row per stage. They read and check input;
the writes are subsidies.project_services."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Action
from core.forms import version_field
from facilities.forms import BootstrapMixin, DateInput
from facilities.models import Facility
from subsidies.models import Fund, Milestone, Project
from targets.models import Region, SourceDocument


class ProjectForm(BootstrapMixin, forms.ModelForm):
    district = forms.ModelChoiceField(label=_("区县"), queryset=Region.objects.none())
    version = version_field()

    class Meta:
        model = Project
        fields = [
            "kind",
            "name",
            "town",
            "planned_slots",
            "investment",
            "investment_comparator",
            "area_m2",
            "area_comparator",
            "funds",
            "facility",
            "source",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "funds": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = Region.objects.districts().for_user(user, Action.MANAGE).order_by("code")
        if self.instance.pk:
            districts = districts.filter(pk=self.instance.district_id)
            self.fields["district"].initial = self.instance.district_id
            self.fields["district"].disabled = True
            self.fields["version"].initial = self.instance.version
        self.fields["district"].queryset = districts
        if districts.count() == 1 and not self.instance.pk:
            self.fields["district"].initial = districts.first().pk
        self.fields["town"].queryset = Region.objects.filter(
            level=Region.Level.TOWN, parent__in=districts
        ).order_by("parent__code", "sort_order", "code")
        self.fields["facility"].queryset = Facility.objects.filter(district__in=districts).order_by("name")
        self.fields["funds"].queryset = Fund.objects.filter(district__in=districts).order_by("-year", "name")
        self.fields["source"].queryset = SourceDocument.objects.filter(
            Q(region__in=districts) | Q(region__isnull=True)
        ).order_by("-issued_on", "title")
        self.order_fields(["district", *self.Meta.fields])

    def _post_clean(self):
        # The service validates the model (with the district set); the form only checks its fields.
        pass


NULL_CHOICES = [("", _("未知")), ("true", _("已完成")), ("false", _("未完成"))]


class MilestoneForm(BootstrapMixin, forms.Form):
    done = forms.TypedChoiceField(
        label=_("状态"),
        choices=NULL_CHOICES,
        required=False,
        coerce=lambda value: {"true": True, "false": False}.get(value),
        empty_value=None,
    )
    planned_date = forms.DateField(label=_("计划日期"), widget=DateInput, required=False)
    actual_date = forms.DateField(label=_("实际日期"), widget=DateInput, required=False)
    note = forms.CharField(label=_("说明/原文"), max_length=255, required=False)
    version = version_field()

    def __init__(self, *args, stage: str, milestone: Milestone | None, **kwargs):
        self.stage = stage
        self.milestone = milestone
        initial = {}
        if milestone is not None:
            initial = {
                "done": {True: "true", False: "false"}.get(milestone.done, ""),
                "planned_date": milestone.planned_date,
                "actual_date": milestone.actual_date,
                "note": milestone.note,
                "version": milestone.version,
            }
        super().__init__(*args, prefix=stage, initial=initial, **kwargs)

    @property
    def label(self) -> str:
        return str(Milestone.Stage(self.stage).label)

    def is_empty(self) -> bool:
        data = self.cleaned_data
        return (
            data.get("done") is None
            and not data.get("planned_date")
            and not data.get("actual_date")
            and not data.get("note")
        )
