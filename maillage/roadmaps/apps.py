from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "maillage.roadmaps"
    verbose_name = _("Feuilles de route")

    def ready(self) -> None:
        from maillage.roadmaps import files  # noqa: F401 — connects the evidence file signals
