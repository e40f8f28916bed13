from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "maillage.funding"
    verbose_name = _("Veille et ingénierie financière")

    def ready(self) -> None:
        from maillage.funding import files, lines  # noqa: F401  (signals, managed budget lines)
