from django.urls import path

from maillage.events import views

app_name = "events"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("nouvelle/", views.session_new, name="new"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/modifier/", views.session_edit, name="edit"),
    path("<int:pk>/inscription/", views.register_me, name="register_me"),
    path("<int:pk>/desinscription/", views.unregister_me, name="unregister_me"),
    path(
        "<int:pk>/inscriptions/<int:registration>/annuler/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path("<int:pk>/presences/", views.attendance, name="attendance"),
    path("<int:pk>/rappels/", views.reminders, name="reminders"),
    path("<int:pk>/evaluations/", views.evaluations_send, name="evaluations_send"),
    path("<int:pk>/attestations/<int:registration>.pdf", views.certificate, name="certificate"),
    path("projets/", views.project_list, name="projects"),
    path("projets/nouveau/", views.project_new, name="project_new"),
    path("projets/<int:pk>/", views.project_detail, name="project"),
    path("projets/<int:pk>/modifier/", views.project_edit, name="project_edit"),
    path("projets/<int:pk>/ajouter/<str:kind>/", views.project_add, name="project_add"),
    path("projets/<int:pk>/taches/<int:item>/", views.checklist_toggle, name="checklist_toggle"),
    # Public: the agenda of a territory, its .ics feed, a session's page and registration, evaluation.
    path("agenda/<str:code>/", views.public_agenda, name="agenda"),
    path("agenda/<str:code>.ics", views.public_ics, name="ics"),
    path("sessions/<int:pk>/", views.public_session, name="public"),
    path("evaluation/<str:token>/", views.evaluation, name="evaluation"),
]
