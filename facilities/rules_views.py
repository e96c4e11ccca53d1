"""The rules page (/registry/rules/): a district official sets their district's own values of the
district-level rules (facilities.rules_services) and reads the national rules beside them, read-only; the
page shows the history of the district's settings. National rules stay superusers' to change, in the admin.

Who may open it: officials who manage at least one district (a superuser: every district); anyone else gets
a 404, as everywhere in the portal. A district outside the user's districts is a 404 too."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import access, history
from core.errors import ServiceError
from core.forms import apply_service_error
from facilities import rules_services
from facilities.forms import BootstrapMixin
from facilities.models import ClassTypeRule, RuleSetting
from facilities.rules import load_rules


class DistrictRuleForm(BootstrapMixin, forms.Form):
    key = forms.ChoiceField(
        choices=[(k.value, k.label) for k in RuleSetting.DISTRICT_KEYS], widget=forms.HiddenInput
    )
    value = forms.DecimalField(label=gettext_lazy("本区数值"), max_digits=10, decimal_places=2)
    note = forms.CharField(
        label=gettext_lazy("说明或依据"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("如本区文件文号；可留空"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ClearForm(forms.Form):
    key = forms.ChoiceField(choices=[(k.value, k.label) for k in RuleSetting.DISTRICT_KEYS])
    version = forms.IntegerField(min_value=1)


def _district(request, districts):
    raw = request.POST.get("district") if request.method == "POST" else request.GET.get("district")
    if not raw:
        return districts.first()
    try:
        return districts.get(pk=int(raw))
    except (ValueError, TypeError, districts.model.DoesNotExist):
        raise Http404 from None


@login_required
def rules_page(request):
    districts = rules_services.rule_districts(request.user).order_by("code")
    if not (access.is_official(request.user) and districts.exists()):
        raise Http404
    district = _district(request, districts)
    own_rows = {r.key: r for r in RuleSetting.objects.filter(district=district)}
    action = request.POST.get("action") if request.method == "POST" else None
    status = 200
    if action == "clear":
        clear = ClearForm(request.POST)
        if not clear.is_valid():
            messages.error(request, _("要清除的设定无法识别，未作改动。"))
            status = 400
        else:
            try:
                rules_services.district_rule_clear(
                    user=request.user,
                    district=district,
                    key=clear.cleaned_data["key"],
                    version=clear.cleaned_data["version"],
                )
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("已清除本区设定，恢复使用初始值。"))
            return redirect(f"{reverse('registry:rules')}?district={district.pk}")
    elif action not in (None, "set"):
        raise Http404

    national = load_rules()
    settings = []
    for key in RuleSetting.DISTRICT_KEYS:
        row = own_rows.get(key)
        bound = action == "set" and request.POST.get(f"{key}-key") == key  # the form of this key
        initial = {
            "key": key,
            "value": f"{row.value.normalize():f}" if row else None,
            "note": row.note if row else "",
            "version": row.version if row else None,
        }
        form = DistrictRuleForm(request.POST if bound else None, initial=initial, prefix=key)
        if bound and form.is_valid():
            data = form.cleaned_data
            try:
                rules_services.district_rule_set(
                    user=request.user,
                    district=district,
                    key=key,
                    value=data["value"],
                    note=data["note"],
                    version=data["version"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已保存本区设定，即时生效。"))
                return redirect(f"{reverse('registry:rules')}?district={district.pk}")
        if bound and form.errors:
            status = 400
        settings.append(
            {
                "key": key,
                "label": RuleSetting.Key(key).label,
                "national": national.settings.get(key),
                "row": row,
                "form": form,
            }
        )
    if action == "set" and not any(
        request.POST.get(f"{key}-key") == key for key in RuleSetting.DISTRICT_KEYS
    ):
        messages.error(request, _("只能设定本区自行设定的规则；全国统一的规则由系统管理员修改。未作改动。"))
        status = 400
    national_rows = (
        RuleSetting.objects.filter(district__isnull=True)
        .exclude(key__in=RuleSetting.DISTRICT_KEYS)
        .select_related("source")
    )
    events = history.page(
        [history.Source(RuleSetting, {"district_id": district.pk}, hide=("district",))],
        request.GET.get("history_page"),
        reader=request.user,
    )
    return render(
        request,
        "facilities/rules.html",
        {
            "districts": districts,
            "district": district,
            "settings": settings,
            "national_rows": national_rows,
            "class_types": ClassTypeRule.objects.select_related("source"),
            "history": events,
            "may_edit_national": access.unrestricted(request.user),
        },
        status=status,
    )
