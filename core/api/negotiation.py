"""Content negotiation of the API: a `?format=` the endpoint does not answer in is a 400 naming the parameter
and the formats it does answer in (DRF answers 404, as if the address were wrong), with the endpoint's hint
where its data has another form elsewhere (`format_hint`: the statistics' tables for CSV and XLSX)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.settings import api_settings


class ApiNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        offered = [renderer.format for renderer in renderers]
        if wanted and wanted not in offered:
            view = (getattr(request, "parser_context", None) or {}).get("view")
            message = _("不支持的格式“%(format)s”：本接口可用 %(formats)s。") % {
                "format": wanted,
                "formats": "、".join(f for f in offered if f != "api"),
            }
            hint = getattr(view, "format_hint", None)
            raise serializers.ValidationError(
                {api_settings.URL_FORMAT_OVERRIDE: [f"{message}{hint}" if hint else message]}, code="invalid"
            )
        return super().select_renderer(request, renderers, format_suffix)
