"""The report forms: a month's enrolment (one row of fields per class type), the district's due day, and the
reasons of a return or a correction."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import version_field
from facilities.models import ClassTypeRule
from reporting.filtersets import MonthField
from reporting.services import LineInput

LINE_FIELDS = ("enrolled", "average_attendance", "vacant_places")


class EnrolmentReportForm(forms.Form):
    """One month of a facility: for each class type it runs (all types when it records none), the children
    enrolled, the average daily attendance and the places vacant. A class type left empty is not reported."""

    month = MonthField(label=_("月份"))
    note = forms.CharField(label=_("说明"), max_length=255, required=False)
    version = version_field()

    def __init__(self, *args, facility, report=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility
        run = list(ClassTypeRule.objects.filter(classunit__facility=facility).distinct())
        self.class_types = run or list(ClassTypeRule.objects.all())
        existing = {line.class_type_id: line for line in report.lines.all()} if report else {}
        if report is not None:
            self.initial.update(
                month=report.month.strftime("%Y-%m"), note=report.note, version=report.version
            )
        self.rows = []
        for class_type in self.class_types:
            line = existing.get(class_type.pk)
            fields = []
            for name, field in (
                ("enrolled", forms.IntegerField(label=_("在托人数"), min_value=0, required=False)),
                (
                    "average_attendance",
                    forms.DecimalField(
                        label=_("平均出勤人数"), min_value=0, max_digits=8, decimal_places=1, required=False
                    ),
                ),
                ("vacant_places", forms.IntegerField(label=_("空余托位"), min_value=0, required=False)),
            ):
                key = f"{class_type.code}-{name}"
                field.widget.attrs.update(
                    {"class": "form-control", "aria-label": f"{class_type.name} {field.label}"}
                )
                if line is not None:
                    field.initial = getattr(line, name)
                self.fields[key] = field
                fields.append(key)
            self.rows.append((class_type, [self[key] for key in fields]))
        self.fields["month"].widget.attrs["class"] = "form-control"
        self.fields["note"].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        lines = []
        for class_type in self.class_types:
            values = [data.get(f"{class_type.code}-{name}") for name in LINE_FIELDS]
            if all(v is None for v in values):
                continue
            if any(v is None for v in values):
                self.add_error(
                    None,
                    _("%(type)s：请填写在托人数、平均出勤人数和空余托位三项。") % {"type": class_type.name},
                )
                continue
            enrolled, attendance, vacant = values
            lines.append(LineInput(class_type, enrolled, Decimal(attendance), vacant))
        if not lines and not self.errors:
            self.add_error(None, _("请至少填写一个班型。"))
        data["lines"] = lines
        return data


class DueDayForm(forms.Form):
    due_day = forms.IntegerField(
        label=_("报送截止日"),
        min_value=1,
        max_value=28,
        help_text=_("机构每月几日前报送上月在托情况（1–28日）"),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    version = version_field()


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}), max_length=2000
    )


class CompileForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, _("第%(q)s季度") % {"q": q}) for q in range(1, 5)]
    )
    scope = forms.ChoiceField(
        label=_("汇总"),
        choices=[("towns", _("各镇街报表")), ("district", _("全区汇总报表（各镇街均已审定后）"))],
        initial="towns",
    )
