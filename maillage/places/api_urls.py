"""Open-data API (/api/v1/): published places in the national standard's JSON form."""

from django.urls import path

from maillage.places import views_api

app_name = "api"

urlpatterns = [
    path("lieux", views_api.place_list, name="places"),
    path("lieux/<int:pk>", views_api.place_detail, name="place"),
    path("lieux.csv", views_api.place_export, {"file_format": "csv"}, name="places_csv"),
    path("lieux.json", views_api.place_export, {"file_format": "json"}, name="places_json"),
    path("openapi.json", views_api.openapi, name="openapi"),
    path("<path:rest>", views_api.not_found, name="not_found"),  # JSON 404, e.g. « lieux/null »
]
