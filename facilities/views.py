"""Registry pages for operators and officials. Scoping comes from facilities.permissions; every write goes
through facilities.services; the views only translate between HTTP and those two."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from facilities import selectors, services
from facilities.filtersets import FacilityFilterSet
from facilities.forms import (
    AccountForm,
    CertificateForm,
    ChecklistForm,
    FacilityForm,
    ReasonForm,
    StaffForm,
    StatusForm,
    TrainingForm,
    unit_formset,
    unit_initial,
)
from facilities.models import ClassUnit, Facility, PendingChange, RoleAssignment, StaffMember, StatusChange
from facilities.permissions import (
    Action,
    can,
    district_ids,
    districts_for,
    facilities_for,
    facility_or_404,
    is_official,
    related_for,
    staff_for,
)
from facilities.rules import load_rules


class RegistryFilterSet(FacilityFilterSet):
    """The public filters plus the national-rule flags, for signed-in users."""

    flag = django_filters.ChoiceFilter(
        choices=selectors.Flag.CHOICES,
        method="filter_flag",
        label=gettext_lazy("提示"),
        empty_label=gettext_lazy("全部"),
    )

    class Meta(FacilityFilterSet.Meta):
        fields = [*FacilityFilterSet.Meta.fields, "flag"]

    def filter_flag(self, queryset, name, value):
        return queryset.filter(**{f"flag_{value}": True})


def _apply_error(form, error: services.RegistryError) -> None:
    for field, field_errors in error.errors.items():
        target = field if field in form.fields else None
        for message in field_errors:
            form.add_error(target, message)
    if not error.errors:
        form.add_error(None, error.message)


@login_required
def facility_list(request):
    base = selectors.with_flags(
        facilities_for(request.user, Action.VIEW).select_related("district", "town")
    ).order_by("district__code", "town__sort_order", "name")
    filterset = RegistryFilterSet(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    for facility in page:
        facility.flags = selectors.flags_of(facility)
    query = request.GET.copy()
    query.pop("page", None)
    # Totals and staff indicators over the filtered rows the user may see in full (rosters need VIEW_STAFF).
    summary = queryset.aggregate(
        facilities=Count("pk"), slots=Sum("total_slots"), inclusive=Sum("inclusive_slots")
    )
    staff_scope = facilities_for(request.user, Action.VIEW_STAFF, queryset)
    chosen = (
        filterset.form.cleaned_data.get("district") if filterset.is_bound and filterset.is_valid() else None
    )
    own = district_ids(request.user, "district_official")
    goal_district = chosen.pk if chosen else (own[0] if len(own) == 1 else None)
    return render(
        request,
        "facilities/registry_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_create": districts_for(request.user).exists(),
            "summary": summary,
            "indicators": selectors.staff_indicators(staff_scope) if staff_scope.exists() else None,
            "certificate_goal": selectors.certificate_rate_goal(goal_district),
        },
    )


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
                "latitude",
                "longitude",
                "serves_meals",
                "monthly_fee",
                "meal_fee",
            ],
        ),
    ],
    "side": [(gettext_lazy("普惠与在托"), ["is_inclusive", "inclusive_slots", "enrolled_children"])],
}


def _facility_form_context(request, form, formset, facility=None):
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
        },
    )


@login_required
def facility_create(request):
    districts = districts_for(request.user)
    if not districts.exists():
        raise Http404
    form = FacilityForm(request.POST or None, districts=districts)
    formset = unit_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            facility = services.facility_create(
                user=request.user, data=form.cleaned_data, units=formset.units()
            )
        except services.RegistryError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("已创建机构草稿。请填写备案材料后提交备案。"))
            return redirect("registry:detail", pk=facility.pk)
    return _facility_form_context(request, form, formset)


@login_required
def facility_edit(request, pk):
    facility = facility_or_404(request.user, pk, Action.EDIT)
    districts = districts_for(request.user) | type(facility.district).objects.filter(pk=facility.district_id)
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
                _apply_error(form, error)
            else:
                if isinstance(result, PendingChange):
                    messages.info(
                        request, _("变更已提交，区卫健委审核通过后生效；在此之前公示和统计仍为原备案信息。")
                    )
                else:
                    messages.success(request, _("已保存。"))
                return redirect("registry:detail", pk=facility.pk)
    else:
        form = FacilityForm(instance=facility, districts=districts.distinct())
        formset = unit_formset(initial=unit_initial(facility))
    return _facility_form_context(request, form, formset, facility)


@login_required
def facility_detail(request, pk):
    queryset = selectors.with_flags(
        Facility.objects.select_related("district", "town", "source").prefetch_related(
            Prefetch("units", queryset=ClassUnit.objects.select_related("class_type")), "checklist"
        )
    )
    facility = facility_or_404(request.user, pk, Action.VIEW, queryset)
    user = request.user
    can_staff = can(user, Action.VIEW_STAFF, facility)
    rules = load_rules()
    context = {
        "facility": facility,
        "flags": selectors.flags_of(facility),
        "can_edit": can(user, Action.EDIT, facility)
        and facility.operating_status != Facility.OperatingStatus.CLOSED,
        "can_review": can(user, Action.REVIEW, facility),
        "can_manage_status": can(user, Action.MANAGE_STATUS, facility),
        "can_staff": can_staff,
        "clock": selectors.filing_clock(facility, rules),
        "missing": services.missing_materials(facility),
        "pending": facility.pending_changes.filter(status=PendingChange.Status.PENDING).first(),
        "status_changes": StatusChange.objects.filter(facility=facility).select_related("decided_by"),
        "history": selectors.history_rows(facility, include_staff=can_staff),
        "units": [
            (unit, unit.caregivers_required(rules.class_types.values()), rules.ratio(unit.class_type_id))
            for unit in facility.units.all()
        ],
    }
    if can_staff:
        context["staff"] = (
            staff_for(user).filter(facility=facility).prefetch_related("certificates", "trainings")
        )
        context["indicators"] = selectors.staff_indicators(Facility.objects.filter(pk=facility.pk))
        context["certificate_goal"] = selectors.certificate_rate_goal(facility.district_id)
        context["duplicate_ids"] = set(
            selectors.duplicate_id_staff(StaffMember.objects.filter(facility=facility)).values_list(
                "pk", flat=True
            )
        )
    return render(request, "facilities/facility_detail.html", context)


@login_required
def checklist_edit(request, pk):
    facility = facility_or_404(request.user, pk, Action.EDIT)
    services.ensure_checklist(facility)
    form = ChecklistForm(request.POST or None, facility=facility)
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_update(user=request.user, facility=facility, items=form.items())
        except services.RegistryError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("备案材料已保存。"))
            return redirect("registry:detail", pk=facility.pk)
    return render(request, "facilities/checklist_form.html", {"form": form, "facility": facility})


def _workflow(request, pk, action, run, success):
    facility = facility_or_404(request.user, pk, action)
    try:
        run(facility)
    except services.RegistryError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("registry:detail", pk=facility.pk)


@login_required
@require_POST
def filing_submit(request, pk):
    return _workflow(
        request,
        pk,
        Action.EDIT,
        lambda f: services.filing_submit(user=request.user, facility=f),
        _("已提交备案，区卫健委将在5个工作日内出具回执。"),
    )


@login_required
@require_POST
def filing_acknowledge(request, pk):
    return _workflow(
        request,
        pk,
        Action.REVIEW,
        lambda f: services.filing_acknowledge(user=request.user, facility=f),
        _("已出具回执。"),
    )


@login_required
@require_POST
def filing_approve(request, pk):
    return _workflow(
        request,
        pk,
        Action.REVIEW,
        lambda f: services.filing_approve(user=request.user, facility=f),
        _("备案已通过，已分配备案编号。"),
    )


@login_required
def filing_return(request, pk):
    facility = facility_or_404(request.user, pk, Action.REVIEW)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.filing_return(user=request.user, facility=facility, reason=form.cleaned_data["reason"])
        except services.RegistryError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("已退回，机构可见退回原因。"))
            return redirect("registry:reviews")
    return render(
        request,
        "facilities/reason_form.html",
        {"form": form, "facility": facility, "title": _("退回备案"), "button": _("退回")},
    )


@login_required
def status_change(request, pk):
    facility = facility_or_404(request.user, pk, Action.MANAGE_STATUS)
    allowed = services.TRANSITIONS[facility.operating_status]
    form = StatusForm(request.POST or None, allowed=allowed, initial={"effective_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.operating_status_change(user=request.user, facility=facility, **form.cleaned_data)
        except services.RegistryError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("运营状态已变更。"))
            return redirect("registry:detail", pk=facility.pk)
    return render(
        request, "facilities/status_form.html", {"form": form, "facility": facility, "allowed": allowed}
    )


@login_required
def review_queue(request):
    if not is_official(request.user):
        raise Http404
    filings = list(
        facilities_for(request.user, Action.REVIEW)
        .filter(filing_status=Facility.FilingStatus.SUBMITTED)
        .select_related("district", "town")
        .order_by("submitted_at")
    )
    rules = load_rules()
    for facility in filings:
        facility.clock = selectors.filing_clock(facility, rules)
    changes = related_for(
        request.user,
        PendingChange.objects.filter(status=PendingChange.Status.PENDING).select_related(
            "facility", "facility__district", "submitted_by"
        ),
        Action.REVIEW,
    ).order_by("created_at")
    return render(request, "facilities/review_queue.html", {"filings": filings, "changes": changes})


@login_required
def change_detail(request, pk):
    change = get_object_or_404(
        related_for(
            request.user, PendingChange.objects.select_related("facility", "submitted_by"), Action.VIEW
        ),
        pk=pk,
    )
    facility = change.facility
    data, units = services.deserialize_change(change.data)
    rows = []
    for field, new in data.items():
        old = getattr(facility, field)
        if old != new and not (old in (None, "") and new in (None, "")):
            rows.append((Facility._meta.get_field(field).verbose_name, old, new))
    types = load_rules().class_types
    current_units = {u.class_type_id: u for u in facility.units.all()}
    unit_rows = []
    for unit in units:
        old = current_units.pop(unit.class_type_id, None)
        unit_rows.append(
            (
                types[unit.class_type_id].name,
                f"{old.classes}×{old.children_per_class}" if old else "—",
                f"{unit.classes}×{unit.children_per_class}",
            )
        )
    for old in current_units.values():
        unit_rows.append((types[old.class_type_id].name, f"{old.classes}×{old.children_per_class}", "—"))
    form = ReasonForm(request.POST or None)
    can_review = can(request.user, Action.REVIEW, facility) and change.status == PendingChange.Status.PENDING
    if request.method == "POST":
        if not can_review:
            raise Http404
        try:
            if request.POST.get("decision") == "approve":
                services.pending_change_approve(user=request.user, change=change)
                messages.success(request, _("变更已批准并生效。"))
                return redirect("registry:detail", pk=facility.pk)
            if form.is_valid():
                services.pending_change_reject(
                    user=request.user, change=change, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("变更已驳回。"))
                return redirect("registry:reviews")
        except services.RegistryError as error:
            messages.error(request, error.message)
    return render(
        request,
        "facilities/change_detail.html",
        {
            "change": change,
            "facility": facility,
            "rows": rows,
            "unit_rows": unit_rows,
            "form": form,
            "can_review": can_review,
        },
    )


@login_required
def staff_edit(request, pk, staff_pk=None):
    facility = facility_or_404(request.user, pk, Action.EDIT)
    if not can(request.user, Action.VIEW_STAFF, facility):
        raise Http404
    member = (
        get_object_or_404(staff_for(request.user), pk=staff_pk, facility=facility)
        if staff_pk
        else StaffMember()
    )
    form = StaffForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_save(user=request.user, facility=facility, member=form.instance)
        except services.RegistryError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("人员信息已保存。"))
            return redirect("registry:detail", pk=facility.pk)
    return render(
        request, "facilities/staff_form.html", {"form": form, "facility": facility, "member": member}
    )


@login_required
def staff_record_add(request, staff_pk, kind):
    member = get_object_or_404(staff_for(request.user).select_related("facility"), pk=staff_pk)
    form_class = {"certificate": CertificateForm, "training": TrainingForm}.get(kind)
    if form_class is None or not can(request.user, Action.EDIT, member.facility):
        raise Http404
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_add_record(user=request.user, member=member, record=form.instance)
        except services.RegistryError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("registry:detail", pk=member.facility_id)
    title = _("添加证书") if kind == "certificate" else _("添加培训记录")
    return render(
        request, "facilities/staff_record_form.html", {"form": form, "member": member, "title": title}
    )


@login_required
def accounts(request):
    """District officials open and revoke the accounts below them in their own district."""
    if not is_official(request.user):
        raise Http404
    _districts, towns, facilities = services.manageable_scope(request.user)
    form = AccountForm(request.POST or None, towns=towns, facilities=facilities)
    created = None
    if request.method == "POST" and "revoke" in request.POST:
        assignment = get_object_or_404(RoleAssignment, pk=request.POST["revoke"])
        try:
            services.role_revoke(user=request.user, assignment=assignment)
        except services.RegistryError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已撤销授权。"))
        return redirect("registry:accounts")
    if request.method == "POST" and form.is_valid():
        try:
            account, password = services.account_create(user=request.user, **form.cleaned_data)
        except services.RegistryError as error:
            _apply_error(form, error)
        else:
            created = (account, password)
            form = AccountForm(towns=towns, facilities=facilities)
    assignments = (
        RoleAssignment.objects.filter(
            Q(role=RoleAssignment.Role.TOWN_OFFICIAL, region__in=towns)
            | Q(role=RoleAssignment.Role.OPERATOR, facility__in=facilities)
        )
        .select_related("user", "region", "facility")
        .order_by("role", "user__username")
    )
    return render(
        request, "facilities/accounts.html", {"form": form, "assignments": assignments, "created": created}
    )


EXPORT_COLUMNS = [
    (gettext_lazy("机构名称"), 30),
    (gettext_lazy("区县"), 10),
    (gettext_lazy("镇街"), 12),
    (gettext_lazy("机构类型"), 16),
    (gettext_lazy("举办性质"), 12),
    (gettext_lazy("普惠机构"), 8),
    (gettext_lazy("托位总数"), 10),
    (gettext_lazy("普惠托位数"), 10),
    (gettext_lazy("运营状态"), 10),
    (gettext_lazy("备案状态"), 10),
    (gettext_lazy("备案编号"), 18),
    (gettext_lazy("备案日期"), 12),
    (gettext_lazy("托育费（元/月）"), 12),
    (gettext_lazy("膳食费（元/月）"), 12),
    (gettext_lazy("地址"), 30),
    (gettext_lazy("对外咨询电话"), 16),
    (gettext_lazy("合成数据"), 8),
    (gettext_lazy("提示"), 30),
]


EXPORT_FIELDS = (
    "name",
    "district__name",
    "town__name",
    "kind",
    "ownership",
    "is_inclusive",
    "total_slots",
    "inclusive_slots",
    "operating_status",
    "filing_status",
    "filing_number",
    "filed_on",
    "monthly_fee",
    "meal_fee",
    "address",
    "public_phone",
    "is_synthetic",
)
EXPORT_CHUNK = 2000


@login_required
def facility_export(request):
    """The registry list as .xlsx: the same scoping and the same filters as the page. Rows are read as tuples
    in chunks (no model instances) by a thread that stays ahead of the writer, and every label is translated
    once, not once per row."""
    from tuoyu_portal.excel import SheetSpec, read_ahead, write_workbook, xlsx_response

    base = selectors.with_flags(facilities_for(request.user, Action.VIEW).select_related("district", "town"))
    filterset = RegistryFilterSet(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    yes, no = _("是"), _("否")

    def labels(choices) -> dict:
        return {code: str(label) for code, label in choices}

    kinds, ownerships = labels(Facility.Kind.choices), labels(Facility.Ownership.choices)
    operating, filing = labels(Facility.OperatingStatus.choices), labels(Facility.FilingStatus.choices)
    flags = [(f"flag_{code}", str(label)) for code, label in selectors.Flag.LABELS.items()]
    flag_names = [name for name, _label in flags]
    flag_labels = [label for _name, label in flags]
    width = len(EXPORT_FIELDS)

    def rows():
        ordered = queryset.order_by("district__code", "town__sort_order", "name")
        fetched = ordered.values_list(*EXPORT_FIELDS, *flag_names).iterator(chunk_size=EXPORT_CHUNK)
        for values in read_ahead(fetched, batch=EXPORT_CHUNK // 2, depth=6):
            (
                name,
                district,
                town,
                kind,
                ownership,
                inclusive,
                total,
                inclusive_slots,
                operating_status,
                filing_status,
                filing_number,
                filed_on,
                monthly_fee,
                meal_fee,
                address,
                phone,
                synthetic,
            ) = values[:width]
            raised = [label for label, on in zip(flag_labels, values[width:], strict=True) if on]
            yield (
                name,
                district,
                town,
                kinds.get(kind, kind),
                ownerships.get(ownership) or None,
                yes if inclusive else no,
                total,
                inclusive_slots,
                operating.get(operating_status, operating_status),
                filing.get(filing_status, filing_status),
                filing_number or None,
                filed_on,
                monthly_fee,
                meal_fee,
                address or None,
                phone or None,
                yes if synthetic else no,
                "；".join(raised) or None,
            )

    sheet = SheetSpec(title=_("托育机构"), columns=[(str(h), w) for h, w in EXPORT_COLUMNS], rows=rows())
    return xlsx_response(write_workbook([sheet]), f"{_('托育机构')}-{timezone.localdate().isoformat()}.xlsx")
