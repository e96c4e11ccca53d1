"""Rules on pages: a district's programs and their dated rate changes, its funds and its payment controls
(maker-checker). District officials of the district (Action.MANAGE) create and edit them here instead of
in the admin; every write goes through subsidies.services, every record keeps its history (pghistory,
shown on the page by core/_history.html), and a save based on a stale version is refused with what
changed. Anyone else gets 404, as for records outside their scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from core import history
from core.access import Action, for_user
from core.errors import ServiceError
from core.forms import apply_service_error
from subsidies import selectors, services
from subsidies.forms import FundForm, FundPlanMonthForm, PaymentControlsForm, ProgramForm, ProgramRuleForm
from subsidies.models import Application, Fund, FundPlanMonth, PaymentControls, Program, ProgramRule
from subsidies.views import sections
from targets.models import Region


def managed_districts(user):
    """Districts whose rules the user may change (their district officials, and superusers)."""
    return for_user(user, Action.MANAGE, Region.objects.districts()).order_by("code")


def _history(request, obj):
    if obj is None or obj.pk is None:
        return None
    return history.page(
        history.sources_for(obj, depth=0), request.GET.get("history_page"), reader=request.user
    )


class RulesView(LoginRequiredMixin, View):
    """A page of one district's rules: 404 unless the user may change them."""

    template_name = ""

    def render(self, **context):
        return render(self.request, self.template_name, {"sections": sections(self.request.user), **context})


# ---------------------------------------------------------------- maker-checker


class PaymentControlsView(RulesView):
    """/subsidies/controls/<code>/: the district's maker-checker, on or off, with its history."""

    template_name = "subsidies/controls.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.code = kwargs["code"]

    def district(self):
        district = managed_districts(self.request.user).filter(code=self.code).first()
        if district is None:
            raise Http404
        return district

    def page(self, district, form=None):
        controls = PaymentControls.objects.filter(district=district).first()
        form = form or PaymentControlsForm(
            initial={
                "maker_checker": bool(controls and controls.maker_checker),
                "version": controls.version if controls else None,
            }
        )
        return self.render(
            district=district,
            controls=controls,
            form=form,
            history=_history(self.request, controls),
            districts=managed_districts(self.request.user),
        )

    def get(self, request, *args, **kwargs):
        return self.page(self.district())

    def post(self, request, *args, **kwargs):
        district = self.district()
        form = PaymentControlsForm(request.POST)
        if form.is_valid():
            try:
                controls = services.payment_controls_set(
                    user=request.user,
                    district=district,
                    maker_checker=form.cleaned_data["maker_checker"],
                    version=form.cleaned_data["version"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                state = _("开启") if controls.maker_checker else _("关闭")
                messages.success(request, _("审批与支付分离已%(state)s。") % {"state": state})
                return redirect("subsidies:controls", code=district.code)
        return self.page(district, form)


payment_controls = PaymentControlsView.as_view()


# ---------------------------------------------------------------- programs


class ProgramDetailView(RulesView):
    """A program: its rule, its dated rate changes, its applications by status, its history. Open to
    whoever sees the program; the edit buttons to its district's officials."""

    template_name = "subsidies/program_detail.html"

    def get(self, request, pk):
        program = get_object_or_404(
            for_user(request.user, Action.VIEW, Program.objects.select_related("district", "fund", "source")),
            pk=pk,
        )
        rules = list(program.rules.order_by("effective_from"))
        used = set(
            Application.objects.filter(rule__in=rules)
            .exclude(status=Application.Status.WITHDRAWN)
            .values_list("rule_id", flat=True)
        )
        for rule in rules:
            rule.in_use = rule.pk in used
        return self.render(
            program=program,
            rules=rules,
            base=selectors.rule_in_force(program, program.starts),
            may_manage=services.may_manage(request.user, program.district),
            # the program's own changes and its rate changes (not its applications: other facilities')
            history=history.page(
                [
                    history.Source(Program, {"pgh_obj_id": program.pk}),
                    history.Source(ProgramRule, {"program_id": program.pk}, hide=("program",)),
                ],
                request.GET.get("history_page"),
                reader=request.user,
            ),
        )


program_detail = ProgramDetailView.as_view()


class ProgramEditView(RulesView):
    """Create (`pk` None) or edit a program of a district the user manages."""

    template_name = "subsidies/program_form.html"

    def program(self, pk):
        if pk is None:
            if not managed_districts(self.request.user).exists():
                raise Http404
            return None
        return get_object_or_404(for_user(self.request.user, Action.MANAGE, Program), pk=pk)

    def form(self, program, data=None):
        return ProgramForm(data, instance=program, districts=managed_districts(self.request.user))

    def get(self, request, pk=None):
        program = self.program(pk)
        return self.page(program, self.form(program))

    def page(self, program, form):
        return self.render(program=program, form=form, history=_history(self.request, program))

    def post(self, request, pk=None):
        program = self.program(pk)
        form = self.form(program, request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in ProgramForm.Meta.fields}
            try:
                saved = services.program_save(
                    user=request.user, program=program, version=form.cleaned_data.get("version"), **data
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("补助项目已保存。"))
                return redirect("subsidies:program", pk=saved.pk)
        return self.page(program, form)


program_new = ProgramEditView.as_view()
program_edit = ProgramEditView.as_view()


class ProgramRulesView(RulesView):
    """A program's rate changes from a date: add one, or edit one (`?rule=<id>`). A change used by an
    application keeps its rate and start; every decided application keeps its amount."""

    template_name = "subsidies/program_rules.html"

    def program(self, pk):
        return get_object_or_404(
            for_user(self.request.user, Action.MANAGE, Program.objects.select_related("district")), pk=pk
        )

    def rule(self, program, rule_id):
        if not rule_id:
            return None
        return ProgramRule.objects.filter(program=program, pk=rule_id).first()

    def page(self, program, form, rule):
        return self.render(
            program=program,
            form=form,
            rule=rule,
            rules=program.rules.order_by("effective_from"),
            history=_history(self.request, rule) if rule else None,
        )

    def get(self, request, pk):
        program = self.program(pk)
        rule_id = request.GET.get("rule", "")
        rule = self.rule(program, int(rule_id)) if rule_id.isdigit() else None
        if rule:
            initial = {
                "rule": rule.pk,
                "basis": rule.basis,
                "rate": rule.rate,
                "effective_from": rule.effective_from,
                "effective_to": rule.effective_to,
                "note": rule.note,
                "version": rule.version,
            }
        else:
            initial = {"basis": program.basis, "rate": program.rate}
        return self.page(program, ProgramRuleForm(initial=initial), rule)

    def post(self, request, pk):
        program = self.program(pk)
        form = ProgramRuleForm(request.POST)
        rule = None
        if form.is_valid():
            data = form.cleaned_data
            rule = self.rule(program, data["rule"])
            if data["rule"] and rule is None:
                raise Http404
            try:
                services.program_rule_save(
                    user=request.user,
                    program=program,
                    rule=rule,
                    basis=data["basis"],
                    rate=data["rate"],
                    effective_from=data["effective_from"],
                    effective_to=data["effective_to"],
                    note=data["note"],
                    version=data["version"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("补助标准调整已保存；已审核的申请保持原核定金额。"))
                return redirect("subsidies:program", pk=program.pk)
        return self.page(program, form, rule)


program_rules = ProgramRulesView.as_view()


# ---------------------------------------------------------------- funds


class FundEditView(RulesView):
    """Create (`pk` None) or edit a fund of a district the user manages."""

    template_name = "subsidies/fund_form.html"

    def fund(self, pk):
        if pk is None:
            if not managed_districts(self.request.user).exists():
                raise Http404
            return None
        return get_object_or_404(for_user(self.request.user, Action.MANAGE, Fund), pk=pk)

    def form(self, fund, data=None):
        return FundForm(data, instance=fund, districts=managed_districts(self.request.user))

    def page(self, fund, form):
        return self.render(fund=fund, form=form, history=_history(self.request, fund))

    def get(self, request, pk=None):
        fund = self.fund(pk)
        return self.page(fund, self.form(fund))

    def post(self, request, pk=None):
        fund = self.fund(pk)
        form = self.form(fund, request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in FundForm.Meta.fields}
            try:
                saved = services.fund_save(
                    user=request.user, fund=fund, version=form.cleaned_data.get("version"), **data
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("资金已保存。"))
                return redirect("subsidies:fund", pk=saved.pk)
        return self.page(fund, form)


fund_new = FundEditView.as_view()
fund_edit = FundEditView.as_view()


class FundPlanView(RulesView):
    """/subsidies/funds/<pk>/plan/: the fund's monthly spending plan in one form, one row per month from its
    allocation to its spending deadline (services.fund_plan_months). Saved all at once or not at all by
    services.fund_plan_save; a month someone else changed since the form was read refuses the save, shows
    what it is now and takes the current versions, so that saving again is deliberate."""

    template_name = "subsidies/fund_plan_form.html"

    def fund(self, pk):
        return get_object_or_404(
            for_user(self.request.user, Action.MANAGE, Fund.objects.select_related("district", "source")),
            pk=pk,
        )

    def forms(self, fund, data=None):
        rows = {row.month: row for row in FundPlanMonth.objects.filter(fund=fund)}
        return [
            FundPlanMonthForm(data, month=month, row=rows.get(month))
            for month in services.fund_plan_months(fund)
        ]

    def page(self, fund, forms):
        return self.render(
            fund=fund,
            forms=forms,
            history=history.page(
                [history.Source(FundPlanMonth, {"fund_id": fund.pk}, hide=("fund",))],
                self.request.GET.get("history_page"),
                reader=self.request.user,
            ),
        )

    def get(self, request, pk):
        fund = self.fund(pk)
        return self.page(fund, self.forms(fund))

    def post(self, request, pk):
        fund = self.fund(pk)
        forms = self.forms(fund, request.POST)
        if not all(form.is_valid() for form in forms):
            messages.error(request, _("支出计划有误，未保存任何修改。"))
            return self.page(fund, forms)
        try:
            services.fund_plan_save(
                user=request.user,
                fund=fund,
                months=[
                    (form.month, form.cleaned_data["planned_cumulative"], form.cleaned_data["version"])
                    for form in forms
                ],
            )
        except ServiceError as error:
            by_month = {form.month.isoformat(): form for form in forms}
            for key, lines in error.errors.items():
                for line in lines:
                    if key in by_month:
                        by_month[key].add_error("planned_cumulative", line)
                    else:
                        messages.error(request, line)
            if isinstance(error, services.PlanChanged):  # saving again is now a deliberate choice
                current = dict(FundPlanMonth.objects.filter(fund=fund).values_list("month", "version"))
                for form in forms:
                    form.data = form.data.copy()
                    form.data[form.add_prefix("version")] = current.get(form.month, "")
            messages.error(request, error.message)
            return self.page(fund, forms)
        messages.success(request, _("支出计划已保存。"))
        return redirect(reverse("subsidies:fund", args=[fund.pk]) + "#plan")


fund_plan = FundPlanView.as_view()
