from django.urls import path

from maillage.places import views, views_import

app_name = "places"

urlpatterns = [
    path("", views.search, name="search"),
    path("communes.json", views.communes, name="communes"),
    path("carte.json", views.map_points, name="map_points"),
    path("<int:pk>/", views.detail, name="detail"),
    path("gestion/", views.manage, name="manage"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("a-verifier/", views.stale, name="stale"),
    path("<int:pk>/relancer/", views.remind, name="remind"),
    path("annuaire/", views.annuaire, name="annuaire"),
    path("annuaire/<str:kind>/<str:code>.pdf", views.annuaire_pdf, name="annuaire_pdf"),
    path("importer/", views_import.import_places, name="import"),
    path("importer/<int:pk>/", views_import.import_report, name="import_report"),
    path("doublons/", views_import.duplicates, name="duplicates"),
    path("doublons/<int:pk>/", views_import.decide_duplicate, name="duplicate_decide"),
]
