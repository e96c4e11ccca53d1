"""The report pages under /reporting/: declarations on core's base views, each write one service call.

/reporting/                                  quarterly period reports (live vs as reported)
/reporting/periods/<pk>/ (+ submit, approve, return, correct, refresh)
/reporting/enrolment/                        monthly enrolment reports (list, detail with history)
/reporting/facilities/<pk>/enrolment/        fill (or correct) a month's report for a facility
/reporting/districts/<code>/                 utilisation and who has (not) reported a month
/reporting/districts/<code>/settings/        the district's due day
/reporting/districts/<code>/compile/         compile a closed quarter (POST)
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core import access
from core.access import Action, Role
from core.errors import ServiceError
from core.months import month_end, month_start
from core.spreadsheets import WorkbookError
from core.views import ObjectActionView, ObjectDetailView, ObjectFormView, ObjectListView
from facilities.models import Facility
from reporting import selectors, services
from reporting.filtersets import EnrolmentReportFilterSet, MonthField, PeriodReportFilterSet
from reporting.forms import CompileForm, DueDayForm, EnrolmentReportForm, ImportForm, ReasonForm
from reporting.importers import columns as importer_columns
from reporting.importers import enrolment_import
from reporting.models import EnrolmentReport, PeriodReport, ReportingSetting
from reporting.tables import EnrolmentReportTable, PeriodReportTable
from targets.models import Region


def reads_period_reports(user) -> bool:
    return access.unrestricted(user) or access.has_role(user, Role.DISTRICT_OFFICIAL, Role.TOWN_OFFICIAL)


def nav(user) -> dict:
    """What the section's tabs need: whether the user reads period reports, and their districts."""
    return {
        "reads_periods": reads_period_reports(user),
        "districts": Region.objects.districts().for_user(user, Action.DASHBOARD).order_by("code"),
    }


