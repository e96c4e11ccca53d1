"""The project's URLs plus the token pages (if the project's URLs ever lacked them) and a test-only
endpoint that accepts writes, to prove that a read-only token cannot write (real endpoints are read-only)."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from tuoyu_portal import urls as project_urls

_wired = any(getattr(p, "namespace", None) == "tokens" for p in project_urls.urlpatterns)


@extend_schema(exclude=True)
class WriteProbe(APIView):
    """Every method answers what the default authentication and permission classes let through."""

    def get(self, request):
        return Response({"user": request.user.get_username() or None})

    def post(self, request):
        return Response({"written": True}, status=201)

    put = patch = post

    def delete(self, request):
        return Response(status=204)


urlpatterns = [
    path("api/v1/test-write/", WriteProbe.as_view(), name="test-write"),
    *([] if _wired else [path("accounts/tokens/", include("accounts.urls"))]),
    *project_urls.urlpatterns,
]
