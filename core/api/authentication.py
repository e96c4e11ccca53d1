"""Credentials the API does not take are refused (401), never read as "anonymous".

A client that sends `Authorization: JWT …`, `Basic …` or a token in the query string (`?token=…`) means to
be someone. Answering it as an anonymous caller hands it the public directory instead of its scope, and a
sync job would quietly replace its copy of 2,000 facilities with a handful. This check runs first among the
authentication classes; the accepted schemes are read by the classes after it."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

ACCEPTED_SCHEMES = ("bearer", "token")
# Query parameters in which clients commonly put credentials. A token in a URL ends up in logs and
# browser histories, so it is refused rather than read.
CREDENTIAL_PARAMETERS = ("token", "access_token", "api_key", "apikey")


class CredentialSchemeCheck(authentication.BaseAuthentication):
    def authenticate(self, request):
        for name in CREDENTIAL_PARAMETERS:
            if name in request.query_params:
                raise exceptions.AuthenticationFailed(
                    _("令牌不能放在网址参数中，请使用请求头：Authorization: Bearer <令牌>。"),
                    code="credentials_in_query",
                )
        header = authentication.get_authorization_header(request).split()
        if header:
            try:
                scheme = header[0].decode("ascii").lower()
            except UnicodeError:
                scheme = ""
            if scheme not in ACCEPTED_SCHEMES:
                raise exceptions.AuthenticationFailed(
                    _("不支持的认证方式，请使用请求头：Authorization: Bearer <令牌>。"),
                    code="unsupported_scheme",
                )
        return None  # nothing wrong: the next authentication class reads the credentials

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
