"""Registry pages for operators and officials. The registry list, its export and the review queue are
declarations on core.views.ObjectListView (scoped by core.access, filtered by facilities.filtersets, the
API's FilterSet); every write goes through facilities.services; the views only translate between HTTP and
those."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Prefetch, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from core import access
from core.access import Action, can
from core.forms import apply_service_error
from core.versioning import StaleVersion
from core.views import ObjectActionView, ObjectDetailView, ObjectFormView, ObjectListView
from facilities import selectors, services
from facilities.document_views import materials_context
from facilities.filtersets import FacilityFilterSet
from facilities.forms import (
    AccountForm,
    CertificateForm,
    ChecklistForm,
    FacilityForm,
    ReasonForm,
    RevokeForm,
    StaffForm,
    StatusForm,
    StatusRequestForm,
    TrainingForm,
    placement_formset,
    unit_formset,
    unit_initial,
)
from facilities.models import Certificate, ClassUnit, Facility, PendingChange, StaffMember, StatusChange
from facilities.rules import load_rules
from facilities.tables import FacilityTable
from targets.models import Region


class FacilityListView(ObjectListView):
    """The registry: facilities the user may see, the national-rule flags, totals over the filtered rows; the
    export (its own URL) is the same rows with every column of FacilityTable."""

    queryset = Facility.objects.select_related("district", "town")
    filterset = FacilityFilterSet
    table = FacilityTable
    ordering = ("district__code", "town__sort_order", "name")
    paginate_by = 30
    template_name = "facilities/registry_list.html"
    export_param = None
    export_name = gettext_lazy("托育机构")
    export_dated = True

    def get_queryset(self):
        return selectors.with_flags(super().get_queryset())

    def prepare_page(self, rows):
        for facility in rows:
            facility.flags = selectors.flags_of(facility)

    def get_context_data(self, **kwargs):
        user, queryset = self.request.user, self.queryset_filtered
        # Totals and staff indicators over the filtered rows the user sees in full (rosters need VIEW_STAFF).
        summary = queryset.aggregate(
            facilities=Count("pk"), slots=Sum("total_slots"), inclusive=Sum("inclusive_slots")
        )
        staff_scope = access.for_user(user, Action.VIEW_STAFF, queryset)
        chosen = self.cleaned("district")
        own = access.region_ids(user, "district_official")
        goal_district = chosen.pk if chosen else (own[0] if len(own) == 1 else None)
        return super().get_context_data(
            can_create=Region.objects.districts().for_user(user, Action.REGISTER).exists(),
            summary=summary,
            indicators=selectors.staff_indicators(staff_scope) if staff_scope.exists() else None,
            certificate_goal=selectors.certificate_rate_goal(goal_district),
            **kwargs,
        )


facility_list = FacilityListView.as_view()
facility_export = FacilityListView.as_view(export_only=True)


FORM_GROUPS = {
    "main": [
        (
            gettext_lazy("基本信息"),
            [
                "name",
                "kind",
                "ownership",
                "district",
                "town",
                "address",
                "opening_date",
                "public_phone",
                "contact_person",
                "contact_phone",
                "notes",
            ],
        ),
        (
            gettext_lazy("场地与收费"),
            [
                "indoor_area_m2",
                "outdoor_area_m2",
                "premises",
                "lease_start",
                "lease_end",
                "longitude",
                "latitude",
                "coord_system",
                "serves_meals",
                "monthly_fee",
                "meal_fee",
            ],
        ),
        (
            gettext_lazy("登记与举办者"),
            ["credit_code", "legal_representative", "sponsor_kind", "sponsor_name"],
        ),
        (
            gettext_lazy("招收与服务"),
            ["min_age_months", "max_age_months", "service_types", "opens_at", "closes_at"],
        ),
    ],
    "side": [(gettext_lazy("普惠与在托"), ["is_inclusive", "inclusive_slots", "enrolled_children"])],
}


def _facility_form_context(request, form, formset, facility=None, pending=None):
    groups = {
        place: [(title, [form[name] for name in names]) for title, names in sections]
        for place, sections in FORM_GROUPS.items()
    }
    return render(
        request,
        "facilities/facility_form.html",
        {
            "form": form,
            "formset": formset,
            "facility": facility,
            "groups": groups,
            "rules": load_rules().class_types.values(),
            "pending": pending,
            "pending_summary": selectors.change_summary(pending) if pending else None,
        },
    )


def _pending_saved_message(request, change):
    """What happened to an operator's change of a filed record: a new request, or the open one amended."""
    if getattr(change, "amended", False):
        messages.info(
            request,
            _("已修改待审核的变更申请（提交于 %(when)s）；区卫健委将审核修改后的内容。")
            % {"when": timezone.localtime(change.created_at).strftime("%Y-%m-%d %H:%M")},
        )
    elif change.status == PendingChange.Status.WITHDRAWN:
        messages.info(request, _("拟变更的内容已全部恢复为备案信息，变更申请已撤回。"))
    else:
        messages.info(request, _("变更已提交，区卫健委审核通过后生效；在此之前公示和统计仍为原备案信息。"))


