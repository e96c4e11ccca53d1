from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from tuoyu_portal.models import ApiToken


class ClientRateThrottle(SimpleRateThrottle):
    """Per token (or per signed-in user without a token); counters live in the shared cache (Redis when
    configured), so several app servers count together."""

    scope = "client"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    scope = "anonymous"
