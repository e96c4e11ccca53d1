"""Request rates per token or user and per anonymous address, counted in the shared cache (Redis when
configured, so several app servers count together).

Each throttle that applies records where the client stands (limit, remaining, seconds until the window
frees a request) on the request; core.api.middleware sends it as `RateLimit-Limit`, `RateLimit-Remaining`
and `RateLimit-Reset` on every API response, and a 429 also carries `Retry-After` (DRF)."""

import math

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

STATE_ATTRIBUTE = "api_rate_limit"


class ReportingThrottleMixin:
    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            self._report(request)
        return allowed

    def _report(self, request) -> None:
        remaining = max(0, self.num_requests - len(self.history))
        reset = self.duration - (self.now - self.history[-1]) if self.history else self.duration
        state = (self.num_requests, remaining, max(0, math.ceil(reset)))
        target = getattr(request, "_request", request)  # the HttpRequest the middleware sees
        current = getattr(target, STATE_ATTRIBUTE, None)
        if current is None or state[1] < current[1]:
            setattr(target, STATE_ATTRIBUTE, state)


class ClientRateThrottle(ReportingThrottleMixin, SimpleRateThrottle):
    """Per token (or per signed-in user without a token)."""

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


class AnonymousRateThrottle(ReportingThrottleMixin, AnonRateThrottle):
    scope = "anonymous"