@login_required
def facility_create(request):
    districts = Region.objects.districts().for_user(request.user, Action.REGISTER)
    invitation = None
    if not districts.exists():
        # An operator invited before their facility existed registers it here, in the invited town only.
        invitation = services.open_invitation(request.user)
        if invitation is None:
            raise Http404
        districts = Region.objects.filter(pk=invitation.town.parent_id)
    form = FacilityForm(request.POST or None, districts=districts)
    if invitation is not None:
        form.fields["town"].queryset = Region.objects.filter(pk=invitation.town_id).select_related("parent")
        form.fields["town"].initial = invitation.town_id
        form.fields["town"].empty_label = None
        if request.method == "GET":
            messages.info(
                request,
                _(
                    "欢迎！请先登记您的机构（%(town)s）：保存后即成为该机构的填报人，再上传备案材料、提交备案。"
                )
                % {"town": f"{invitation.town.parent.name} · {invitation.town.name}"},
            )
    formset = unit_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            facility = services.facility_create(
                user=request.user, data=form.cleaned_data, units=formset.units()
            )
        except services.RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("已创建机构草稿。请填写备案材料后提交备案。"))
            return redirect("registry:detail", pk=facility.pk)
    return _facility_form_context(request, form, formset)


@login_required
def facility_edit(request, pk):
    facility = access.object_or_404(request.user, Facility, Action.EDIT, pk=pk)
    districts = Region.objects.districts().for_user(request.user, Action.REGISTER) | type(
        facility.district
    ).objects.filter(pk=facility.district_id)
    pending = services.open_change(facility) if services.needs_review(request.user, facility) else None
    if request.method == "POST":
        form = FacilityForm(request.POST, instance=facility, districts=districts.distinct())
        formset = unit_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                result = services.facility_update(
                    user=request.user,
                    facility=facility,
                    data=data,
                    units=formset.units(),
                    expected_version=form.cleaned_data.get("version") or 0,
                )
            except services.RegistryError as error:
                apply_service_error(form, error)
            else:
                if isinstance(result, PendingChange):
                    _pending_saved_message(request, result)
                else:
                    messages.success(request, _("已保存。"))
                return redirect("registry:detail", pk=facility.pk)
    else:
        initial, units = {}, unit_initial(facility)
        if pending and "fields" in pending.data:
            # The form starts from the open change's values (the page says so), so saving amends it.
            initial, proposed = services.deserialize_change(pending.data)
            types = {t.pk: t for t in load_rules().class_types.values()}
            units = [
                {
                    "class_type": types[u.class_type_id],
                    "classes": u.classes,
                    "children_per_class": u.children_per_class,
                }
                for u in proposed
            ]
        form = FacilityForm(instance=facility, districts=districts.distinct(), initial=initial)
        formset = unit_formset(initial=units)
    return _facility_form_context(request, form, formset, facility, pending)


STAFF_MODELS = frozenset({"facilities.StaffMember", "facilities.Certificate", "facilities.TrainingRecord"})


