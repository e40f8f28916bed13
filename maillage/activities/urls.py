from django.urls import path

from maillage.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("nouvelle/", views.activity_create, name="create"),
    path("export.<str:fmt>", views.activity_export, name="export"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/modifier/", views.activity_update, name="update"),
    path("<int:pk>/supprimer/", views.activity_delete, name="delete"),
    path("beneficiaires/", views.beneficiary_list, name="beneficiaries"),
    path("beneficiaires/nouveau/", views.beneficiary_create, name="beneficiary_create"),
    path("beneficiaires/<int:pk>/", views.beneficiary_detail, name="beneficiary"),
    path("beneficiaires/<int:pk>/modifier/", views.beneficiary_update, name="beneficiary_update"),
    path("beneficiaires/<int:pk>/anonymiser/", views.beneficiary_anonymise, name="beneficiary_anonymise"),
    path("coordination/nouvelle/", views.coordination_create, name="coordination_create"),
    path("import/", views.import_page, name="import"),
    path("import/equipe/", views.import_team, name="import_team"),
    path("import/equipe/<int:pk>/", views.import_team_confirm, name="import_team_confirm"),
    path("import/modele.csv", views.import_template, name="import_template"),
    path("statistiques/", views.stats, name="stats"),
    path("statistiques/export.<str:fmt>", views.stats_export, name="stats_export"),
]
