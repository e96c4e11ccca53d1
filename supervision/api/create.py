"""POST to /api/v1/inspections/, /inspections/findings/ and /inspections/complaints/: recording an inspection,
a finding of an inspection and a complaint, as the pages do — each calls the page's service
(supervision.services.inspection_create, finding_create, complaint_save), which decides who may (district
officials of the district: SUPERVISE / REVIEW). The district (SUPERVISE), facilities (REVIEW) and inspection
named in the body are looked up within the user's scope, as the pages' choices are: one outside it is a 404
naming the field, as the pages answer 404 to whoever may not record these.
The viewsets of supervision/api/views.py take these as mixins."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status

from core import access
from core.access import Action
from core.api.views import WRITE_ERRORS
from facilities.models import Facility
from supervision import selectors, services
from supervision.api.serializers import ComplaintSerializer, FindingSerializer, InspectionSerializer
from supervision.models import Complaint, Department, Finding, Inspection, TeamMember
from targets.models import Region


class TeamMemberInput(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    role = serializers.ChoiceField(
        choices=TeamMember.Role.choices, required=False, allow_blank=True, default=""
    )
    organisation = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    is_lead = serializers.BooleanField(required=False, default=False)


class InspectionInput(serializers.Serializer):
    district = serializers.CharField(max_length=20, help_text=gettext_lazy("区县代码"))
    inspected_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=Inspection.Kind.choices)
    facilities = serializers.ListField(child=serializers.IntegerField(), help_text=gettext_lazy("机构编号"))
    departments = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        default=list,
        help_text=gettext_lazy("部门代码"),
    )
    team = TeamMemberInput(many=True, required=False, default=list)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class FindingInput(serializers.Serializer):
    inspection = serializers.IntegerField(help_text=gettext_lazy("检查编号"))
    facility = serializers.IntegerField(help_text=gettext_lazy("机构编号"))
    category = serializers.ChoiceField(choices=Finding.Category.choices)
    severity = serializers.ChoiceField(choices=Finding.Severity.choices)
    description = serializers.CharField()
    deadline = serializers.DateField()
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    responsible_person = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintInput(serializers.Serializer):
    facility = serializers.IntegerField(help_text=gettext_lazy("机构编号"))
    received_on = serializers.DateField()
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices, required=False)
    summary = serializers.CharField()
    handling = serializers.CharField(required=False, allow_blank=True)
    outcome = serializers.CharField(required=False, allow_blank=True)
    substantiated = serializers.BooleanField(required=False, allow_null=True)
    closed_on = serializers.DateField(required=False, allow_null=True)


def _not_found(field: str):
    """A record named in the body that lies outside the scope: 404, as its own URL would answer."""
    return exceptions.NotFound(_("%(field)s：未找到，或不在您的范围内。") % {"field": field})


def _facility(user, pk: int, field: str = "facility") -> Facility:
    """A facility the user may supervise (REVIEW), as the pages offer it."""
    facility = access.for_user(user, Action.REVIEW, Facility).filter(pk=pk).first()
    if facility is None:
        raise _not_found(field)
    return facility


def _create_schema(request, response, summary, description):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses={201: response, **WRITE_ERRORS},
    )


class InspectionCreateMixin:
    @_create_schema(
        InspectionInput,
        InspectionSerializer,
        gettext_lazy("登记检查"),
        gettext_lazy("区卫健委登记本区的检查（supervision.services.inspection_create，与网页相同）。"),
    )
    def create(self, request, *args, **kwargs):
        data = self.validated(InspectionInput)
        user = request.user
        district = Region.objects.filter(code=data["district"], level=Region.Level.DISTRICT).first()
        if district is None or not access.can(user, Action.SUPERVISE, district):
            raise _not_found("district")  # as the page: only officials who supervise the district
        facilities = list(access.for_user(user, Action.REVIEW, Facility).filter(pk__in=data["facilities"]))
        if len(facilities) != len(set(data["facilities"])):
            raise _not_found("facilities")
        departments = list(Department.objects.filter(code__in=data["departments"]))
        if len(departments) != len(set(data["departments"])):
            raise _not_found("departments")
        inspection = services.inspection_create(
            user=user,
            district=district,
            inspected_on=data["inspected_on"],
            kind=data["kind"],
            facilities=facilities,
            departments=departments,
            team=[services.TeamInput(**member) for member in data["team"]],
            title=data["title"],
            summary=data["summary"],
        )
        return self.read_back(inspection, status.HTTP_201_CREATED)


class FindingCreateMixin:
    @_create_schema(
        FindingInput,
        FindingSerializer,
        gettext_lazy("登记检查发现的问题"),
        gettext_lazy("区卫健委登记某次检查中某机构的问题和整改期限（supervision.services.finding_create）。"),
    )
    def create(self, request, *args, **kwargs):
        data = self.validated(FindingInput)
        user = request.user
        inspection = selectors.inspections_for(user).filter(pk=data.pop("inspection")).first()
        if inspection is None:
            raise _not_found("inspection")
        facility = _facility(user, data.pop("facility"))
        finding = services.finding_create(user=user, inspection=inspection, facility=facility, **data)
        return self.read_back(finding, status.HTTP_201_CREATED)


class ComplaintCreateMixin:
    @_create_schema(
        ComplaintInput,
        ComplaintSerializer,
        gettext_lazy("登记投诉"),
        gettext_lazy("区卫健委登记对某机构的投诉（supervision.services.complaint_save，与网页相同）。"),
    )
    def create(self, request, *args, **kwargs):
        data = self.validated(ComplaintInput)
        facility = _facility(request.user, data.pop("facility"))
        complaint = services.complaint_save(user=request.user, facility=facility, data=data)
        return self.read_back(complaint, status.HTTP_201_CREATED)


__all__ = ["ComplaintCreateMixin", "FindingCreateMixin", "InspectionCreateMixin"]