class FacilityDetailView(ObjectDetailView):
    """A facility's record: flags, filing clock, units against the ratio rules, history; the roster for those
    who may see it (rosters hold ID numbers)."""

    queryset = Facility.objects.select_related("district", "town", "source").prefetch_related(
        Prefetch("units", queryset=ClassUnit.objects.select_related("class_type")), "checklist"
    )
    template_name = "facilities/facility_detail.html"
    context_object_name = "facility"

    history_depth = 2  # the facility, its units, staff, checklist, changes…, and the staff's records

    def get_queryset(self):
        return selectors.with_flags(super().get_queryset())

    def history_leave_out(self):
        # Rosters hold ID numbers: their history only for those who may see the roster.
        return frozenset() if can(self.request.user, Action.VIEW_STAFF, self.object) else STAFF_MODELS

    def get_context_data(self, **kwargs):
        facility, user = self.object, self.request.user
        can_staff = can(user, Action.VIEW_STAFF, facility)
        rules = load_rules()
        # The facility's requests with their outcome and reasons: what was asked and what became of it.
        requests = list(
            facility.pending_changes.select_related("submitted_by", "decided_by").order_by("-created_at")[:10]
        )
        context = super().get_context_data(
            flags=selectors.flags_of(facility),
            can_edit=can(user, Action.EDIT, facility)
            and facility.archived_at is None
            and facility.operating_status != Facility.OperatingStatus.CLOSED,
            can_review=can(user, Action.REVIEW, facility),
            can_manage_status=can(user, Action.MANAGE_STATUS, facility) and facility.archived_at is None,
            can_staff=can_staff,
            clock=selectors.filing_clock(facility, rules),
            missing=services.missing_materials(facility),
            **materials_context(user, facility),
            pending=facility.pending_changes.filter(status=PendingChange.Status.PENDING).first(),
            open_requests=[c for c in requests if c.status == PendingChange.Status.PENDING],
            is_operator=access.is_operator_of(user, facility),
            requests=requests,
            can_request_status=can(user, Action.EDIT, facility)
            and access.is_operator_of(user, facility)
            and facility.archived_at is None
            and bool(services.TRANSITIONS[facility.operating_status] & services.REQUESTABLE),
            # The filing (and, later, licence) records: the dated history of the regime (Authorization).
            authorizations=facility.authorizations.select_related("authority"),
            status_changes=StatusChange.objects.filter(facility=facility)
            .select_related("decided_by")
            .prefetch_related("placements__receiving_facility"),
            units=[
                (unit, unit.caregivers_required(rules.class_types.values()), rules.ratio(unit.class_type_id))
                for unit in facility.units.all()
            ],
            **kwargs,
        )
        if can_staff:
            context["staff"] = (
                StaffMember.objects.for_user(user, Action.VIEW_STAFF)
                .filter(facility=facility)
                .prefetch_related("certificates", "trainings")
            )
            context["indicators"] = selectors.staff_indicators(Facility.objects.filter(pk=facility.pk))
            context["certificate_goal"] = selectors.certificate_rate_goal(facility.district_id)
            context["duplicate_ids"] = set(
                selectors.duplicate_id_staff(StaffMember.objects.filter(facility=facility)).values_list(
                    "pk", flat=True
                )
            )
        return context


facility_detail = FacilityDetailView.as_view()


@login_required
def checklist_edit(request, pk):
    facility = access.object_or_404(request.user, Facility, Action.EDIT, pk=pk)
    services.ensure_checklist(facility)
    pending = services.open_change(facility) if services.needs_review(request.user, facility) else None
    proposed = (pending.data.get("checklist") if pending else None) or {}
    form = ChecklistForm(request.POST or None, facility=facility, proposed=proposed)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.checklist_update(
                user=request.user, facility=facility, items=form.items(), versions=form.versions()
            )
        except StaleVersion as error:
            apply_service_error(form, error)
            form.show_current_versions(facility)
        except services.RegistryError as error:
            apply_service_error(form, error)
        else:
            if change is not None:
                _pending_saved_message(request, change)
            else:
                messages.success(request, _("备案材料已保存。"))
            return redirect("registry:detail", pk=facility.pk)
    return render(
        request,
        "facilities/checklist_form.html",
        {
            "form": form,
            "facility": facility,
            "pending": pending if proposed else None,
            "needs_review": services.needs_review(request.user, facility),
        },
    )


class FilingStepView(ObjectActionView):
    """One step of the filing workflow (a POST): the service decides, the facility page shows the outcome."""

    queryset = Facility
    error_class = services.RegistryError
    service = None

    def run(self, facility):
        self.service(user=self.request.user, facility=facility)

    def redirect_to(self, facility):
        return redirect("registry:detail", pk=facility.pk)


