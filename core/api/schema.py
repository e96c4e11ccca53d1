"""API-wide OpenAPI pieces: the token security scheme, "anonymous may read", and the one error body that
every endpoint documents (core.api.exceptions produces it)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import permissions, serializers


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer tyt_…` (accounts.authentication.TokenAuthentication; named by its path, so
    the kernel imports no app)."""

    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _(
                    "接口令牌（tyt_ 开头），在“接口令牌”页面创建；只读令牌只能读取。"
                    "请求头：Authorization: Bearer <令牌>"
                )
            ),
        }


class CredentialSchemeCheckScheme(OpenApiAuthenticationExtension):
    """core.api.authentication.CredentialSchemeCheck only refuses what is not a credential: no scheme of its
    own to document."""

    target_class = "core.api.authentication.CredentialSchemeCheck"
    name: list = []

    def get_security_requirement(self, auto_schema):
        return None

    def get_security_definition(self, auto_schema):
        return []


class PublicReadSchema(AutoSchema):
    """Reading needs no credentials (core.api.permissions.ReadPublicWriteAuthenticated): say so in
    the schema, as drf-spectacular does by itself only for DRF's own IsAuthenticatedOrReadOnly."""

    def get_auth(self):
        auths = super().get_auth()
        if self.method in permissions.SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


@extend_schema_serializer(component_name="ErrorItem")
class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("稳定的错误代码，如 invalid_choice"))
    message = serializers.CharField(help_text=_("按请求语言给出的说明"))


@extend_schema_serializer(component_name="ErrorBody")
class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text=_("HTTP 状态码"))
    code = serializers.CharField(
        help_text=_("稳定的错误代码：invalid、not_found、authentication_failed、throttled 等")
    )
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=FieldErrorSerializer()),
        help_text=_("按参数或字段列出的错误；无时为空对象"),
    )
    current_version = serializers.IntegerField(required=False, help_text=_("仅 409：记录的当前版本号"))
    changes = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text=_("仅 409：自您提交的版本以来的修改（field、label、before、after）"),
    )


@extend_schema_serializer(component_name="ErrorResponse")
class ErrorResponseSerializer(serializers.Serializer):
    """Every API failure (core.api.exceptions): {"error": {status, code, message, fields}}."""

    error = ErrorSerializer()


def any_of_without_discriminator(result, generator, request, public):
    """drf-spectacular postprocessing hook: a choice of shapes without a discriminator (a facility's full
    record or its public one) is `anyOf`, not `oneOf`: a full record also has every field of the public one,
    so it matches both, which `oneOf` forbids."""
    for component in result.get("components", {}).get("schemas", {}).values():
        if "oneOf" in component and "discriminator" not in component:
            component["anyOf"] = component.pop("oneOf")
    return result
