"""Forms of the filing materials pages (facilities.document_views): an upload and the official's verdict."""

from django import forms
from django.utils.translation import gettext_lazy as _

from facilities.models import ChecklistItem, MaterialFile


class MaterialUploadForm(forms.Form):
    item = forms.ChoiceField(
        label=_("备案材料"), choices=ChecklistItem.Item.choices, widget=forms.HiddenInput
    )
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、JPEG 或 PNG"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("审核结论"), choices=MaterialFile.Verdict.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("补正原因"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": _("需补正时必填：缺什么、要怎样改")}),
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == MaterialFile.Verdict.CORRECTION and not (data.get("reason") or "").strip():
            self.add_error("reason", _("需补正的材料须写明原因。"))
        return data