class ArchiveView(FilingStepView):
    """Archiving a draft: afterwards the facility is gone from the user's registry, so back to the list."""

    def redirect_to(self, facility):
        if Facility.objects.filter(pk=facility.pk, archived_at__isnull=False).exists():
            return redirect("registry:list")
        return super().redirect_to(facility)


facility_archive = ArchiveView.as_view(
    action=Action.EDIT,
    service=services.facility_archive,
    success_message=gettext_lazy("草稿已归档。归档的机构不再出现在登记和统计中，其记录和变更历史保留。"),
)
filing_submit = FilingStepView.as_view(
    action=Action.EDIT,
    service=services.filing_submit,
    success_message=gettext_lazy("已提交备案，区卫健委将在5个工作日内出具回执。"),
)
filing_acknowledge = FilingStepView.as_view(
    action=Action.REVIEW, service=services.filing_acknowledge, success_message=gettext_lazy("已出具回执。")
)


class ApproveView(FilingStepView):
    """Approval: with rule flags open, the form's confirm_flags box must be ticked (the service decides)."""

    def run(self, facility):
        services.filing_approve(
            user=self.request.user,
            facility=facility,
            confirm_flags=self.request.POST.get("confirm_flags") == "on",
        )


filing_approve = ApproveView.as_view(
    action=Action.REVIEW, success_message=gettext_lazy("备案已通过，已分配备案编号。")
)


class FilingReturnView(ObjectFormView):
    """Return a submitted filing with a reason the facility sees."""

    queryset = Facility
    action = Action.REVIEW
    form_class = ReasonForm
    template_name = "facilities/reason_form.html"
    context_object_name = "facility"
    error_class = services.RegistryError
    success_message = gettext_lazy("已退回，机构可见退回原因。")

    def run(self, facility, form):
        services.filing_return(user=self.request.user, facility=facility, reason=form.cleaned_data["reason"])

    def success_url(self, facility, result):
        return reverse("registry:reviews")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("退回备案"), button=_("退回"), **kwargs)


filing_return = FilingReturnView.as_view()


@login_required
def status_change(request, pk):
    facility = access.object_or_404(request.user, Facility, Action.MANAGE_STATUS, pk=pk)
    allowed = services.TRANSITIONS[facility.operating_status]
    form = StatusForm(request.POST or None, allowed=allowed, initial={"effective_on": timezone.localdate()})
    placements = placement_formset(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid() and placements.acceptable():
        try:
            services.operating_status_change(
                user=request.user, facility=facility, placements=placements.placements(), **form.cleaned_data
            )
        except services.RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("运营状态已变更。"))
            return redirect("registry:detail", pk=facility.pk)
    return render(
        request,
        "facilities/status_form.html",
        {"form": form, "facility": facility, "allowed": allowed, "placements": placements},
    )


@login_required
def status_request(request, pk):
    """The operator asks to suspend or close; the district official decides on the request's page."""
    facility = access.object_or_404(request.user, Facility, Action.EDIT, pk=pk)
    allowed = services.TRANSITIONS[facility.operating_status] & services.REQUESTABLE
    if not access.is_operator_of(request.user, facility) or not allowed:
        raise Http404
    form = StatusRequestForm(
        request.POST or None, allowed=allowed, initial={"effective_on": timezone.localdate()}
    )
    placements = placement_formset(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid() and placements.acceptable():
        try:
            change = services.status_request_submit(
                user=request.user, facility=facility, placements=placements.placements(), **form.cleaned_data
            )
        except services.RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("申请已提交，区卫健委审核后生效。"))
            return redirect("registry:change", pk=change.pk)
    return render(
        request,
        "facilities/status_form.html",
        {
            "form": form,
            "facility": facility,
            "allowed": allowed,
            "placements": placements,
            "requesting": True,
        },
    )


class ReviewQueueView(ObjectListView):
    """Filings waiting for review (oldest first, with their clock) and pending changes in the scope."""

    queryset = Facility.objects.filter(filing_status=Facility.FilingStatus.SUBMITTED).select_related(
        "district", "town"
    )
    action = Action.REVIEW
    ordering = ("submitted_at",)
    template_name = "facilities/review_queue.html"
    export_param = None

    def allowed(self):
        return access.is_official(self.request.user)

    def get_rows(self, queryset):
        filings = list(selectors.with_flags(queryset))  # flags as annotations: no query per row
        selectors.filing_clocks(filings)
        for facility in filings:
            facility.flags = selectors.flags_of(facility)
        return filings

    def get_context_data(self, **kwargs):
        changes = (
            PendingChange.objects.filter(status=PendingChange.Status.PENDING)
            .for_user(self.request.user, Action.REVIEW)
            .select_related("facility", "facility__district", "submitted_by")
            .order_by("created_at")
        )
        return super().get_context_data(filings=self.rows, changes=changes, **kwargs)


