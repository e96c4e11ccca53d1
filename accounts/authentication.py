from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, hash_secret
from core import access


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer tyt_…` (or `Token tyt_…`). The request acts as the token's user; request.auth is
    the ApiToken, so permissions can see whether it is read-only."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        try:
            keyword = header[0].lower().decode() if header else ""
        except UnicodeError:
            return None  # not our scheme
        if keyword not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确。"))
        try:
            secret = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确。")) from None
        token = ApiToken.objects.usable().select_related("user").filter(key_hash=hash_secret(secret)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已撤销。"))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most one write a minute
        if token.grant_id is not None:
            access.limit_to_grant(token.user, token.grant_id)  # the token reaches what its grant reaches
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
