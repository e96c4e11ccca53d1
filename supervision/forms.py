"""Browser forms of supervision. They collect and pre-check input; supervision.services decides and writes.
Choices offered (districts, facilities, complaints) are already scoped through core.access by the
view that builds the form."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedFormMixin, version_field
from facilities.forms import BootstrapMixin, DateInput
from supervision.models import (
    Complaint,
    Department,
    EvaluationFramework,
    Finding,
    Inspection,
    TeamMember,
)


class InspectionForm(BootstrapMixin, forms.Form):
    district = forms.ModelChoiceField(label=_("区县"), queryset=None, empty_label=None)
    inspected_on = forms.DateField(label=_("检查日期"), widget=DateInput)
    kind = forms.ChoiceField(label=_("检查类型"), choices=Inspection.Kind.choices)
    title = forms.CharField(label=_("名称"), max_length=128, required=False)
    departments = forms.ModelMultipleChoiceField(
        label=_("参与部门"),
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    facilities = forms.ModelMultipleChoiceField(
        label=_("检查机构"), queryset=None, widget=forms.SelectMultiple(attrs={"size": 10})
    )
    complaint = forms.ModelChoiceField(label=_("所核查的投诉"), queryset=None, required=False)
    summary = forms.CharField(label=_("检查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    backfilled = forms.BooleanField(
        label=_("事后补录的历史检查"),
        required=False,
        help_text=_(
            "按原始记录补录已结束的检查；其问题可连同整改期限、提交和验证日期一并补录，并按这些日期计分"
        ),
    )

    def __init__(self, *args, districts, facilities, complaints, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["facilities"].queryset = facilities.select_related("town").order_by(
            "district__code", "town__sort_order", "name"
        )
        self.fields["facilities"].label_from_instance = lambda f: (
            f"{f.town.name} · {f.name}" if f.town else f.name
        )
        self.fields["complaint"].queryset = complaints.select_related("facility")
        self.fields["complaint"].label_from_instance = lambda c: (
            f"{c.received_on:%Y-%m-%d} {c.facility.name}：{c.summary[:20]}"
        )
        for field in ("departments", "backfilled"):
            self.fields[field].widget.attrs["class"] = "form-check-input"


class TeamMemberForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    role = forms.ChoiceField(label=_("身份"), choices=TeamMember.Role.choices, required=False)
    organisation = forms.CharField(label=_("单位"), max_length=128, required=False)
    is_lead = forms.BooleanField(label=_("组长"), required=False)


TeamFormSet = forms.formset_factory(TeamMemberForm, extra=3, max_num=40)


def team_initial(inspection: Inspection) -> list[dict]:
    return [
        {"name": m.name, "role": m.role, "organisation": m.organisation, "is_lead": m.is_lead}
        for m in inspection.team.all()
    ]


class FindingForm(BootstrapMixin, forms.Form):
    facility = forms.ModelChoiceField(label=_("机构"), queryset=None, empty_label=None)
    category = forms.ChoiceField(label=_("问题类别"), choices=Finding.Category.choices)
    severity = forms.ChoiceField(label=_("严重程度"), choices=Finding.Severity.choices)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("依据"), max_length=255, required=False)
    responsible_person = forms.CharField(label=_("整改责任人"), max_length=64, required=False)
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput)

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities


class BackfillFindingForm(FindingForm):
    """A historic finding with the dates of its original record (supervision.services.finding_backfill)."""

    answered_on = forms.DateField(
        label=_("整改提交日期"), required=False, widget=DateInput, help_text=_("原始记录中机构提交整改的日期")
    )
    verified_on = forms.DateField(
        label=_("验证销号日期"), required=False, widget=DateInput, help_text=_("原始记录中验证销号的日期")
    )
    answer_note = forms.CharField(
        label=_("整改情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FindingStepForm(BootstrapMixin, forms.Form):
    """A step of a finding's rectification, with the finding's version as the page showed it."""

    version = version_field()


class AnswerForm(FindingStepForm):
    note = forms.CharField(label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}))
    reference = forms.CharField(
        label=_("佐证材料"),
        max_length=255,
        required=False,
        help_text=_("照片、文件编号或存档位置等（请勿填写儿童个人信息）"),
    )
    rectified_on = forms.DateField(label=_("整改完成日期"), required=False, widget=DateInput)


class VerifyForm(FindingStepForm):
    note = forms.CharField(label=_("验证意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reference = forms.CharField(label=_("佐证材料"), max_length=255, required=False)
    verified_on = forms.DateField(label=_("验证日期"), required=False, widget=DateInput)


class ReopenForm(FindingStepForm):
    note = forms.CharField(label=_("退回原因"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("新的整改期限"), required=False, widget=DateInput)


class DeadlineForm(FindingStepForm):
    deadline = forms.DateField(label=_("新的整改期限"), widget=DateInput)
    note = forms.CharField(label=_("调整原因"), widget=forms.Textarea(attrs={"rows": 2}))


class SubstantiatedSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("尚在核查")), ("true", _("属实")), ("false", _("不属实"))]


class ComplaintForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Complaint
        fields = [
            "facility",
            "received_on",
            "channel",
            "summary",
            "handling",
            "outcome",
            "substantiated",
            "closed_on",
        ]
        widgets = {
            "received_on": DateInput,
            "closed_on": DateInput,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "handling": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "substantiated": SubstantiatedSelect,
        }
        help_texts = {"handling": _("内部办理记录：仅监管部门可见，被投诉机构看不到。")}

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities.select_related("town").order_by(
            "town__sort_order", "name"
        )
        self.fields["facility"].label_from_instance = lambda f: (
            f"{f.town.name} · {f.name}" if f.town else f.name
        )
        if self.instance.pk:
            self.fields["facility"].disabled = True

    def _post_clean(self):
        # The service validates and writes (and reports model rules per field).
        pass


class IncomeForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(
        label=_("家庭月均可支配收入（元）"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    source_note = forms.CharField(label=_("数据来源"), max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class FrameworkChoiceForm(forms.Form):
    """The comparison page's framework switcher: a GET form with a button (and, with JavaScript, it submits
    on change through static/js/portal.js's [data-autosubmit]; no inline script, which the CSP forbids).
    Every published edition is offered, and retired ones too: an older assessment is read with its own."""

    framework = forms.ModelChoiceField(
        label=_("评估框架"),
        queryset=EvaluationFramework.objects.filter(
            status__in=EvaluationFramework.FROZEN, is_active=True
        ).order_by("name", "-edition"),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select", "data-autosubmit": ""}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["framework"].label_from_instance = lambda f: (
            f"{f.name} · {f.edition_label}"
            + ("" if f.status == EvaluationFramework.Status.PUBLISHED else f"（{f.get_status_display()}）")
        )


def score_field_name(dimension_id: int, item_id: int | None) -> str:
    return f"u{dimension_id}_{item_id or 0}"


class EvaluationForm(BootstrapMixin, forms.Form):
    """A row per scorable unit (an item, or a dimension without items): score, note, and — for veto items —
    “not met”."""

    assessed_on = forms.DateField(label=_("评估日期"), widget=DateInput)
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, framework: EvaluationFramework, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = []
        for dimension in framework.dimensions.prefetch_related("items").order_by("sort_order", "code"):
            items = list(dimension.items.all())
            for item in items or [None]:
                name = score_field_name(dimension.pk, item.pk if item else None)
                points = item.points if item else dimension.points
                label = item.text if item else dimension.name
                score = forms.DecimalField(
                    label=_("得分"),
                    required=False,
                    min_value=0,
                    max_value=points,
                    max_digits=8,
                    decimal_places=2,
                    disabled=points is None,
                )
                self.fields[f"{name}_score"] = score
                self.fields[f"{name}_note"] = forms.CharField(label=_("说明"), required=False, max_length=255)
                if item is not None and item.is_veto:
                    self.fields[f"{name}_failed"] = forms.BooleanField(
                        label=_("未达标（否决）"), required=False
                    )
                self.units.append(
                    {
                        "dimension": dimension,
                        "item": item,
                        "label": label,
                        "points": points,
                        "name": name,
                        "is_veto": bool(item and item.is_veto),
                    }
                )
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            else:
                widget.attrs.setdefault("class", "form-control")
        self.fields["assessed_on"].initial = timezone.localdate()

    def bound_units(self):
        for unit in self.units:
            name = unit["name"]
            yield {
                **unit,
                "score": self[f"{name}_score"],
                "note": self[f"{name}_note"],
                "failed": self[f"{name}_failed"] if unit["is_veto"] else None,
            }

    def score_inputs(self):
        from supervision.services import ScoreInput

        data = self.cleaned_data
        return [
            ScoreInput(
                dimension_id=unit["dimension"].pk,
                item_id=unit["item"].pk if unit["item"] else None,
                score=data.get(f"{unit['name']}_score"),
                failed=bool(data.get(f"{unit['name']}_failed")),
                note=data.get(f"{unit['name']}_note") or "",
            )
            for unit in self.units
        ]
