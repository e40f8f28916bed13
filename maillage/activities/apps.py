from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "maillage.activities"
    verbose_name = _("Activité de médiation")
