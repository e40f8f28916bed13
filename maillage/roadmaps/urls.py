from django.urls import path

from maillage.roadmaps import context_views as cv
from maillage.roadmaps import structure_views as sv
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
    path("<int:pk>/bilans/", views.report_versions, name="report_versions"),
    path("bilans/<int:pk>/", views.report_file, name="report_file"),
    path("<int:pk>/actions/<int:number>/", views.action_detail, name="action"),
    path("actions/<int:pk>/mise-a-jour/", views.action_update, name="action_update"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("instances/<int:body_pk>/reunions/nouvelle/", views.meeting_edit, name="meeting_create"),
    path("instances/<int:body_pk>/reunions/<int:pk>/modifier/", views.meeting_edit, name="meeting_edit"),
    path("reunions/<int:pk>/", views.meeting_detail, name="meeting"),
    path("mesures/<int:pk>/justificatif/", views.evidence, name="evidence"),
    # structure pages (coordinators; leads for the indicators and steps of their actions)
    path("nouvelle/", sv.roadmap_create, name="create"),
    path("<int:pk>/modifier/", sv.roadmap_edit, name="edit"),
    path("<int:pk>/structure/", sv.structure, name="structure"),
    path("<int:roadmap_pk>/axes/nouveau/", sv.axis_edit, name="axis_create"),
    path("axes/<int:pk>/modifier/", sv.axis_edit, name="axis_edit"),
    path("axes/<int:axis_pk>/objectifs/nouveau/", sv.objective_edit, name="objective_create"),
    path("objectifs/<int:pk>/modifier/", sv.objective_edit, name="objective_edit"),
    path("<int:roadmap_pk>/actions/nouvelle/", sv.action_structure, name="action_create"),
    path("actions/<int:pk>/structure/", sv.action_structure, name="action_structure"),
    path("actions/<int:action_pk>/indicateurs/nouveau/", sv.indicator_edit, name="indicator_create"),
    path("indicateurs/<int:pk>/modifier/", sv.indicator_edit, name="indicator_edit"),
    path("actions/<int:action_pk>/budget/nouveau/", sv.budget_line_edit, name="budget_create"),
    path("budget/<int:pk>/modifier/", sv.budget_line_edit, name="budget_edit"),
    path("actions/<int:action_pk>/etapes/nouvelle/", sv.step_edit, name="step_create"),
    path("etapes/<int:pk>/modifier/", sv.step_edit, name="step_edit"),
    path("actions/<int:action_pk>/jalons/nouveau/", sv.milestone_edit, name="milestone_create"),
    path("jalons/<int:pk>/modifier/", sv.milestone_edit, name="milestone_edit"),
    # co-carriers, key figures, concertation, pooled fund (coordinators)
    path("<int:pk>/contexte/", cv.context, name="context"),
    path("<int:roadmap_pk>/contexte/<str:kind>/nouveau/", cv.context_create, name="context_create"),
    path("contexte/<str:kind>/<int:pk>/modifier/", cv.context_edit, name="context_edit"),
    path("contexte/<str:kind>/<int:pk>/supprimer/", cv.context_delete, name="context_delete"),
    path("<str:kind>/<int:pk>/supprimer/", sv.delete, name="delete"),
]
