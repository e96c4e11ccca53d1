from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """Per token (or per signed-in user without a token); counters live in the shared cache (Redis when
    configured), so several app servers count together."""

    scope = "client"

    def get_cache_key(self, request, view):
        # request.auth is the API token when token authentication (accounts) accepted the request, None for a
        # session: core imports no app, so it is recognised as a saved model instance.
        token = request.auth
        if token is not None and getattr(token, "pk", None) is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    scope = "anonymous"
