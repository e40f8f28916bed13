from django.contrib.auth import views as auth_views
from django.urls import path

from maillage.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
]
