"""The territorial observatory: reference indicators per commune, fragility indices, access to places.

Everything here is either imported from a public statistics file (with its source and vintage) or
computed from it; nothing is typed by hand. A value the source does not publish (statistical secrecy)
is stored as ``value = None`` with ``is_secret = True`` and shown as missing, never as zero.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorSource(models.TextChoices):
    INSEE = "insee_dossier_complet", _("INSEE — Dossier complet (recensement, FiLoSoFi)")
    ARCEP_FIXED = "arcep_fixed", _("ARCEP — Ma connexion internet (éligibilité fixe)")
    ARCEP_MOBILE = "arcep_mobile", _("ARCEP — Mon réseau mobile (couverture 4G)")
    CAF_RSA = "caf_rsa", _("CAF — foyers allocataires du RSA")
    CAF_AAH = "caf_aah", _("CAF — allocataires de l'AAH")
    IGN = "ign_outlines", _("IGN — contours des communes (surface)")
    MEDNUM = "mednum_ifn", _("La MedNum — Indice de fragilité numérique")


class IndicatorImport(models.Model):
    """One imported file: re-importing the same bytes (same SHA-256) changes nothing."""

    source = models.CharField(_("source"), max_length=30, choices=IndicatorSource.choices)
    vintage = models.CharField(_("millésime"), max_length=40)
    filename = models.CharField(_("fichier"), max_length=255, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("lignes lues"), default=0)
    communes = models.PositiveIntegerField(_("communes renseignées"), default=0)
    report = models.JSONField(_("rapport"), default=dict, blank=True)
    imported_at = models.DateTimeField(_("importé le"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("importé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import d'indicateurs")
        verbose_name_plural = _("imports d'indicateurs")
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="indicator_import_unique_source_sha256")
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.vintage}"


class CommuneIndicator(models.Model):
    """One raw figure of one commune (a count, a rate or a share), with where it comes from."""

    commune = models.ForeignKey(
        "territories.Territory", verbose_name=_("commune"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("indicateur"), max_length=40)
    value = models.FloatField(_("valeur"), null=True, blank=True)
    is_secret = models.BooleanField(
        _("non diffusé (secret statistique)"),
        default=False,
        help_text=_(
            "La source ne publie pas cette valeur pour cette commune : elle est affichée comme manquante."
        ),
    )
    source = models.CharField(_("source"), max_length=30, choices=IndicatorSource.choices)
    vintage = models.CharField(_("millésime"), max_length=40)
    dataset = models.ForeignKey(
        IndicatorImport,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("indicateur communal")
        verbose_name_plural = _("indicateurs communaux")
        constraints = [
            models.UniqueConstraint(fields=["commune", "key"], name="commune_indicator_unique_commune_key")
        ]
        indexes = [models.Index(fields=["key"], name="commune_indicator_key")]

    def __str__(self) -> str:
        return f"{self.commune_id} {self.key}={self.value}"


class CommuneShape(models.Model):
    """The simplified outline and area of a commune (IGN, vendored file), for maps and densities."""

    commune = models.OneToOneField(
        "territories.Territory", verbose_name=_("commune"), on_delete=models.CASCADE, related_name="+"
    )
    area_km2 = models.FloatField(_("surface (km²)"))
    outline = models.JSONField(_("contour"), default=list)
    vintage = models.CharField(_("millésime"), max_length=40)

    class Meta:
        verbose_name = _("contour de commune")
        verbose_name_plural = _("contours des communes")

    def __str__(self) -> str:
        return f"{self.commune_id} ({self.area_km2} km²)"


class FragilityMethod(models.TextChoices):
    IFN = "ifn", _("Indice de fragilité numérique (calculé, compatible IFN)")
    MEDNUM = "mednum", _("Indice de fragilité numérique (La MedNum, référence)")
    COMPAS = "compas", _("Indice de rupture inspiré de Compas (approximation)")


class FragilityScore(models.Model):
    """A fragility index of a territory (commune, EPCI, département) by one method."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(_("méthode"), max_length=10, choices=FragilityMethod.choices)
    scores = models.JSONField(_("sous-indices"), default=dict)
    total = models.FloatField(_("indice"), null=True, blank=True)
    available = models.PositiveSmallIntegerField(_("sous-indices disponibles"), default=0)
    vintage = models.CharField(_("millésime"), max_length=80)
    computed_at = models.DateTimeField(_("calculé le"), auto_now=True)

    class Meta:
        verbose_name = _("indice de fragilité")
        verbose_name_plural = _("indices de fragilité")
        constraints = [
            models.UniqueConstraint(fields=["territory", "method"], name="fragility_unique_territory_method")
        ]
        indexes = [models.Index(fields=["method", "territory"], name="fragility_method_territory")]

    def __str__(self) -> str:
        return f"{self.territory_id} {self.method} {self.total}"


class CommuneAccess(models.Model):
    """Distance from a commune's point to the nearest place of each kind, and places counted in it."""

    commune = models.OneToOneField(
        "territories.Territory", verbose_name=_("commune"), on_delete=models.CASCADE, related_name="+"
    )
    distance_any = models.FloatField(_("distance au lieu le plus proche (km)"), null=True, blank=True)
    distance_mediation = models.FloatField(_("distance à la médiation numérique (km)"), null=True, blank=True)
    distance_france_services = models.FloatField(_("distance à France Services (km)"), null=True, blank=True)
    distance_aidants_connect = models.FloatField(_("distance à Aidants Connect (km)"), null=True, blank=True)
    distance_digital_advisers = models.FloatField(
        _("distance aux conseillers numériques (km)"), null=True, blank=True
    )
    places = models.JSONField(_("lieux dans la commune, par type"), default=dict)
    computed_at = models.DateTimeField(_("calculé le"))

    class Meta:
        verbose_name = _("accès aux lieux d'une commune")
        verbose_name_plural = _("accès aux lieux des communes")

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.distance_any} km"


class ItinerantStop(models.Model):
    """A commune where an itinerant place (bus, permanence tournante) stops: it counts there too."""

    place = models.ForeignKey(
        "places.Place", verbose_name=_("lieu itinérant"), on_delete=models.CASCADE, related_name="+"
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune desservie"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    schedule = models.CharField(_("passage"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("arrêt d'un lieu itinérant")
        verbose_name_plural = _("arrêts des lieux itinérants")
        constraints = [models.UniqueConstraint(fields=["place", "commune"], name="itinerant_stop_unique")]

    def __str__(self) -> str:
        return f"{self.place_id} → {self.commune_id}"


class ObservatorySettings(models.Model):
    """Per territory: whether its observatory is published (without any personal data)."""

    territory = models.OneToOneField(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.CASCADE, related_name="+"
    )
    is_public = models.BooleanField(_("observatoire public"), default=False)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("réglage de l'observatoire")
        verbose_name_plural = _("réglages de l'observatoire")

    def __str__(self) -> str:
        return f"{self.territory_id} public={self.is_public}"
