"""The filing workflow over the API, beyond submit / acknowledge / approve / return (facilities/api/views.py):
the filing checklist, operating-status changes and requests, and the decisions on pending changes.

Each endpoint calls the service the page calls, scoped as the page scopes (core.access):

    GET   /facilities/<id>/checklist/          the filing materials          (VIEW, as the detail page)
    PATCH /facilities/<id>/checklist/          checklist_update              (EDIT, as the checklist page;
                                               an operator's change to a filed facility → 202, pending)
    POST  /facilities/<id>/status/             operating_status_change       (MANAGE_STATUS: suspend, close,
                                               reopen — the district official)
    POST  /facilities/<id>/status-request/     status_request_submit         (EDIT: the operator asks)
    GET   /facilities/<id>/materials/          current material files, verdicts (VIEW_STAFF, as the materials
                                               page)
    POST  /facilities/<id>/materials/          documents.material_upload, multipart item + file (VIEW_STAFF;
                                               the service admits who may upload; an operator's upload to
                                               a filed facility → 202, held in a pending change)
    GET   /facilities/<id>/materials/<file>/   the file itself                (VIEW_STAFF, as the download)
    POST  /facilities/<id>/materials/<file>/verdict/  documents.material_verdict (REVIEW)
    GET   /pending-changes/[<id>/]             pending changes of the scope  (VIEW)
    POST  /pending-changes/<id>/approve/       pending_change_approve        (REVIEW, as the change page)
    POST  /pending-changes/<id>/reject/        pending_change_reject, with a reason (REVIEW)
    POST  /pending-changes/<id>/withdraw/      pending_change_withdraw       (EDIT; the operator who asked)

A row outside the scope is 404; one the user may see but not act on is the service's 403 with its reason.
Approving filings with the confirmation over open flags is facilities/api/views.py's.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from core import access
from core.access import Action
from core.api.views import (
    WRITE_ERRORS,
    PrivateViewSet,
    error_doc,
    id_parameter,
    item_schema,
    list_schema,
)
from facilities import documents, services
from facilities.models import ChecklistItem, ChildPlacement, Facility, MaterialFile, PendingChange

FACILITY_ID = id_parameter(_("机构编号"))
READ_ERRORS = {k: v for k, v in WRITE_ERRORS.items() if k in (401, 404, 429)}
FILE_ID = OpenApiParameter("file_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("材料文件编号"))
CHANGE_ID = id_parameter(_("待审变更编号"))
CONFLICT = {409: error_doc(_("版本冲突：该记录已被他人修改，请重新读取"))}


class ChecklistItemSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_item_display", read_only=True)

    class Meta:
        model = ChecklistItem
        fields = ["item", "label", "provided", "reference", "version"]
        read_only_fields = ["item", "label", "provided", "reference", "version"]


class ChecklistSerializer(serializers.Serializer):
    facility_id = serializers.IntegerField()
    items = ChecklistItemSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text=_("提交备案前仍缺的材料"))
    pending_change_id = serializers.IntegerField(allow_null=True, help_text=_("待审的材料变更（机构填报人）"))


class ChecklistEntryInput(serializers.Serializer):
    item = serializers.ChoiceField(choices=ChecklistItem.Item.choices)
    provided = serializers.BooleanField()
    reference = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1, help_text=_("读取时该项的版本"))


class ChecklistInput(serializers.Serializer):
    items = ChecklistEntryInput(many=True, help_text=_("要修改的材料项；未列出的保持不变"))


class PlacementInputSerializer(serializers.Serializer):
    destination = serializers.ChoiceField(choices=ChildPlacement.Destination.choices, help_text=_("去向"))
    children = serializers.IntegerField(min_value=0)
    receiving_facility_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    confirmed = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class StatusChangeInput(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Facility.OperatingStatus.choices)
    effective_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)
    children_placement = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    placements = PlacementInputSerializer(many=True, required=False, default=list)


# What an operator may ask for (facilities.services.REQUESTABLE), named in the schema (ENUM_NAME_OVERRIDES).
REQUESTABLE_CHOICES = [
    (Facility.OperatingStatus.SUSPENDED.value, _("暂停服务")),
    (Facility.OperatingStatus.CLOSED.value, _("关停（注销备案）")),
]


class StatusRequestInput(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=REQUESTABLE_CHOICES)
    effective_on = serializers.DateField()
    reason = serializers.CharField(max_length=2000)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    placements = PlacementInputSerializer(many=True, required=False, default=list)


class PendingChangeSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True)

    class Meta:
        model = PendingChange
        fields = [
            "id",
            "facility",
            "facility_name",
            "kind",
            "status",
            "data",
            "base_version",
            "created_at",
            "amended_at",
            "decided_at",
            "decision_reason",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class FacilityStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    operating_status = serializers.ChoiceField(choices=Facility.OperatingStatus.choices)
    filing_status = serializers.ChoiceField(choices=Facility.FilingStatus.choices)
    version = serializers.IntegerField()


class DecisionReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("驳回理由（机构可见）"))


class MaterialFileSerializer(serializers.ModelSerializer):
    """A filing material's file as stored: never the storage path, only what identifies the upload."""

    verdict = serializers.CharField(allow_null=True, help_text=_("accepted 或 correction；未审核为 null"))
    state = serializers.CharField(
        read_only=True,
        help_text=_(
            "in_force 现行（或已被替换）；proposed 已备案机构上传、待审核的新文件；rejected 变更被驳回；"
            "withdrawn 申请撤回或已改传"
        ),
    )
    change_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("提交该文件的变更申请编号；直接生效的为 null")
    )

    class Meta:
        model = MaterialFile
        fields = [
            "id",
            "item",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "replaced_at",
            "verdict",
            "verdict_reason",
            "verdict_at",
            "state",
            "change_id",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["verdict"] = data["verdict"] or None
        return data


class MaterialsSerializer(serializers.Serializer):
    facility_id = serializers.IntegerField()
    required = serializers.ListField(child=serializers.CharField(), help_text=_("本机构必须提交的材料"))
    files = MaterialFileSerializer(many=True, help_text=_("各项材料的现行文件（被替换的旧文件不列出）"))
    proposed = MaterialFileSerializer(
        many=True, help_text=_("已备案机构上传、等待区卫健委审核的新文件（批准后成为现行文件）")
    )


class MaterialUploadInput(serializers.Serializer):
    item = serializers.ChoiceField(choices=ChecklistItem.Item.choices)
    file = serializers.FileField(help_text=_("PDF、JPG 或 PNG；按内容识别类型，大小有上限"))


class MaterialVerdictInput(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=MaterialFile.Verdict.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


def _placements(data) -> list[services.PlacementInput]:
    return [services.PlacementInput(**p) for p in data.get("placements", [])]


class FacilityWorkflowViewSet(PrivateViewSet):
    """Steps on one facility: its checklist and its operating status."""

    queryset = Facility.objects.select_related("district", "town")
    serializer_class = ChecklistSerializer

    def facility(self, action_name: Action) -> Facility:
        return access.object_or_404(self.request.user, Facility, action_name, pk=self.kwargs["pk"])

    def checklist_body(self, facility: Facility) -> dict:
        """Every material item, as stored or (not yet stored: a read writes nothing) as it starts."""
        stored = {row.item: row for row in facility.checklist.all()}
        rows = [
            stored.get(item) or ChecklistItem(facility=facility, item=item)
            for item in ChecklistItem.Item.values
        ]
        pending = services.open_change(facility)
        return {
            "facility_id": facility.pk,
            "items": ChecklistItemSerializer(rows, many=True).data,
            "missing": [str(item) for item in services.missing_materials(facility)],
            "pending_change_id": pending.pk if pending is not None else None,
        }

    @extend_schema(
        methods=["GET"],
        summary=_("备案材料清单"),
        parameters=[FACILITY_ID],
        responses={
            200: ChecklistSerializer,
            **{k: v for k, v in WRITE_ERRORS.items() if k in (401, 404, 429)},
        },
    )
    @extend_schema(
        methods=["PATCH"],
        summary=_("修改备案材料清单"),
        description=_(
            "与网页相同（facilities.services.checklist_update）：区级管理员和机构填报人；机构填报人修改已备案"
            "机构的材料须经审核（202，返回清单和待审变更编号）。各项可带读取时的 version（过期为 409）。"
        ),
        parameters=[FACILITY_ID],
        request=ChecklistInput,
        responses={200: ChecklistSerializer, 202: ChecklistSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["get", "patch"])
    def checklist(self, request, pk=None):
        if request.method == "GET":
            return Response(self.checklist_body(self.facility(Action.VIEW)))
        facility = self.facility(Action.EDIT)  # as the checklist page: 404 for who may not edit it
        entries = self.validated(ChecklistInput)["items"]
        # As the page's form, which starts from the open proposal: the service takes the whole checklist as
        # it should become, so the items not sent keep what they have (stored, or proposed and pending).
        items = {row.item: (row.provided, row.reference) for row in facility.checklist.all()}
        if services.needs_review(request.user, facility):
            change = services.open_change(facility)
            proposed = (change.data.get("checklist") or {}) if change is not None else {}
            items.update({item: tuple(value) for item, value in proposed.items()})
        items.update({e["item"]: (e["provided"], e["reference"]) for e in entries})
        change = services.checklist_update(
            user=request.user,
            facility=facility,
            items=items,
            versions={e["item"]: e["version"] for e in entries if e.get("version") is not None},
        )
        facility.refresh_from_db()
        code = status.HTTP_202_ACCEPTED if change is not None else status.HTTP_200_OK
        return Response(self.checklist_body(facility), status=code)

    @extend_schema(
        summary=_("变更运营状态"),
        description=_(
            "区卫健委暂停、关停或恢复机构（facilities.services.operating_status_change）；关停须记录在托婴幼儿的"
            "去向（placements 或 children_placement），并注销备案。"
        ),
        parameters=[FACILITY_ID],
        request=StatusChangeInput,
        responses={200: FacilityStatusSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        facility = self.facility(Action.MANAGE_STATUS)  # as the status page
        data = self.validated(StatusChangeInput)
        services.operating_status_change(
            user=request.user,
            facility=facility,
            to_status=data["to_status"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            children_placement=data["children_placement"],
            placements=_placements(data),
        )
        facility.refresh_from_db()
        return Response(FacilityStatusSerializer(facility).data)

    @extend_schema(
        summary=_("申请暂停或关停"),
        description=_("机构填报人申请（facilities.services.status_request_submit），由区卫健委审核。"),
        parameters=[FACILITY_ID],
        request=StatusRequestInput,
        responses={201: PendingChangeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="status-request", url_name="status-request")
    def status_request(self, request, pk=None):
        facility = self.facility(Action.EDIT)  # as the request page; the service admits the operator only
        data = self.validated(StatusRequestInput)
        change = services.status_request_submit(
            user=request.user,
            facility=facility,
            to_status=data["to_status"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            note=data["note"],
            placements=_placements(data),
        )
        return Response(PendingChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    # ------------------------------------------------------------------------------ filing materials

    def materials_body(self, facility: Facility) -> dict:
        return {
            "facility_id": facility.pk,
            "required": [str(item) for item in documents.required_items(facility)],
            "files": MaterialFileSerializer(
                documents.in_force(facility.material_files.all()).order_by("item"), many=True
            ).data,
            "proposed": MaterialFileSerializer(
                facility.material_files.filter(state=MaterialFile.State.PROPOSED).order_by("item"), many=True
            ).data,
        }

    @extend_schema(
        methods=["GET"],
        summary=_("备案材料文件"),
        parameters=[FACILITY_ID],
        responses={200: MaterialsSerializer, **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("上传备案材料文件"),
        description=_(
            "与网页相同（facilities.documents.material_upload）：multipart/form-data，字段 item 和 file。"
            "替换的旧文件保留在历史中；审核期间不能更换文件。已备案机构的填报人上传的文件须经审核："
            "返回 202，文件 state 为 proposed，change_id 为待审变更编号，现行文件不变，"
            "经 /pending-changes/<id>/approve/ 批准后生效，驳回时 state 为 rejected。"
        ),
        parameters=[FACILITY_ID],
        request={"multipart/form-data": MaterialUploadInput},
        responses={201: MaterialFileSerializer, 202: MaterialFileSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, JSONParser])
    def materials(self, request, pk=None):
        facility = self.facility(Action.VIEW_STAFF)  # as the materials page: operators and district officials
        if request.method == "GET":
            return Response(self.materials_body(facility))
        data = self.validated(MaterialUploadInput)
        material = documents.material_upload(
            user=request.user, facility=facility, item=data["item"], upload=data["file"]
        )
        code = status.HTTP_202_ACCEPTED if material.held else status.HTTP_201_CREATED
        return Response(MaterialFileSerializer(material).data, status=code)

    def material(self, action_name: Action) -> MaterialFile:
        return access.object_or_404(
            self.request.user,
            MaterialFile.objects.select_related("facility"),
            action_name,
            pk=self.kwargs["file_id"],
            facility_id=self.kwargs["pk"],
        )

    @extend_schema(
        operation_id="v1_facilities_materials_file_retrieve",
        summary=_("下载备案材料文件"),
        parameters=[FACILITY_ID, FILE_ID],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path=r"materials/(?P<file_id>[0-9]+)", url_name="material-file")
    def material_file(self, request, pk=None, file_id=None):
        material = self.material(Action.VIEW_STAFF)
        try:
            handle = material.file.open("rb")
        except OSError:
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary=_("审核备案材料文件"),
        description=_("与网页相同（facilities.documents.material_verdict）：合格，或需补正并写明原因。"),
        parameters=[FACILITY_ID, FILE_ID],
        request=MaterialVerdictInput,
        responses={200: MaterialFileSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"materials/(?P<file_id>[0-9]+)/verdict",
        url_name="material-verdict",
    )
    def material_verdict(self, request, pk=None, file_id=None):
        material = self.material(Action.VIEW_STAFF)  # the service admits the district's officials only
        data = self.validated(MaterialVerdictInput)
        material = documents.material_verdict(
            user=request.user, material=material, verdict=data["verdict"], reason=data["reason"]
        )
        return Response(MaterialFileSerializer(material).data)


@extend_schema_view(
    list=list_schema(PendingChangeSerializer, _("待审变更"), _("您范围内机构的信息变更和停业/关停申请。")),
    retrieve=item_schema(PendingChangeSerializer, _("待审变更"), CHANGE_ID),
)
class PendingChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PrivateViewSet):
    serializer_class = PendingChangeSerializer
    queryset = PendingChange.objects.select_related("facility").order_by("-created_at", "-pk")

    # As the change's page: deciding needs REVIEW on the facility, withdrawing EDIT; outside them, 404.
    DECISION_SCOPE = {"approve": Action.REVIEW, "reject": Action.REVIEW, "withdraw": Action.EDIT}

    def get_queryset(self):
        queryset = super().get_queryset()
        needed = self.DECISION_SCOPE.get(getattr(self, "action", None))
        if needed is None:
            return queryset
        return queryset.filter(facility__in=access.for_user(self.request.user, needed, Facility))

    def _decided(self, change) -> Response:
        return self.read_back(change)

    @extend_schema(
        summary=_("批准待审变更"),
        description=_("区卫健委批准（facilities.services.pending_change_approve）：变更生效。"),
        parameters=[CHANGE_ID],
        request=None,
        responses={200: PendingChangeSerializer, **WRITE_ERRORS, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        change = self.get_object()
        services.pending_change_approve(user=request.user, change=change)
        return self._decided(change)

    @extend_schema(
        summary=_("驳回待审变更"),
        description=_("区卫健委驳回（facilities.services.pending_change_reject），须写明理由。"),
        parameters=[CHANGE_ID],
        request=DecisionReasonInput,
        responses={200: PendingChangeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        change = self.get_object()
        reason = self.validated(DecisionReasonInput)["reason"]
        services.pending_change_reject(user=request.user, change=change, reason=reason)
        return self._decided(change)

    @extend_schema(
        summary=_("撤回待审变更"),
        description=_("提交申请的机构填报人撤回（facilities.services.pending_change_withdraw）。"),
        parameters=[CHANGE_ID],
        request=None,
        responses={200: PendingChangeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        change = self.get_object()
        services.pending_change_withdraw(user=request.user, change=change)
        return self._decided(change)


__all__ = ["FacilityWorkflowViewSet", "PendingChangeViewSet"]
