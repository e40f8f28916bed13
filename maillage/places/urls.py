from django.urls import path

from maillage.places import views

app_name = "places"

urlpatterns = [
    path("", views.search, name="search"),
    path("communes.json", views.communes, name="communes"),
    path("<int:pk>/", views.detail, name="detail"),
    path("gestion/", views.manage, name="manage"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("a-verifier/", views.stale, name="stale"),
    path("<int:pk>/relancer/", views.remind, name="remind"),
]
