from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "maillage.core"
    verbose_name = _("Socle commun")

    def ready(self) -> None:
        from maillage.core import mail  # noqa: F401 — registers the e-mail job
