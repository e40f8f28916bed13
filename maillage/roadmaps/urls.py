from django.urls import path

from maillage.roadmaps import views

app_name = "roadmaps"

urlpatterns = [
    path("", views.roadmap_list, name="list"),
    path("importer/", views.import_roadmap, name="import"),
    path("<int:pk>/", views.roadmap_detail, name="detail"),
    path("<int:pk>/tableau-de-bord/", views.dashboard, name="dashboard"),
    path("<int:pk>/gouvernance/", views.governance, name="governance"),
    path("<int:pk>/avenants/nouveau/", views.version_create, name="version_create"),
    path("<int:pk>/export.<str:fmt>", views.export, name="export"),
    path("<int:pk>/bilan-<int:year>.<str:fmt>", views.report, name="report"),
    path("<int:pk>/actions/<int:number>/", views.action_detail, name="action"),
    path("actions/<int:pk>/mise-a-jour/", views.action_update, name="action_update"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("instances/<int:body_pk>/reunions/nouvelle/", views.meeting_edit, name="meeting_create"),
    path("instances/<int:body_pk>/reunions/<int:pk>/modifier/", views.meeting_edit, name="meeting_edit"),
    path("reunions/<int:pk>/", views.meeting_detail, name="meeting"),
    path("mesures/<int:pk>/justificatif/", views.evidence, name="evidence"),
]
