"""Browser forms of subsidies. They collect and pre-check input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import VersionedFormMixin, version_field
from facilities.forms import BootstrapMixin, DateInput
from facilities.models import Facility
from subsidies.models import Application, Fund, Program
from subsidies.services import Decision


class ApplicationForm(BootstrapMixin, forms.Form):
    facility = forms.ModelChoiceField(label=_("机构"), queryset=None, empty_label=None)
    program = forms.ModelChoiceField(label=_("补助项目"), queryset=None, empty_label=_("请选择"))
    period_start = forms.DateField(label=_("补助期间起"), widget=DateInput)
    period_end = forms.DateField(label=_("补助期间止"), widget=DateInput)
    area_m2 = forms.DecimalField(
        label=_("面积（㎡）"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    months = forms.IntegerField(label=_("月数"), required=False, min_value=0, max_value=600)
    # The same limits as the API's (subsidies.api.serializers.ApplicationCreateSerializer).
    slots = forms.IntegerField(label=_("托位数"), required=False, min_value=0, max_value=100000)
    children = forms.IntegerField(label=_("在托人数"), required=False, min_value=0, max_value=100000)
    note = forms.CharField(
        label=_("申请说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    FIGURES = ("area_m2", "months", "slots", "children")

    def __init__(self, *args, facilities, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities.select_related("district", "town")
        self.fields["facility"].label_from_instance = lambda f: (
            f"{f.name}（{f.district.name}{' · ' + f.town.name if f.town else ''}）"
        )
        self.fields["program"].queryset = programs.select_related("district", "fund")
        self.fields["program"].label_from_instance = lambda p: (
            f"{p.district.name} · {p.year}年 · {p.name}（{p.get_kind_display()}，{p.rule_text}）"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("补助期间止不能早于补助期间起。"))
        return data


class DecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label=_("审核决定"), choices=Decision.CHOICES, widget=forms.RadioSelect)
    amount = forms.DecimalField(
        label=_("核定金额（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("留空即按规则测算金额批准；填写不同金额须写明理由"),
    )
    reason = forms.CharField(
        label=_("审核意见/调整理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("驳回、核减或调整金额时必填，将显示给申请机构"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons take Bootstrap's check classes, not form-control.
        self.fields["decision"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        decision, reason = data.get("decision"), (data.get("reason") or "").strip()
        if decision == Decision.REJECT and not reason:
            self.add_error("reason", _("驳回须写明理由。"))
        if decision == Decision.REDUCE and data.get("amount") is None:
            self.add_error("amount", _("核减须填写核定金额。"))
        return data


class PaymentForm(BootstrapMixin, forms.Form):
    amount = forms.DecimalField(
        label=_("支付金额（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("留空即支付尚未支付的全部核定金额；可分次支付"),
    )
    entry_date = forms.DateField(label=_("记账日期"), widget=DateInput)
    reference = forms.CharField(
        label=_("凭证号"), max_length=64, help_text=_("同一资金内凭证号不能重复；重复提交不会重复记账")
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, approved_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.approved_on = approved_on
        # The date picker offers only the allowed range: from the approval to today.
        widget = self.fields["entry_date"].widget
        widget.attrs["max"] = timezone.localdate().isoformat()
        if approved_on:
            widget.attrs["min"] = approved_on.isoformat()

    def clean_entry_date(self):
        value = self.cleaned_data["entry_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("记账日期不能晚于今天。"))
        if self.approved_on and value < self.approved_on:
            raise forms.ValidationError(
                _("记账日期不能早于批准日期（%(date)s）。") % {"date": self.approved_on.isoformat()}
            )
        return value


class ReversalForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("冲销原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    entry_date = forms.DateField(label=_("记账日期"), widget=DateInput)
    reference = forms.CharField(
        label=_("凭证号"), max_length=64, required=False, help_text=_("留空则记为“冲销 原凭证号”")
    )


class ListFilterForm(BootstrapMixin, forms.Form):
    """District and year filters shared by the list pages (choices limited to the user's scope)."""

    district = forms.ModelChoiceField(label=_("区县"), queryset=None, required=False, empty_label=_("全部"))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].to_field_name = "code"

    def filtered(self, queryset, district_path="district", year_path="year"):
        if not self.is_valid():
            return queryset
        if self.cleaned_data.get("district"):
            queryset = queryset.filter(**{district_path: self.cleaned_data["district"]})
        if self.cleaned_data.get("year"):
            queryset = queryset.filter(**{year_path: self.cleaned_data["year"]})
        return queryset


