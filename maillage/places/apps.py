from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "maillage.places"
    verbose_name = _("Lieux et acteurs")

    def ready(self) -> None:
        from maillage.places import annuaire_files, spatial

        # SQLite: the R-tree of the places' positions survives the table rebuilds of later migrations.
        post_migrate.connect(spatial.post_migrate, sender=self, dispatch_uid="places_sqlite_rtree")
        # A place saved or deleted makes the stored annuaires of its territories out of date.
        annuaire_files.connect_signals()
