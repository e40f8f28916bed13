from django.urls import path

from maillage.funding import views

app_name = "funding"

urlpatterns = [
    path("", views.home, name="home"),
    path("opportunites/", views.opportunity_list, name="opportunities"),
    path("opportunites/nouvelle/", views.opportunity_edit, name="opportunity_create"),
    path("opportunites/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("opportunites/<int:pk>/modifier/", views.opportunity_edit, name="opportunity_edit"),
    path("dossiers/", views.application_list, name="applications"),
    path("dossiers/nouveau/", views.application_edit, name="application_create"),
    path("dossiers/<int:pk>/", views.application_detail, name="application"),
    path("dossiers/<int:pk>/modifier/", views.application_edit, name="application_edit"),
    path("dossiers/<int:pk>/versements/", views.instalment_add, name="instalment_add"),
    path("dossiers/<int:pk>/pieces/", views.document_add, name="document_add"),
    path("versements/<int:pk>/supprimer/", views.instalment_delete, name="instalment_delete"),
    path("pieces/<int:pk>/", views.document_download, name="document"),
    path("pieces/<int:pk>/remplacer/", views.document_replace, name="document_replace"),
    path("pieces/<int:pk>/supprimer/", views.document_delete, name="document_delete"),
    path("postes/", views.posts_home, name="posts"),
    path("postes/territoire/<int:territory_pk>/", views.degressivity, name="degressivity"),
    path("postes/nouveau/", views.post_edit, name="post_create"),
    path("postes/<int:pk>/", views.post_detail, name="post"),
    path("postes/<int:pk>/modifier/", views.post_edit, name="post_edit"),
    path("postes/<int:pk>/annees/", views.post_year_save, name="post_year_save"),
    path("annees/<int:pk>/supprimer/", views.post_year_delete, name="post_year_delete"),
]
