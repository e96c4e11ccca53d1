"""What every /api/ response shares, whichever view (or none) answered it.

- Language: an API client says which language it wants in `Accept-Language` (the pages are Chinese first and
  follow the language menu's cookie instead; tuoyu_portal.middleware). Without the header, the API follows
  the pages. Placed after the portal's locale middleware.
- Rate limits: `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds), from the throttles
  that counted the request (core.api.throttling)."""

from urllib.parse import quote

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from core.api.throttling import STATE_ATTRIBUTE

API_PREFIX = "/api/"
# Paths answered like the API's: /api/ and the FHIR face (interop, /fhir/).
API_PREFIXES = (API_PREFIX, "/fhir/")


def requested_language(header: str) -> str | None:
    """The first supported language of an Accept-Language header, by its q-values; None if none is."""
    supported = {code for code, _name in settings.LANGUAGES}
    for code, _q in translation.trans_real.parse_accept_lang_header(header):
        if code == "*":
            return None
        try:
            language = translation.get_supported_language_variant(code)
        except LookupError:
            continue
        if language in supported:
            return language
    return None


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIXES):
            return self.get_response(request)
        query = request.META.get("QUERY_STRING", "")
        if not query.isascii():
            # A client sent raw UTF-8 (curl 'name=知了'): WSGI decoded its bytes as Latin-1, and the next/self
            # links built from it would encode them twice. Percent-encode the bytes as sent; the parameters
            # read the same.
            request.META["QUERY_STRING"] = quote(query.encode("iso-8859-1"), safe="=&+%;/?:@,$!*'()~")
        header = request.headers.get("Accept-Language")
        language = requested_language(header) if header else None
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Accept-Language",))
        state = getattr(request, STATE_ATTRIBUTE, None)
        if state is not None:
            limit, remaining, reset = state
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        return response
