"""The framework floor: the same DRF stack as the statistics endpoints (authentication, permissions,
throttling, JSON renderer), no database work of its own."""

from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView


class ConstantView(APIView):
    renderer_classes = [JSONRenderer]

    def get(self, request):
        return Response({"ok": True})