def last_month(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return month_start(month_start(today) - datetime.timedelta(days=1))


# ---------------------------------------------------------------- enrolment reports


class EnrolmentReportListView(ObjectListView):
    """The enrolment reports the user may see: operators their facilities', officials their area's."""

    queryset = EnrolmentReport.objects.select_related("facility", "facility__town")
    filterset = EnrolmentReportFilterSet
    table = EnrolmentReportTable
    ordering = ("-month", "facility__name", "pk")
    paginate_by = 50
    template_name = "reporting/enrolment_list.html"
    export_name = gettext_lazy("在托月报")
    export_dated = True

    def get_context_data(self, **kwargs):
        user = self.request.user
        fillable = Facility.objects.for_user(user, Action.EDIT).filter(
            operating_status=Facility.OperatingStatus.OPERATING
        )
        return super().get_context_data(fillable=fillable.order_by("name")[:20], **nav(user), **kwargs)


class EnrolmentReportDetailView(ObjectDetailView):
    queryset = EnrolmentReport.objects.select_related("facility", "facility__town", "submitted_by")
    template_name = "reporting/enrolment_detail.html"
    history_depth = 1

    def get_context_data(self, **kwargs):
        report = self.object
        return super().get_context_data(
            lines=report.lines.select_related("class_type"),
            can_edit=access.can(self.request.user, Action.EDIT, report.facility),
            **kwargs,
        )


class EnrolmentFillView(ObjectFormView):
    """A facility's report for a month (`?month=YYYY-MM` opens that month's report to correct it)."""

    queryset = Facility.objects.select_related("town", "district")
    action = Action.EDIT
    template_name = "reporting/enrolment_form.html"
    success_message = gettext_lazy("在托月报已保存。")

    def month(self):
        raw = self.request.POST.get("month") or self.request.GET.get("month")
        try:
            return MonthField().clean(raw) if raw else last_month()
        except Exception:  # an unreadable month: the form says so on POST; GET shows last month
            return last_month()

    def get_form(self):
        report = EnrolmentReport.objects.filter(facility=self.object, month=self.month()).first()
        form = EnrolmentReportForm(self.request.POST or None, facility=self.object, report=report)
        if report is None and not self.request.POST:
            form.initial["month"] = self.month().strftime("%Y-%m")
        return form

    def run(self, facility, form):
        data = form.cleaned_data
        return services.enrolment_report_save(
            user=self.request.user,
            facility=facility,
            month=data["month"],
            lines=data["lines"],
            note=data["note"],
            version=data.get("version"),
        )

    def success_url(self, obj, result):
        return reverse("reporting:enrolment_report", args=[result.pk])

    def get_context_data(self, **kwargs):
        due_day, is_default = selectors.due_day_for(self.object.district)
        return super().get_context_data(due_day=due_day, due_day_is_default=is_default, **kwargs)


# ---------------------------------------------------------------- a district's reporting page


class DistrictMixin(LoginRequiredMixin):
    """The district named by `code` in the URL, if the user may open its dashboard or the dashboard of one
    of its towns (a town official, who then sees their town only); else 404."""

    def get_district(self) -> Region:
        user = self.request.user
        district = Region.objects.districts().filter(code=self.kwargs["code"]).first()
        if district is None:
            raise Http404
        if not access.can(user, Action.DASHBOARD, district):
            towns = Region.objects.towns().filter(parent=district).for_user(user, Action.DASHBOARD)
            if not towns.exists():
                raise Http404
        return district


class DistrictReportingView(DistrictMixin, TemplateView):
    """Utilisation per town and facility (the latest report of a chosen month, default last month) and who
    reported that month on time, late or not at all. A town official sees their own town."""

    template_name = "reporting/district.html"

    def get(self, request, *args, **kwargs):
        self.district = self.get_district()  # 404 before anything else is read
        return super().get(request, *args, **kwargs)

    post = get  # a page that only shows answers any method alike

    def get_context_data(self, **kwargs):
        user = self.request.user
        district = self.district
        try:
            month = (
                MonthField().clean(self.request.GET.get("month")) if self.request.GET.get("month") else None
            )
        except Exception:
            month = None
        month = month or last_month()
        visible = Facility.objects.for_user(user).filter(district=district)
        own_town = None
        if not access.can(user, Action.MANAGE, district) and access.has_role(user, Role.TOWN_OFFICIAL):
            own_town = Region.objects.towns().filter(parent=district).for_user(user, Action.DASHBOARD)
        use = selectors.utilisation(district, start=month, end=month_end(month), towns=own_town)
        visible_ids = set(visible.values_list("pk", flat=True))
        use.facilities = [row for row in use.facilities if row.pk in visible_ids]
        status = selectors.reporting_status(district, month, facilities=visible)
        can_manage = access.can(user, Action.MANAGE, district)
        today = timezone.localdate()
        closed = (today.year, (today.month - 1) // 3) if today.month > 3 else (today.year - 1, 4)
        return super().get_context_data(
            district=district,
            month=month,
            use=use,
            status=status,
            can_manage=can_manage,
            compile_form=CompileForm(initial={"year": closed[0], "quarter": closed[1]})
            if can_manage
            else None,
            **nav(user),
            **kwargs,
        )


class DueDayView(ObjectFormView):
    queryset = Region.objects.districts()
    action = Action.MANAGE
    template_name = "reporting/settings.html"
    success_message = gettext_lazy("报送截止日已保存。")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"])

    def get_form(self):
        setting = ReportingSetting.objects.filter(district=self.object).first()
        initial = {"due_day": setting.due_day, "version": setting.version} if setting else {}
        return DueDayForm(self.request.POST or None, initial=initial)

    def run(self, district, form):
        return services.reporting_setting_set(
            user=self.request.user,
            district=district,
            due_day=form.cleaned_data["due_day"],
            version=form.cleaned_data.get("version"),
        )

    def success_url(self, obj, result):
        return reverse("reporting:district", args=[obj.code])


class EnrolmentImportView(ObjectFormView):
    """A district official uploads a month's reports for the district's facilities (.xlsx, one row per
    facility, month and class type); one bad row and nothing is written, every problem listed by row."""

    queryset = Region.objects.districts()
    action = Action.MANAGE
    template_name = "reporting/import.html"
    error_class = WorkbookError

    def get_object(self):
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"])

    def get_form(self):
        return ImportForm(self.request.POST or None, self.request.FILES or None)

    def run(self, district, form):
        count = enrolment_import(user=self.request.user, district=district, file=form.cleaned_data["file"])
        messages.success(self.request, _("已导入 %(n)s 份在托月报。") % {"n": count})
        return count

    def refused(self, form, error):
        self.problems = error.problems
        form.add_error("file", _("文件有问题，未导入任何数据。"))
        return None

    def success_url(self, obj, result):
        return reverse("reporting:district", args=[obj.code])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            problems=[str(p) for p in getattr(self, "problems", [])],
            columns=[c.title for c in importer_columns()],
            **kwargs,
        )


class CompileView(ObjectActionView):
    """Compile a closed quarter's town reports (or, once they are all approved, the district's)."""

    queryset = Region.objects.districts()
    action = Action.MANAGE

    def get_object(self):
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"])

    def post(self, request, *args, **kwargs):
        district = self.get_object()
        form = CompileForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择年度和季度。"))
            return redirect("reporting:district", district.code)
        data = form.cleaned_data
        compile_ = (
            services.district_period_report_compile
            if data["scope"] == "district"
            else services.period_reports_compile
        )
        try:
            compile_(user=request.user, district=district, year=data["year"], quarter=data["quarter"])
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("reporting:district", district.code)
        messages.success(request, _("季度报表已汇总。"))
        query = f"?district={district.code}&year={data['year']}&quarter={data['quarter']}"
        return redirect(reverse("reporting:period_reports") + query)


# ---------------------------------------------------------------- period reports


class PeriodReportListView(ObjectListView):
    """Town and district quarterly reports, each with what changed since: the figures as reported beside
    the same quarter computed from today's registry (the differences only; the detail page has all)."""

    queryset = PeriodReport.objects.select_related("district", "town")
    filterset = PeriodReportFilterSet
    table = PeriodReportTable
    ordering = ("-year", "-quarter", "district__code", "town__sort_order", "town__code", "-revision")
    paginate_by = 30
    template_name = "reporting/period_list.html"
    export_name = gettext_lazy("季度统计报表")
    export_dated = True

    def allowed(self):
        return reads_period_reports(self.request.user)

    def prepare_page(self, rows):
        # Live figures are compiled once per district for one quarter: only when a quarter is chosen, so a
        # page never compiles a quarter per row.
        self.comparing = bool(self.cleaned("year") and self.cleaned("quarter"))
        if self.comparing:
            self.compared = selectors.period_report_rows(rows)
        else:
            self.compared = [(report, None) for report in rows]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["compared"] = self.compared
        context["comparing"] = self.comparing
        context.update(nav(self.request.user))
        return context


class PeriodReportDetailView(ObjectDetailView):
    queryset = PeriodReport.objects.select_related(
        "district", "town", "submitted_by", "decided_by", "supersedes"
    )
    template_name = "reporting/period_detail.html"
    history_depth = 0

    def get_context_data(self, **kwargs):
        report, user = self.object, self.request.user
        live = selectors.live_figures(report)
        editable = access.can(user, Action.EDIT, report)
        reviewable = access.can(user, Action.REVIEW, report)
        S = PeriodReport.Status
        return super().get_context_data(
            differences=selectors.differences(report, live),
            live=live,
            can_submit=editable and report.status in (S.DRAFT, S.RETURNED),
            can_review=reviewable and report.status == S.SUBMITTED,
            can_correct=editable and report.status == S.APPROVED,
            reason_form=ReasonForm(),
            later=getattr(report, "superseded_by", None) if report.status == S.SUPERSEDED else None,
            **kwargs,
        )


class PeriodStepView(ObjectActionView):
    """A step of the period report's workflow (POST), then back to the report."""

    queryset = PeriodReport
    action = Action.EDIT

    def redirect_to(self, obj):
        target = getattr(self, "result", None) or obj
        return redirect("reporting:period_report", target.pk)

    def reason(self) -> str:
        return self.request.POST.get("reason", "")

    def version(self):
        try:
            return int(self.request.POST["version"])
        except (KeyError, ValueError):
            return None


class PeriodSubmitView(PeriodStepView):
    success_message = gettext_lazy("报表已提交，等待区级审定。")

    def run(self, report):
        self.result = services.period_report_submit(
            user=self.request.user, report=report, version=self.version()
        )


class PeriodRefreshView(PeriodStepView):
    success_message = gettext_lazy("报表已按当前数据重新汇总。")

    def run(self, report):
        self.result = services.period_report_refresh(
            user=self.request.user, report=report, version=self.version()
        )


class PeriodApproveView(PeriodStepView):
    action = Action.REVIEW
    success_message = gettext_lazy("报表已审定，数据已固定。")

    def run(self, report):
        self.result = services.period_report_approve(
            user=self.request.user, report=report, version=self.version()
        )


class PeriodReturnView(PeriodStepView):
    action = Action.REVIEW
    success_message = gettext_lazy("报表已退回。")

    def run(self, report):
        self.result = services.period_report_return(
            user=self.request.user, report=report, reason=self.reason(), version=self.version()
        )


class PeriodCorrectView(PeriodStepView):
    success_message = gettext_lazy("已生成更正版，请核对后提交。")

    def run(self, report):
        self.result = services.period_report_correct(
            user=self.request.user, report=report, reason=self.reason()
        )


enrolment_reports = EnrolmentReportListView.as_view()
enrolment_report = EnrolmentReportDetailView.as_view()
enrolment_fill = EnrolmentFillView.as_view()
district = DistrictReportingView.as_view()
settings_view = DueDayView.as_view()
compile_view = CompileView.as_view()
import_view = EnrolmentImportView.as_view()
period_reports = PeriodReportListView.as_view()
period_report = PeriodReportDetailView.as_view()
period_submit = PeriodSubmitView.as_view()
period_refresh = PeriodRefreshView.as_view()
period_approve = PeriodApproveView.as_view()
period_return = PeriodReturnView.as_view()
period_correct = PeriodCorrectView.as_view()
