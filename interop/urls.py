"""/fhir/ (included by tuoyu_portal/urls.py): FHIR R4 read, search and type history of Organization and
Location, and the CapabilityStatement. FHIR paths have no trailing slash."""

from django.urls import path, re_path

from interop import views

urlpatterns = [
    path("metadata", views.MetadataView.as_view(), name="fhir-metadata"),
]
for resource_type in ("Organization", "Location"):
    name = resource_type.lower()
    urlpatterns += [
        path(
            resource_type,
            views.SearchView.as_view(resource_type=resource_type),
            name=f"fhir-{name}-search",
        ),
        path(
            f"{resource_type}/_history",
            views.HistoryView.as_view(resource_type=resource_type),
            name=f"fhir-{name}-history",
        ),
        path(
            f"{resource_type}/<str:resource_id>",
            views.ReadView.as_view(resource_type=resource_type),
            name=f"fhir-{name}-read",
        ),
    ]
urlpatterns.append(re_path(r"^.*$", views.UnknownView.as_view(), name="fhir-unknown"))
