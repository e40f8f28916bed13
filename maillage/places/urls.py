from django.urls import path

from maillage.places import views

app_name = "places"

urlpatterns = [
    path("", views.search, name="search"),
]
