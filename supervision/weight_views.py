"""A district's own grading weights on a page (instead of the admin): the number in force today beside
the project's proposal, the district's rows with the dates they are in force, a form to set a number from
a date, and the history of every change. District officials of the district only (Action.SUPERVISE);
anyone else gets 404. supervision.services.grading_weight_set writes; grading reads the rows in force on
the date it grades (supervision.grading.load_rules), so a change from a date leaves earlier periods alone.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import history
from core.access import Action, can
from core.errors import ServiceError
from core.forms import apply_service_error
from facilities.forms import BootstrapMixin, DateInput
from supervision import grading, services
from supervision.models import CreditLevel, Grade, GradeMatrixCell, GradingWeight, RiskLevel
from supervision.services import SUBJECT_CHOICES
from targets.models import Region


def _subject_choices():
    choices = [("", gettext_lazy("（无）"))]
    for kind in ("severity", "kind", "disclosure", "grade"):
        choices.extend(SUBJECT_CHOICES[kind])
    return choices


class WeightForm(BootstrapMixin, forms.Form):
    key = forms.ChoiceField(label=gettext_lazy("参数"), choices=GradingWeight.Key.choices)
    subject = forms.ChoiceField(
        label=gettext_lazy("对象"),
        choices=_subject_choices,
        required=False,
        help_text=gettext_lazy("按严重程度、机构类型、公示项目或等级分别设定的参数才选对象"),
    )
    value = forms.DecimalField(label=gettext_lazy("数值"), min_value=0, max_digits=8, decimal_places=2)
    effective_from = forms.DateField(
        label=gettext_lazy("生效日期"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("留空：修改当前有效的数值；填写：自该日起使用新数值，此前的期间仍按原数值"),
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=255, required=False)


def _district_setting_form(request, code, form_class, save, saved_message, url_name):
    """A district's grading setting page: the district (404 without Action.SUPERVISE on it), the bound form,
    and, once `save` took a valid POST, the redirect back to the page (else None)."""
    district = get_object_or_404(Region, code=code, level=Region.Level.DISTRICT)
    if not can(request.user, Action.SUPERVISE, district):
        raise Http404
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            save(user=request.user, district=district, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, saved_message)
            return district, form, redirect(url_name, code=district.code)
    return district, form, None


@login_required
def weights(request, code):
    district, form, done = _district_setting_form(
        request, code, WeightForm, services.grading_weight_set, _("分级参数已保存。"), "supervision:weights"
    )
    if done:
        return done
    today = timezone.localdate()
    rules = grading.load_rules(district.pk, today)
    proposal = grading.load_rules(None, today)
    labels = dict(_subject_choices())
    rows = []
    order = {key: index for index, key in enumerate(GradingWeight.Key.values)}
    for key, subject in sorted(
        set(rules.weights) | set(proposal.weights), key=lambda ks: (order.get(ks[0], 99), ks[1])
    ):
        rows.append(
            {
                "key": GradingWeight.Key(key).label,
                "subject": labels.get(subject, subject) if subject else "",
                "proposal": proposal.weights.get((key, subject)),
                "value": rules.weights.get((key, subject)),
                "own": rules.is_own(key, subject),
            }
        )
    own_rows = GradingWeight.objects.filter(district=district).order_by("key", "subject", "effective_from")
    return render(
        request,
        "supervision/weights.html",
        {
            "district": district,
            "form": form,
            "rows": rows,
            "own_rows": own_rows,
            "subject_labels": labels,
            "today": today,
            "history": history.page(
                [history.Source(GradingWeight, {"district_id": district.pk})],
                request.GET.get("history_page"),
                reader=request.user,
            ),
        },
    )


# ---------------------------------------------------------------- the grade matrix (a district's own)


class MatrixForm(BootstrapMixin, forms.Form):
    risk_level = forms.ChoiceField(label=gettext_lazy("风险等级"), choices=RiskLevel.choices)
    credit_level = forms.ChoiceField(label=gettext_lazy("信用等级"), choices=CreditLevel.choices)
    grade = forms.ChoiceField(label=gettext_lazy("监管等级"), choices=Grade.choices)
    effective_from = forms.DateField(
        label=gettext_lazy("生效日期"),
        required=False,
        widget=DateInput,
        help_text=gettext_lazy("留空：修改当前有效的等级；填写：自该日起使用新等级，此前的期间仍按原等级"),
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=255, required=False)


@login_required
def grade_matrix(request, code):
    """The grade matrix (risk level × credit level → A–D) of one district on a page: the grade in force
    today beside the project's proposal, the district's own cells with their dates, a form to set a cell
    now or from a date, and the history. Same permission as the weights page (Action.SUPERVISE on the
    district); the proposal rows (no district) stay with superusers in the admin. Written by
    supervision.services.grade_matrix_set; grading reads the cells in force on the day it grades."""
    district, form, done = _district_setting_form(
        request,
        code,
        MatrixForm,
        services.grade_matrix_set,
        _("分级矩阵已保存。"),
        "supervision:grade_matrix",
    )
    if done:
        return done
    today = timezone.localdate()
    rules = grading.load_rules(district.pk, today)
    proposal = grading.load_rules(None, today)
    own_today = {
        (c.risk_level, c.credit_level)
        for c in GradeMatrixCell.objects.filter(district=district)
        if (c.effective_from is None or c.effective_from <= today)
        and (c.effective_to is None or c.effective_to >= today)
    }
    grid = [
        {
            "risk": label,
            "cells": [
                {
                    "grade": rules.matrix.get((risk, credit)),
                    "proposal": proposal.matrix.get((risk, credit)),
                    "own": (risk, credit) in own_today,
                }
                for credit in CreditLevel.values
            ],
        }
        for risk, label in RiskLevel.choices
    ]
    return render(
        request,
        "supervision/grade_matrix.html",
        {
            "district": district,
            "form": form,
            "grid": grid,
            "credit_labels": CreditLevel.labels,
            "own_rows": GradeMatrixCell.objects.filter(district=district).order_by(
                "risk_level", "credit_level", "effective_from"
            ),
            "today": today,
            "history": history.page(
                [history.Source(GradeMatrixCell, {"district_id": district.pk})],
                request.GET.get("history_page"),
                reader=request.user,
            ),
        },
    )
