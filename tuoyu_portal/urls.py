from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "托育服务管理门户"
admin.site.site_title = "托育服务管理门户"
admin.site.index_title = "数据管理"

# A database outage outside a view (middleware, session save) answers 503 too; other errors the 500 page.
handler500 = "tuoyu_portal.db_outage.server_error"
handler400 = "tuoyu_portal.db_outage.bad_request"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/tokens/", include("accounts.urls")),
    path("accounts/", include("accounts.password_urls")),  # Django's auth views + the portal's password pages
    path("directory/", include("facilities.public_urls")),
    path("registry/", include("facilities.urls")),
    path("planning/", include("planning.urls")),
    path("planning/", include("planning.import_urls")),
    path("subsidies/", include("subsidies.urls")),
    path("supervision/", include("supervision.urls")),
    path("reporting/", include("reporting.urls")),
    path("coverage/", include("coverage.urls")),
    path("api/", include("tuoyu_portal.api.urls")),
    path("fhir/", include("interop.urls")),  # read-only FHIR R4 (IHE mCSD)
    path("", include("targets.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