class ApplicationFilterForm(ListFilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Application.Status.choices]
    )
    program = forms.ModelChoiceField(
        label=_("补助项目"), queryset=None, required=False, empty_label=_("全部")
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs

    def filtered(self, queryset, district_path="facility__district", year_path="program__year"):
        queryset = super().filtered(queryset, district_path, year_path)
        if not self.is_valid():
            return queryset
        if self.cleaned_data.get("status"):
            queryset = queryset.filter(status=self.cleaned_data["status"])
        if self.cleaned_data.get("program"):
            queryset = queryset.filter(program=self.cleaned_data["program"])
        return queryset


__all__ = [
    "ApplicationFilterForm",
    "ApplicationForm",
    "DecisionForm",
    "ListFilterForm",
    "PaymentForm",
    "ReversalForm",
]


# ---------------------------------------------------------------- rules on pages


class PaymentControlsForm(BootstrapMixin, forms.Form):
    maker_checker = forms.BooleanField(
        label=_("审批与支付分离"),
        required=False,
        help_text=_("开启后：审核人不能支付同一申请，支付人不能冲销自己的支付"),
    )
    version = version_field()


class ProgramForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    """A district's program on a page (subsidies.services.program_save writes it)."""

    class Meta:
        model = Program
        fields = [
            "district",
            "year",
            "kind",
            "name",
            "fund",
            "basis",
            "rate",
            "per_child_figure",
            "effective_from",
            "effective_to",
            "payable_text",
            "payable_by",
            "accepting_applications",
            "requires_filed",
            "requires_operating",
            "requires_inclusive",
            "allowed_kinds",
            "notes",
            "source",
        ]
        widgets = {
            "effective_from": DateInput,
            "effective_to": DateInput,
            "payable_by": DateInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].empty_label = None
        self.fields["fund"].queryset = Fund.objects.filter(district__in=districts).order_by("-year", "name")
        self.fields["allowed_kinds"] = forms.MultipleChoiceField(
            label=_("限定机构类型"),
            choices=Facility.Kind.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            help_text=_("不勾选表示不限机构类型"),
            initial=self.instance.allowed_kinds if self.instance.pk else [],
        )
        # Only a per-child program reads it: left out, it keeps the program's value (new: enrolled).
        self.fields["per_child_figure"].required = False

    def clean_per_child_figure(self):
        return (
            self.cleaned_data.get("per_child_figure")
            or self.instance.per_child_figure
            or Program.PerChildFigure.ENROLLED
        )

    def _post_clean(self):
        # The service runs the model's checks (with its own messages) inside its transaction.
        forms.BaseForm._post_clean(self)


class ProgramRuleForm(BootstrapMixin, forms.Form):
    """A change of a program's rate from a date; `rule` names the change being edited (empty: a new one)."""

    rule = forms.IntegerField(widget=forms.HiddenInput, required=False)
    basis = forms.ChoiceField(label=_("计算方式"), choices=Program.Basis.choices)
    rate = forms.DecimalField(label=_("标准（元）"), min_value=0, max_digits=12, decimal_places=2)
    effective_from = forms.DateField(label=_("生效日期"), widget=DateInput)
    effective_to = forms.DateField(
        label=_("失效日期"), widget=DateInput, required=False, help_text=_("留空：至项目结束")
    )
    note = forms.CharField(
        label=_("调整依据/说明"), max_length=255, help_text=_("文件文号、会议纪要等，将随调整保存")
    )
    version = version_field()

    def clean(self):
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and start > end:
            self.add_error("effective_to", _("失效日期不能早于生效日期。"))
        return data


class FundForm(VersionedFormMixin, BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Fund
        fields = [
            "district",
            "source_level",
            "name",
            "year",
            "amount_allocated",
            "purpose",
            "spend_by",
            "notes",
            "source",
        ]
        widgets = {"spend_by": DateInput, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].empty_label = None

    def _post_clean(self):
        forms.BaseForm._post_clean(self)


class FundPlanMonthForm(BootstrapMixin, forms.Form):
    """One month of a fund's plan (the plan page has one per month): the planned cumulative spend by the
    end of the month, empty for no plan that month, and the version of the month's row as read."""

    planned_cumulative = forms.DecimalField(
        label=_("计划累计支出（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    version = version_field()

    def __init__(self, *args, month, row=None, **kwargs):
        self.month = month
        self.row = row
        initial = {"planned_cumulative": row.planned_cumulative, "version": row.version} if row else {}
        super().__init__(*args, prefix=month.strftime("m%Y%m"), initial=initial, **kwargs)
        self.fields["planned_cumulative"].error_messages["min_value"] = _("计划金额不能为负数。")