review_queue = ReviewQueueView.as_view()


@login_required
def change_detail(request, pk):
    """One request: what it proposes against the current record, its status and the official's reasons; the
    official approves or rejects it here, the operator may withdraw it while it is open."""
    change = get_object_or_404(
        PendingChange.objects.for_user(request.user).select_related("facility", "submitted_by", "decided_by"),
        pk=pk,
    )
    facility = change.facility
    form = ReasonForm(request.POST or None)
    is_open = change.status == PendingChange.Status.PENDING
    can_review = can(request.user, Action.REVIEW, facility) and is_open
    can_withdraw = (
        is_open and can(request.user, Action.EDIT, facility) and access.is_operator_of(request.user, facility)
    )
    if request.method == "POST":
        decision = request.POST.get("decision")
        if not (can_review or (can_withdraw and decision == "withdraw")):
            raise Http404
        try:
            if decision == "withdraw":
                services.pending_change_withdraw(user=request.user, change=change)
                messages.success(request, _("申请已撤回。"))
                return redirect("registry:detail", pk=facility.pk)
            if decision == "approve":
                services.pending_change_approve(user=request.user, change=change)
                messages.success(request, _("申请已批准并生效。"))
                return redirect("registry:detail", pk=facility.pk)
            if form.is_valid():
                services.pending_change_reject(
                    user=request.user, change=change, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("申请已驳回，机构可见驳回原因。"))
                return redirect("registry:reviews")
        except services.RegistryError as error:
            messages.error(request, error.message)
    return render(
        request,
        "facilities/change_detail.html",
        {
            "change": change,
            "facility": facility,
            "summary": selectors.change_summary(change),
            "form": form,
            "can_review": can_review,
            "can_withdraw": can_withdraw,
        },
    )


class MyRequestsView(LoginRequiredMixin, TemplateView):
    """我的申请: an operator's record changes and status requests across their facilities, with the outcome
    and the official's reasons (a summary page: the rows come from selectors.requests_of)."""

    template_name = "facilities/my_requests.html"

    def get(self, request, *args, **kwargs):
        if not access.operated_facility_ids(request.user):
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        requests = list(selectors.requests_of(self.request.user)[:200])
        return super().get_context_data(
            open_requests=[r for r in requests if r.status == PendingChange.Status.PENDING],
            decided=[r for r in requests if r.status != PendingChange.Status.PENDING],
            **kwargs,
        )


my_requests = MyRequestsView.as_view()


@login_required
def staff_edit(request, pk, staff_pk=None):
    facility = access.object_or_404(request.user, Facility, Action.EDIT, pk=pk)
    if not can(request.user, Action.VIEW_STAFF, facility):
        raise Http404
    member = (
        get_object_or_404(
            StaffMember.objects.for_user(request.user, Action.VIEW_STAFF), pk=staff_pk, facility=facility
        )
        if staff_pk
        else StaffMember()
    )
    form = StaffForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.staff_save(user=request.user, facility=facility, member=form.instance)
        except services.RegistryError as error:
            apply_service_error(form, error)
        else:
            if isinstance(result, PendingChange):
                _pending_saved_message(request, result)
            else:
                messages.success(request, _("人员信息已保存。"))
            return redirect("registry:detail", pk=facility.pk)
    return render(
        request,
        "facilities/staff_form.html",
        {
            "form": form,
            "facility": facility,
            "member": member,
            "needs_review": services.needs_review(request.user, facility),
        },
    )


@login_required
def staff_record_add(request, staff_pk, kind):
    member = get_object_or_404(
        StaffMember.objects.for_user(request.user, Action.VIEW_STAFF).select_related("facility"), pk=staff_pk
    )
    form_class = {"certificate": CertificateForm, "training": TrainingForm}.get(kind)
    if form_class is None or not can(request.user, Action.EDIT, member.facility):
        raise Http404
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_add_record(user=request.user, member=member, record=form.instance)
        except services.RegistryError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:detail", pk=member.facility_id)
    title = _("添加证书") if kind == "certificate" else _("添加培训记录")
    return render(
        request, "facilities/staff_record_form.html", {"form": form, "member": member, "title": title}
    )


