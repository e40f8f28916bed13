from django.urls import path

from maillage.places import views, views_import, views_loops

app_name = "places"

urlpatterns = [
    path("", views.search, name="search"),
    path("communes.json", views.communes, name="communes"),
    path("carte.json", views.map_points, name="map_points"),
    path("<int:pk>/", views.detail, name="detail"),
    path("gestion/", views.manage, name="manage"),
    path("gestion/verifier/", views_loops.confirm_bulk, name="confirm_bulk"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("a-verifier/", views_loops.stale, name="stale"),
    path("a-verifier/relancer/", views_loops.remind_bulk, name="remind_bulk"),
    path("campagnes/", views_loops.campaign_start, name="campaign_start"),
    path("campagnes/<int:pk>/", views_loops.campaign_detail, name="campaign"),
    path("<int:pk>/relancer/", views.remind, name="remind"),
    path("annuaire/", views.annuaire, name="annuaire"),
    path("annuaire/<str:kind>/<str:code>.pdf", views.annuaire_pdf, name="annuaire_pdf"),
    path("importer/", views_import.import_places, name="import"),
    path("importer/<int:pk>/", views_import.import_report, name="import_report"),
    path("doublons/", views_import.duplicates, name="duplicates"),
    path("doublons/<int:pk>/", views_import.decide_duplicate, name="duplicate_decide"),
    path("mise-a-jour/<str:token>/", views_loops.contact_link, name="contact_link"),
    path("<int:pk>/signaler/", views_loops.report_error, name="report_error"),
    path("corrections/", views_loops.corrections_queue, name="corrections"),
    path("corrections/signalement/<int:pk>/", views_loops.decide_report, name="decide_report"),
    path("corrections/modification/<int:pk>/", views_loops.decide_change, name="decide_change"),
    path("corrections/reglages/", views_loops.directory_settings, name="directory_settings"),
]
