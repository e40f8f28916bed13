from django.contrib import admin
from django.urls import include, path

from maillage.core import views as core_views
from maillage.core.health import health

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accessibilite/", core_views.accessibility, name="accessibility"),
    path("compte/", include("maillage.accounts.urls")),
    path("lieux/", include("maillage.places.urls")),
    path("api/v1/", include("maillage.places.api_urls")),
    path("feuilles-de-route/", include("maillage.roadmaps.urls")),
    path("activites/", include("maillage.activities.urls")),
    path("parcours/", include("maillage.pathways.urls")),
    path("observatoire/", include("maillage.observatory.urls")),
    path("equipement/", include("maillage.equipment.urls")),
    path("financements/", include("maillage.funding.urls")),
    path("animation/", include("maillage.events.urls")),
    path("formation/", include("maillage.training.urls")),
    path("admin/", admin.site.urls),
    path("sante/", health, name="health"),
    path("traitements/", core_views.job_list, name="jobs"),
    path("demo/boite-d-envoi/", core_views.demo_outbox, name="demo_outbox"),
    path("traitements/<int:pk>/", core_views.job_detail, name="job"),
]

handler403 = "maillage.core.views.permission_denied"
handler404 = "maillage.core.views.page_not_found"
handler500 = "maillage.core.views.server_error"
