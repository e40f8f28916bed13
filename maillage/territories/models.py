"""Administrative territories: régions, départements, EPCI and communes in one table.

One table keeps foreign keys simple (a membership, a roadmap or a statistic points at "a territory",
whatever its level) while each commune also carries direct links to its EPCI, département and région so
that "every commune of this territory" is one indexed query.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TerritoryKind(models.TextChoices):
    REGION = "region", _("région")
    DEPARTMENT = "department", _("département")
    EPCI = "epci", _("EPCI")
    COMMUNE = "commune", _("commune")


class TerritoryQuerySet(models.QuerySet["Territory"]):
    def communes(self) -> TerritoryQuerySet:
        return self.filter(kind=TerritoryKind.COMMUNE)

    def epcis(self) -> TerritoryQuerySet:
        return self.filter(kind=TerritoryKind.EPCI)

    def departments(self) -> TerritoryQuerySet:
        return self.filter(kind=TerritoryKind.DEPARTMENT)

    def regions(self) -> TerritoryQuerySet:
        return self.filter(kind=TerritoryKind.REGION)

    def communes_of(self, territories: list[Territory] | TerritoryQuerySet) -> TerritoryQuerySet:
        """Communes contained in any of ``territories`` (of any level)."""
        return self.communes().filter(Territory.communes_q(territories))


class Territory(models.Model):
    kind = models.CharField(_("niveau"), max_length=12, choices=TerritoryKind.choices, db_index=True)
    code = models.CharField(
        _("code"), max_length=12, help_text=_("Code INSEE (commune, département, région) ou SIREN (EPCI).")
    )
    name = models.CharField(_("nom"), max_length=200)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    postcodes = models.JSONField(_("codes postaux"), default=list, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    region = models.ForeignKey(
        "self", verbose_name=_("région"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "self",
        verbose_name=_("département"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    epci = models.ForeignKey(
        "self", verbose_name=_("EPCI"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    search_name = models.CharField(_("nom normalisé"), max_length=200, db_index=True, blank=True)
    vintage = models.CharField(_("millésime"), max_length=40, blank=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("territoire")
        verbose_name_plural = _("territoires")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="territory_unique_kind_code")]
        indexes = [models.Index(fields=["kind", "department"], name="territory_kind_department")]

    def __str__(self) -> str:
        if self.kind == TerritoryKind.COMMUNE:
            return f"{self.name} ({self.code})"
        if self.kind == TerritoryKind.DEPARTMENT:
            return f"{self.name} ({self.code})"
        return self.name

    @staticmethod
    def communes_q(territories: list[Territory] | TerritoryQuerySet, prefix: str = "") -> Q:
        """A Q object matching communes (or rows whose ``prefix`` points at a commune) inside territories."""
        q = Q(pk__in=[])
        by_kind: dict[str, list[int]] = {}
        for territory in territories:
            by_kind.setdefault(territory.kind, []).append(territory.pk)
        field = {
            TerritoryKind.COMMUNE: "pk",
            TerritoryKind.EPCI: "epci_id",
            TerritoryKind.DEPARTMENT: "department_id",
            TerritoryKind.REGION: "region_id",
        }
        for kind, ids in by_kind.items():
            q |= Q(**{f"{prefix}{field[TerritoryKind(kind)]}__in": ids})
        return q

    def contains(self, commune: Territory | None) -> bool:
        if commune is None:
            return False
        if self.kind == TerritoryKind.COMMUNE:
            return commune.pk == self.pk
        return {
            TerritoryKind.EPCI: commune.epci_id,
            TerritoryKind.DEPARTMENT: commune.department_id,
            TerritoryKind.REGION: commune.region_id,
        }[TerritoryKind(self.kind)] == self.pk


class TerritoryDataVintage(models.Model):
    """Which reference data was loaded, when: ``load-territories`` is idempotent on it."""

    source = models.CharField(_("source"), max_length=200)
    vintage = models.CharField(_("millésime"), max_length=40)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    scope = models.CharField(
        _("départements chargés"),
        max_length=400,
        blank=True,
        default="",
        help_text=_("Codes des départements chargés, séparés par des virgules ; vide : toute la France."),
    )
    loaded_at = models.DateTimeField(_("chargé le"), auto_now_add=True)
    counts = models.JSONField(_("effectifs"), default=dict)

    class Meta:
        verbose_name = _("millésime des données territoriales")
        verbose_name_plural = _("millésimes des données territoriales")
        constraints = [
            models.UniqueConstraint(fields=["sha256", "scope"], name="territory_vintage_unique_sha256_scope")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.vintage}"
