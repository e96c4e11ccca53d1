from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    """Faces of the registry for other systems: a read-only FHIR R4 server after IHE mCSD (/fhir/)."""

    name = "interop"
    verbose_name = _("数据交换")
