from django.urls import path

from maillage.training import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("modules/", views.modules, name="modules"),
    path("aidants/", views.aidant_list, name="aidants"),
    path("aidants/nouveau/", views.aidant_new, name="aidant_new"),
    path("aidants/<int:pk>/", views.aidant_detail, name="aidant"),
    path("aidants/<int:pk>/modifier/", views.aidant_edit, name="aidant_edit"),
    path("aidants/<int:pk>/modules/", views.record_add, name="record_add"),
    path("habilitations/", views.habilitations, name="habilitations"),
    path("habilitations/importer/", views.habilitation_import, name="import"),
    path("habilitations/modele.csv", views.import_template, name="import_template"),
    path("besoins/", views.needs, name="needs"),
    path("objectifs/", views.target_new, name="target_new"),
]
