"""The registry in Django's admin.

Scoping comes only from core.access (through core.admin's mixins): every queryset goes through `for_user`
and every object check through `can`, on top of Django's model permissions (scoping only ever narrows what
those allow). Superusers see everything.

Workflow state (filing status and number, operating status, timestamps, version, slot total) is read-only
here: filing decisions and status changes go through the portal pages that call facilities.services. Direct
edits follow the same limits as services.facility_update: an operator's filed or submitted facility is
read-only in the admin (their changes wait for review in the portal), and so is a closed one. Class units
are edited inline with their facility, checked with the services' own validation (services.validate_facility)
so that inclusive slots never exceed the units' total, and saved in an order the database CHECK accepts.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core import access
from core.access import Action, Role, can, unrestricted
from core.admin import ReadOnlyAdminMixin, ReferenceDataMixin, ScopedAdminMixin, SuperuserOnlyMixin
from facilities.models import (
    Authorization,
    CalendarDay,
    Certificate,
    ChecklistItem,
    ChildPlacement,
    ClassTypeRule,
    ClassUnit,
    Facility,
    FilingSequence,
    OperatorInvitation,
    PendingChange,
    RoleAssignment,
    RuleSetting,
    StaffMember,
    StatusChange,
    TrainingRecord,
)
from facilities.rules import load_rules
from facilities.services import (
    EDITABLE_FIELDS,
    UnitInput,
    ensure_checklist,
    integrity_message,
    may_edit_directly,
    may_edit_staff,
    validate_facility,
)
from targets.models import Region

Status = Facility.OperatingStatus
Filing = Facility.FilingStatus


# ---------------------------------------------------------------- shared behaviour


class FacilityScopedMixin(ScopedAdminMixin):
    """A model hanging off a facility: rows and objects scoped by `view_action`, read-only unless a subclass
    says otherwise."""

    view_action = Action.VIEW
    write_action = None


class FacilityInlineMixin:
    """An inline of the facility form (obj is the facility): rows scoped, editable when the facility is."""

    def get_queryset(self, request):
        return access.for_user(request.user, Action.VIEW, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or can(request.user, Action.VIEW, obj)
        )

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and may_edit_directly(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit_directly(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_edit_directly(request.user, obj)


class StaffInlineMixin:
    """An inline of the staff form (certificates, trainings): obj is the staff member."""

    def get_queryset(self, request):
        return access.for_user(request.user, Action.VIEW_STAFF, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or can(request.user, Action.VIEW_STAFF, obj.facility)
        )

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (
            obj is None or may_edit_staff(request.user, obj.facility)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or may_edit_staff(request.user, obj.facility)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or may_edit_staff(request.user, obj.facility)
        )


# ---------------------------------------------------------------- national rules as data


@admin.register(ClassTypeRule)
class ClassTypeRuleAdmin(ReferenceDataMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "min_age_months",
        "max_age_months",
        "max_children",
        "children_per_caregiver",
        "sort_order",
        "source",
    ]
    list_filter = ["source"]
    search_fields = ["name", "code"]
    list_select_related = ["source"]


@admin.register(RuleSetting)
class RuleSettingAdmin(ReferenceDataMixin, admin.ModelAdmin):
    """National rules (no district): superusers only. A district's own values of district-level keys are
    set by its officials on the rules page (/registry/rules/) and only shown here."""

    list_display = ["key", "district", "value", "note", "source"]
    list_filter = ["key", "source"]
    search_fields = ["key", "note", "district__name"]
    list_select_related = ["source", "district"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ReferenceDataMixin, admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    search_fields = ["note"]
    date_hierarchy = "date"


# ---------------------------------------------------------------- facilities


class ClassUnitFormSet(BaseInlineFormSet):
    """Class units of the facility being edited. The facility form validates its inclusive slots against
    these rows (not the stored total), so it finds the formset through the shared instance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance._admin_units_formset = self

    def units(self) -> list[UnitInput] | None:
        """The units this save leaves the facility with; None while the rows themselves are invalid."""
        if not self.is_valid():
            return None
        units = []
        for form in self.forms:
            if self._should_delete_form(form) or (form.instance.pk is None and not form.has_changed()):
                continue
            data = form.cleaned_data
            class_type = data.get("class_type") or form.instance.class_type
            units.append(
                UnitInput(
                    class_type.pk,
                    data.get("classes", form.instance.classes),
                    data.get("children_per_class", form.instance.children_per_class),
                )
            )
        return units

    def slots_kept(self) -> int:
        """Slots of the stored units this save does not touch: the lowest total while the units are saved."""
        return sum(
            form.instance.classes * form.instance.children_per_class
            for form in self.initial_forms
            if not self._should_delete_form(form) and not form.has_changed()
        )


class ClassUnitInline(FacilityInlineMixin, admin.TabularInline):
    model = ClassUnit
    formset = ClassUnitFormSet
    fields = ["class_type", "classes", "children_per_class", "slots_display"]
    readonly_fields = ["slots_display"]
    extra = 0

    @admin.display(description=_("托位数"))
    def slots_display(self, obj):
        return obj.slots if obj.pk else "—"


class ChecklistItemInline(FacilityInlineMixin, admin.TabularInline):
    model = ChecklistItem
    fields = ["item", "provided", "reference"]
    extra = 0


class FacilityAdminForm(forms.ModelForm):
    """Checks a save the way the portal does (services.validate_facility) against the units in the inline,
    and refuses a save based on a version someone else has since changed."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Facility
        fields = [*EDITABLE_FIELDS, "source"]  # the admin narrows this further (read-only fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None and expected != self.instance.version:
            raise ValidationError(
                _("保存失败：在您编辑期间，该机构已被他人修改。请刷新页面查看最新内容后重新填写。")
            )
        if self.errors:
            return cleaned
        units = self._units()
        if units is None:  # the class-unit rows show their own errors first
            return cleaned
        data = {
            field: cleaned[field] if field in cleaned else getattr(self.instance, field, None)
            for field in EDITABLE_FIELDS
        }
        for field, problems in validate_facility(data, units, load_rules()).items():
            if field == "town":  # Facility.clean() reports it
                continue
            self.add_error(field if field in self.fields else None, problems)
        return cleaned

    def _units(self) -> list[UnitInput] | None:
        formset = getattr(self.instance, "_admin_units_formset", None)
        if formset is not None:
            return formset.units()
        if self.instance.pk is None:
            return []
        return [
            UnitInput(u.class_type_id, u.classes, u.children_per_class) for u in self.instance.units.all()
        ]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    form = FacilityAdminForm
    list_display = [
        "name",
        "district",
        "town",
        "kind",
        "is_inclusive",
        "total_slots",
        "inclusive_slots",
        "operating_status",
        "filing_status",
        "filing_number",
        "is_synthetic",
        "source",
    ]
    list_filter = [
        ("district", admin.RelatedOnlyFieldListFilter),
        "kind",
        "is_inclusive",
        "operating_status",
        "filing_status",
        "is_synthetic",
        ("archived_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "address", "filing_number"]
    list_select_related = ["district", "town", "source"]
    inlines = [ClassUnitInline, ChecklistItemInline]
    # Workflow state: changed only by facilities.services (filing, status decisions) or the database.
    filing_fields = [
        "filing_status",
        "filing_number",
        "filed_on",
        "submitted_at",
        "acknowledged_at",
        "return_reason",
        "operating_status",
        "status_since",
    ]
    workflow_fields = [
        "total_slots",
        *filing_fields,
        "version",
        "is_synthetic",
        "seed_key",
        "archived_at",
        "archived_by",
    ]
    readonly_fields = [*workflow_fields, "created_at", "updated_at"]
    fieldsets = [
        (
            _("基本信息"),
            {
                "fields": [
                    "name",
                    "kind",
                    "ownership",
                    "is_inclusive",
                    "district",
                    "town",
                    "address",
                    ("latitude", "longitude"),
                ]
            },
        ),
        (
            _("托位"),
            {
                "fields": ["total_slots", "inclusive_slots", "enrolled_children"],
                "description": _("托位总数由下方“班级设置”合计得出；普惠托位数不能大于托位总数。"),
            },
        ),
        (
            _("场地与收费"),
            {
                "fields": [
                    ("indoor_area_m2", "outdoor_area_m2"),
                    "premises",
                    ("lease_start", "lease_end"),
                    "opening_date",
                    "serves_meals",
                    ("monthly_fee", "meal_fee"),
                ]
            },
        ),
        (
            _("登记与举办者"),
            {"fields": ["credit_code", "legal_representative", ("sponsor_kind", "sponsor_name")]},
        ),
        (
            _("招收与服务"),
            {"fields": [("min_age_months", "max_age_months"), "service_types", ("opens_at", "closes_at")]},
        ),
        (_("联系方式"), {"fields": ["contact_person", "contact_phone", "public_phone"]}),
        (
            _("备案与运营状态"),
            {
                "fields": filing_fields,
                "description": _("备案审核和运营状态变更请在门户的机构页面办理，此处只读。"),
            },
        ),
        (
            _("其他"),
            {
                "fields": [
                    "notes",
                    "source",
                    "seed_key",
                    "is_synthetic",
                    ("archived_at", "archived_by"),
                    "version",
                    "created_at",
                    "updated_at",
                    "expected_version",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return access.for_user(request.user, Action.VIEW, super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not unrestricted(request.user):
            fields.append("source")  # only rows loaded from a document name one
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not unrestricted(request.user):
            districts = Region.objects.districts().for_user(request.user, Action.REGISTER)
            if db_field.name == "district":
                kwargs["queryset"] = districts
            elif db_field.name == "town":
                kwargs["queryset"] = Region.objects.towns().filter(parent__in=districts)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or can(request.user, Action.VIEW, obj)
        )

    def has_add_permission(self, request):
        # New facilities come from superusers or district officials (operators register in the portal,
        # which also makes them the facility's operator).
        return super().has_add_permission(request) and (
            unrestricted(request.user) or access.has_role(request.user, Role.DISTRICT_OFFICIAL)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_edit_directly(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        # Never, not even for superusers: a deleted facility would take its history with it. Drafts are
        # archived on the facility's page; a database trigger refuses the DELETE as well.
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form checks what the database checks; a refusal that still gets through (a concurrent change
        # of the units, say) is shown as a message, with nothing of the save written.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as exc:
            messages.error(request, integrity_message(exc))
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        # The database holds inclusive ≤ total at every statement while the units are saved after the
        # facility: keep inclusive slots no higher than the untouched units' total until they are.
        obj._admin_inclusive_slots = obj.inclusive_slots
        formset = getattr(obj, "_admin_units_formset", None)
        if obj.pk is None:
            floor = 0
        elif formset is not None:
            floor = formset.slots_kept()
        else:
            floor = obj.total_slots
        obj.inclusive_slots = min(obj.inclusive_slots, floor)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        updates = {}
        wanted = getattr(obj, "_admin_inclusive_slots", obj.inclusive_slots)
        if wanted != obj.inclusive_slots:
            updates["inclusive_slots"] = wanted
        if change and (form.has_changed() or any(formset.has_changed() for formset in formsets)):
            # Portal edits are checked against the version (optimistic lock); an admin edit is a new one.
            updates["version"] = F("version") + 1
        if updates:
            Facility.objects.filter(pk=obj.pk).update(**updates)
        if not change:
            ensure_checklist(obj)
        obj.refresh_from_db()


# ---------------------------------------------------------------- staff


class CertificateInline(StaffInlineMixin, admin.TabularInline):
    model = Certificate
    fields = ["kind", "number", "issuer", "issued_on", "expires_on", "retired_at"]
    readonly_fields = ["retired_at"]
    extra = 0


class TrainingRecordInline(StaffInlineMixin, admin.TabularInline):
    model = TrainingRecord
    fields = ["title", "provider", "completed_on", "hours"]
    extra = 0


@admin.register(StaffMember)
class StaffMemberAdmin(FacilityScopedMixin, admin.ModelAdmin):
    # Rosters hold ID numbers: scoped by VIEW_STAFF.
    view_action = Action.VIEW_STAFF
    write_action = Action.EDIT
    list_display = ["name", "facility", "role", "employment", "left_on"]
    list_filter = ["role", "employment"]
    search_fields = ["name", "id_number"]
    list_select_related = ["facility"]
    autocomplete_fields = ["facility"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CertificateInline, TrainingRecordInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "facility" and not unrestricted(request.user):
            kwargs["queryset"] = Facility.objects.for_user(request.user, Action.EDIT).exclude(
                operating_status=Status.CLOSED
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def may_write(self, request, obj=None) -> bool:
        # Changed and deleted (add has no row yet) as the facility's staff may be edited.
        return super().may_write(request, obj) and (obj is None or may_edit_staff(request.user, obj.facility))


# ---------------------------------------------------------------- workflow records (read-only)


@admin.register(PendingChange)
class PendingChangeAdmin(ReadOnlyAdminMixin, FacilityScopedMixin, admin.ModelAdmin):
    list_display = [
        "facility",
        "status",
        "base_version",
        "submitted_by",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status"]
    search_fields = ["facility__name"]
    list_select_related = ["facility", "submitted_by", "decided_by"]


class ChildPlacementInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Where a closed facility's children went (written only by services.operating_status_change)."""

    model = ChildPlacement
    fk_name = "status_change"
    fields = ["destination", "receiving_facility", "children", "confirmed", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdminMixin, FacilityScopedMixin, admin.ModelAdmin):
    inlines = [ChildPlacementInline]
    list_display = ["facility", "from_status", "to_status", "effective_on", "decided_by", "created_at"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["facility__name", "reason"]
    list_select_related = ["facility", "decided_by"]
    date_hierarchy = "effective_on"


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdminMixin, FacilityScopedMixin, admin.ModelAdmin):
    """Filing (and later licence) records: opened by services.filing_approve, cancelled by closing the
    facility (services.operating_status_change); read here, never written."""

    list_display = ["facility", "regime", "number", "authority", "granted_on", "cancelled_on"]
    list_filter = ["regime", ("cancelled_on", admin.EmptyFieldListFilter)]
    search_fields = ["facility__name", "number"]
    list_select_related = ["facility", "authority"]
    date_hierarchy = "granted_on"


@admin.register(FilingSequence)
class FilingSequenceAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Filing numbers issued per district and year; written only by services.filing_approve."""

    list_display = ["district", "year", "last"]
    list_filter = ["year"]
    search_fields = ["district__name", "district__code"]
    list_select_related = ["district"]
    view_action = Action.MANAGE  # the district's own officials


# ---------------------------------------------------------------- roles


@admin.register(OperatorInvitation)
class OperatorInvitationAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """Operators invited before their facility existed (opened by officials on the accounts page): superusers
    only, read here; the invitation becomes a grant when the operator registers the facility."""

    list_display = ["user", "town", "invited_by", "created_at", "facility", "registered_at"]
    list_select_related = ["user", "town", "invited_by", "facility"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "town", "invited_by", "created_at", "facility", "registered_at"]

    def has_add_permission(self, request, *args):
        return False  # opened on the accounts page (facilities.services.account_create), never here


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    """Who may see and do what. Granting a role widens someone's scope, so only superusers see and change
    role assignments here, whatever model permissions a staff user holds."""

    list_display = ["user", "role", "region", "facility", "granted_by", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    list_select_related = ["user", "region", "facility", "granted_by"]
    autocomplete_fields = ["user", "region", "facility"]
    readonly_fields = ["granted_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
