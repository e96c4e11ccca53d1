"""/fhir/: the read-only FHIR R4 face (IHE mCSD) of the registry and the region tree.

Thin DRF views: the API's authentication, TokenScope and throttles (settings.REST_FRAMEWORK), signed-in
callers only (401 otherwise; the CapabilityStatement at /fhir/metadata is open, as FHIR expects). What a
caller sees is interop.search (core.access scoping); what it looks like is interop.fhir. JSON only
(`application/fhir+json`; `_format=xml` or an Accept without JSON is a 406). Every error is an
OperationOutcome with the status of the API's error body (core.api.exceptions, via the configured handler,
so the security log classifies refusals as for /api/)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.mediatypes import media_type_matches, order_by_precedence
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from core.api.permissions import TokenScope
from interop import fhir, search

JSON_FORMATS = {"json", "application/json", "application/fhir+json", "application/json+fhir"}


class FhirJSONRenderer(JSONRenderer):
    media_type = fhir.JSON_MEDIA_TYPE
    format = "json"
    charset = "utf-8"
    ensure_ascii = False


class PlainJSONRenderer(FhirJSONRenderer):
    """For clients that ask for application/json: the same body."""

    media_type = "application/json"


class FhirNegotiation(DefaultContentNegotiation):
    """`_format` (FHIR's parameter) or the Accept header; anything but JSON is a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        requested = request.query_params.get("_format")
        if requested is not None:
            if requested.strip().lower() not in JSON_FORMATS:
                raise exceptions.NotAcceptable(_("仅支持 JSON（application/fhir+json）。"))
            return renderers[0], renderers[0].media_type
        for media_types in order_by_precedence(self.get_accept_list(request)):
            for renderer in renderers:
                if any(media_type_matches(renderer.media_type, accepted) for accepted in media_types):
                    return renderer, renderer.media_type
        raise exceptions.NotAcceptable(_("仅支持 JSON（application/fhir+json）。"))


def outcome_handler(exc, context):
    """The API's error handling (status, message, security log), answered as an OperationOutcome."""
    response = api_settings.EXCEPTION_HANDLER(exc, context)
    if response is None:
        return None
    error = response.data.get("error", {}) if isinstance(response.data, dict) else {}
    response.data = fhir.operation_outcome(
        response.status_code, error.get("message", ""), error.get("fields") or None
    )
    return response


class FhirView(APIView):
    permission_classes = [TokenScope, permissions.IsAuthenticated]
    renderer_classes = [FhirJSONRenderer, PlainJSONRenderer]
    content_negotiation_class = FhirNegotiation
    schema = None  # not part of the OpenAPI document of /api/ (the CapabilityStatement describes it)
    resource_type = ""

    def get_exception_handler(self):
        return outcome_handler

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/fhir/")

    def full_url(self, resource: dict) -> str:
        return f"{self.base_url()}{resource['resourceType']}/{resource['id']}"


class MetadataView(FhirView):
    permission_classes = [permissions.AllowAny]

    def get(self, request):
        return Response(fhir.capability_statement(self.base_url()))


class SearchView(FhirView):
    def get(self, request):
        params = request.query_params
        if self.resource_type == "Organization":
            criteria, find = search.organization_criteria(params), search.organization_page
        else:
            criteria, find = search.location_criteria(params), search.location_page
        count, offset = search.count_of(params), search.offset_of(params)
        page = find(request.user, criteria, offset, count)
        self_url = request.build_absolute_uri()
        links = {"self": self_url}
        if count and offset + count < page.total:
            links["next"] = replace_query_param(self_url, "_offset", offset + count)
        if offset:
            previous = max(0, offset - count)
            links["previous"] = (
                replace_query_param(self_url, "_offset", previous)
                if previous
                else remove_query_param(self_url, "_offset")
            )
        entries = [(self.full_url(resource), resource) for resource in page.resources]
        return Response(fhir.searchset(entries, total=page.total, links=links))


class ReadView(FhirView):
    def get(self, request, resource_id):
        read = search.organization if self.resource_type == "Organization" else search.location
        resource = read(request.user, resource_id)
        if resource is None:
            raise exceptions.NotFound(_("未找到，或不在您的范围内。"))
        response = Response(resource)
        response["ETag"] = f'W/"{resource["meta"]["versionId"]}"'
        return response


class HistoryView(FhirView):
    def get(self, request):
        entries, more = search.history(request.user, self.resource_type, request.query_params)
        self_url = request.build_absolute_uri()
        links = {"self": self_url}
        if more is not None:
            links["next"] = replace_query_param(
                remove_query_param(self_url, "_since"), "_cursor", search.encode_cursor(more)
            )
        base = self.base_url()
        bundle_entries = [fhir.history_entry(full_url=f"{base}{entry['path']}", **entry) for entry in entries]
        return Response(fhir.history_bundle(bundle_entries, links))


class UnknownView(FhirView):
    """Any other path under /fhir/, whatever the method: a 404 OperationOutcome."""

    permission_classes: list = []
    authentication_classes: list = []
    http_method_names: list = []

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound(_("未找到：不支持的资源类型或地址。"))
