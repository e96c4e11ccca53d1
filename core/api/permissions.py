from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


def read_only_token(request) -> bool:
    """Whether the request came with a read-only API token. Token authentication (accounts) puts the token
    in request.auth; a session request has none. Read by duck type: core imports no app."""
    return bool(getattr(request.auth, "read_only", False))


class TokenScope(permissions.BasePermission):
    """A read-only token may only read, whatever its user could do in the browser."""

    message = _("该令牌为只读令牌，不能修改数据。")

    def has_permission(self, request, view):
        if read_only_token(request):
            return request.method in permissions.SAFE_METHODS
        return True


class ReadPublicWriteAuthenticated(permissions.BasePermission):
    """Anonymous clients read public data (each view decides what is public by scoping its queryset);
    writes need a signed-in user or a read-write token."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )
