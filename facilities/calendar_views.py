"""The working-day calendar's pages: a year as its notice reads (officials), and the one form in which a
superuser enters next year's notice (calendar_services.calendar_year_set writes it, all or nothing).

The calendar is national reference data (CalendarDay has no region and no `scope`): who may read it is
decided by `allowed()` — district and town officials and superusers — and only superusers write.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core import access
from core.access import Role
from core.views import ObjectFormView
from facilities import calendar_services
from facilities.calendar_services import CalendarError
from facilities.forms import BootstrapMixin, DateInput

FIRST_YEAR, LAST_YEAR = 2000, 2100


def may_read(user) -> bool:
    return access.is_official(user) or access.has_role(user, Role.TOWN_OFFICIAL)


class CalendarYearView(LoginRequiredMixin, TemplateView):
    """One year of the calendar: the holiday runs and the make-up working days, with the notice they come
    from. `/registry/calendar/` shows this year. A summary of national reference data (CalendarDay has no
    region), not a list of rows: the same page for every reader `may_read` lets in, 404 for anyone else."""

    template_name = "facilities/calendar_year.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_read(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    @property
    def year(self) -> int:
        year = self.kwargs.get("year") or timezone.localdate().year
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise Http404
        return year

    def get_context_data(self, **kwargs):
        kwargs.pop("year", None)  # the URL's year, checked by `self.year`
        years = calendar_services.calendar_years()
        year = self.year
        return super().get_context_data(
            year=year,
            schedule=calendar_services.year_schedule(year),
            years=years,
            next_year_missing=timezone.localdate().year + 1 not in years,
            next_year=timezone.localdate().year + 1,
            may_write=access.unrestricted(self.request.user),
            **kwargs,
        )


class CalendarYearForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    title = forms.CharField(label=gettext_lazy("通知标题"), max_length=255)
    doc_number = forms.CharField(
        label=gettext_lazy("文号"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("如“国办发明电〔2025〕7号”；写入每个日期的说明"),
    )
    issued_on = forms.DateField(label=gettext_lazy("成文日期"), required=False, widget=DateInput)
    url = forms.URLField(
        label=gettext_lazy("原文网址"), required=False, max_length=500, assume_scheme="https"
    )
    holidays = forms.CharField(
        label=gettext_lazy("放假安排"),
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "2027-01-01..2027-01-03 元旦"}),
        help_text=gettext_lazy(
            "每行一段：起始日期..结束日期 名称；单日可只写一个日期。周末也照通知原文列入。"
        ),
    )
    working_days = forms.CharField(
        label=gettext_lazy("调休上班日"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "2027-02-06 春节"}),
        required=False,
        help_text=gettext_lazy("每行一个周六或周日：日期 名称（名称可省略）。"),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("替换该年已有安排"),
        required=False,
        help_text=gettext_lazy("该年已有记录时必须勾选，否则不保存。"),
    )


class CalendarYearFormView(ObjectFormView):
    """A superuser enters a year's notice in one form; nothing is written unless all of it is right."""

    template_name = "facilities/calendar_form.html"
    error_class = CalendarError

    def dispatch_object(self):
        if not access.unrestricted(self.request.user):
            raise Http404
        return None

    def get_form(self):
        next_year = timezone.localdate().year + 1
        initial = {
            "year": next_year,
            "title": f"国务院办公厅关于{next_year}年部分节假日安排的通知",  # the notice's own title
        }
        return CalendarYearForm(self.request.POST or None, initial=initial)

    def run(self, obj, form):
        result = calendar_services.calendar_year_set(user=self.request.user, **form.cleaned_data)
        self.success_message = _(
            "%(year)d年日历已保存：新增%(created)d天，修改%(updated)d天，删除%(deleted)d天。"
        ) % {
            "year": result.year,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
        }
        return result

    def success_url(self, obj, result) -> str:
        return reverse("registry:calendar_year", args=[result.year])

    def get_context_data(self, **kwargs):
        return super().get_context_data(years=calendar_services.calendar_years(), **kwargs)


calendar_year = CalendarYearView.as_view()
calendar_new = CalendarYearFormView.as_view()
