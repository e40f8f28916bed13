from django.urls import path

from maillage.pathways import views, views_lists

app_name = "pathways"

urlpatterns = [
    path("", views.home, name="home"),
    path("diagnostic/nouveau/", views.diagnostic_new, name="diagnostic_new"),
    path("diagnostic/<int:pk>/", views.diagnostic_detail, name="diagnostic"),
    path("diagnostic/<int:pk>/orienter/<int:place_pk>/", views.referral_new, name="referral_new"),
    path("orientations/", views_lists.referral_list, name="referrals"),
    path("orientations/<int:pk>/", views.referral_detail, name="referral"),
    path("orientations/<int:pk>/fiche.pdf", views.referral_pdf, name="referral_pdf"),
    path("orientations/<int:pk>/suivi/", views.follow_up, name="follow_up"),
    path("suivis/", views.follow_ups, name="follow_ups"),
    path("reponse/<str:token>/", views.answer, name="answer"),
    path("statistiques/", views.statistics, name="statistics"),
]