class CertificateMixin:
    """A certificate on a roster the user keeps: rosters are scoped by VIEW_STAFF, and changing one needs
    EDIT on its facility (as adding one does); anything else is 404."""

    queryset = Certificate.objects.select_related("staff__facility")
    action = Action.VIEW_STAFF
    error_class = services.RegistryError

    def get_object(self):
        certificate = super().get_object()
        if not can(self.request.user, Action.EDIT, certificate.staff.facility):
            raise Http404
        return certificate


class CertificateEditView(CertificateMixin, ObjectFormView):
    template_name = "facilities/staff_record_form.html"
    context_object_name = "certificate"
    success_message = gettext_lazy("证书已保存，修改记录可在机构页面查看。")

    def get_form(self):
        return CertificateForm(self.request.POST or None, instance=self.object)

    def run(self, certificate, form):
        return services.certificate_update(user=self.request.user, certificate=form.instance)

    def success_url(self, certificate, result):
        return reverse("registry:detail", args=[certificate.staff.facility_id]) + "#staff"

    def get_context_data(self, **kwargs):
        return super().get_context_data(member=self.object.staff, title=_("编辑证书"), **kwargs)


class CertificateRetireView(CertificateMixin, ObjectActionView):
    success_message = gettext_lazy("证书已停用：记录保留，不再计入持证率。")

    def run(self, certificate):
        services.certificate_retire(user=self.request.user, certificate=certificate)

    def redirect_to(self, certificate):
        return redirect(reverse("registry:detail", args=[certificate.staff.facility_id]) + "#staff")


certificate_edit = CertificateEditView.as_view()
certificate_retire = CertificateRetireView.as_view()


@login_required
def accounts(request):
    """Officials open and revoke the accounts below them: a city official district officials of the city's
    districts; a district official town officials and operators of their district, or invites an operator
    whose facility is not registered yet. Nobody opens an account beside or above themselves."""
    if not access.is_official(request.user):
        raise Http404
    _districts, towns, facilities = selectors.manageable_scope(request.user)
    below = selectors.subordinate_districts(request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    revoking = request.method == "POST" and "revoke" in request.POST
    withdrawing = action == "withdraw"
    posted = request.method == "POST" and not (revoking or withdrawing)
    form = AccountForm(request.POST if posted else None, towns=towns, facilities=facilities, districts=below)
    created = None
    status = 200
    if revoking:
        revoke = RevokeForm(request.POST)
        if revoke.is_valid():
            # A grant outside the official's district is as unknown to them as a missing one: one 404.
            assignment = get_object_or_404(
                selectors.manageable_assignments(request.user), pk=revoke.cleaned_data["revoke"]
            )
            try:
                services.role_revoke(user=request.user, assignment=assignment)
            except services.RegistryError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("已撤销授权。"))
            return redirect("registry:accounts")
        messages.error(request, _("要撤销的授权无法识别，未作改动。"))
        status = 400
    if withdrawing:
        try:
            pk = int(request.POST.get("invitation", ""))
        except ValueError:
            raise Http404 from None
        invitation = get_object_or_404(services.manageable_invitations(request.user), pk=pk)
        services.invitation_withdraw(user=request.user, invitation=invitation)
        messages.success(request, _("已撤销邀请，该账户已停用。"))
        return redirect("registry:accounts")
    if posted and form.is_valid():
        try:
            account, password = services.account_create(user=request.user, **form.cleaned_data)
        except services.RegistryError as error:
            apply_service_error(form, error)
        else:
            created = (account, password)
            form = AccountForm(towns=towns, facilities=facilities, districts=below)
    assignments = (
        selectors.manageable_assignments(request.user)
        .select_related("user", "region", "facility", "granted_by")
        .order_by("role", "user__username")
    )
    return render(
        request,
        "facilities/accounts.html",
        {
            "form": form,
            "assignments": assignments,
            "invitations": services.manageable_invitations(request.user).order_by("-created_at"),
            "created": created,
        },
        status=status,
    )
