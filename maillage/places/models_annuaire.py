"""The stored printed annuaire of a territory (maillage.places.annuaire_files builds and serves it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnuaireFile(models.Model):
    """The last good annuaire PDF of one territory, in the media storage, and whether it is up to date.

    ``version`` goes up each time a place of the territory changes (save, import, delete); the file was
    built from ``built_version``: it is stale when the two differ. A version counter, not a flag: a change
    made while the file is being built leaves it stale, so it is built again.
    """

    territory = models.OneToOneField(
        "territories.Territory", on_delete=models.CASCADE, related_name="+", verbose_name=_("territoire")
    )
    file_name = models.CharField(_("fichier"), max_length=255, blank=True)
    version = models.PositiveIntegerField(_("version des données"), default=0)
    built_version = models.PositiveIntegerField(_("version du fichier"), null=True, blank=True)
    generated_at = models.DateTimeField(_("produit le"), null=True, blank=True)
    place_count = models.PositiveIntegerField(_("lieux"), default=0)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    build_seconds = models.FloatField(_("durée de production (s)"), null=True, blank=True)
    job = models.ForeignKey(
        "core.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("dernier traitement"),
    )

    class Meta:
        verbose_name = _("annuaire imprimable produit")
        verbose_name_plural = _("annuaires imprimables produits")

    def __str__(self) -> str:
        return f"{self.territory_id}: {self.file_name or '-'}"

    @property
    def is_fresh(self) -> bool:
        return bool(self.file_name) and self.built_version == self.version
