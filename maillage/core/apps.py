from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "maillage.core"
    verbose_name = _("Socle commun")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from maillage.core import mail  # noqa: F401 — registers the e-mail job
        from maillage.core.sqlite import ensure_wal

        connection_created.connect(ensure_wal, dispatch_uid="maillage.core.sqlite.ensure_wal")
