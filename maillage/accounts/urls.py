from django.urls import path

from maillage.accounts import proconnect, team_views, two_factor, views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    # Self-service
    path("mon-compte/", views.account, name="account"),
    path("mon-compte/mot-de-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("mon-compte/adresse/<str:token>/", views.email_confirm, name="email_confirm"),
    path("mon-compte/quitter/<int:pk>/", views.leave, name="leave"),
    path("mot-de-passe-oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe-oublie/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reinitialiser/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reinitialiser/termine/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("demander-un-acces/", views.access_request, name="access_request"),
    path("conditions-d-utilisation/", views.terms, name="terms"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("double-authentification/", two_factor.two_factor, name="two_factor"),
    path("double-authentification/codes/", two_factor.recovery_codes, name="two_factor_codes"),
    path("proconnect/connexion/", proconnect.ProConnectLoginView.as_view(), name="proconnect_login"),
    path("proconnect/retour/", proconnect.ProConnectCallbackView.as_view(), name="proconnect_callback"),
    # Team pages (coordinators)
    path("equipe/", team_views.members, name="team"),
    path("equipe/inviter/", team_views.invite, name="team_invite"),
    path("equipe/invitations/", team_views.invitation_list, name="team_invitations"),
    path(
        "equipe/invitations/<int:pk>/<str:action>/",
        team_views.invitation_action,
        name="team_invitation_action",
    ),
    path("equipe/habilitations/<int:pk>/", team_views.membership_detail, name="team_membership"),
    path("equipe/demandes/", team_views.access_requests, name="team_requests"),
    path("equipe/demandes/<int:pk>/", team_views.access_request_detail, name="team_request"),
    path("equipe/structures/", team_views.organisations, name="team_organisations"),
    path("equipe/structures/nouvelle/", team_views.organisation_edit, name="team_organisation_create"),
    path("equipe/structures/<int:pk>/", team_views.organisation_edit, name="team_organisation"),
]
