"""Training of aidants: the catalogue of modules, the aidants of a territory, the modules each has done
(from attendance « présent » at a training session, or typed), the needs declared by structures, the
Aidants Connect habilitations and the roadmap's target.

An aidant is a professional of the territory (conseiller France Services, travailleur social, secrétaire
de mairie…), not a person accompanied: only name, structure and a work e-mail are kept.
Unknown is not zero: a target, a number of people to train or a date may be left « non renseigné ».
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel


class Module(models.Model):
    """A module of the training catalogue (shared by every territory, seeded by a migration)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration_hours = models.DecimalField(
        _("durée (heures)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    is_aidants_connect = models.BooleanField(_("formation requise pour Aidants Connect"), default=False)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("module de formation")
        verbose_name_plural = _("modules de formation")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class StructureKind(models.TextChoices):
    FRANCE_SERVICES = "france_services", _("France Services")
    MAIRIE = "mairie", _("Mairie (secrétariat)")
    SOCIAL = "social", _("Action sociale (CCAS, CIAS, département)")
    MEDIATION = "mediation", _("Lieu de médiation numérique")
    LIBRARY = "library", _("Médiathèque, bibliothèque")
    ASSOCIATION = "association", _("Association")
    EMPLOYMENT = "employment", _("Emploi et insertion")
    OTHER = "other", _("Autre")


class Aidant(TimestampedModel):
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte Maillage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("e-mail professionnel"), blank=True)
    email_normalised = models.CharField(max_length=254, blank=True, editable=False, db_index=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+"
    )
    structure_kind = models.CharField(
        _("type de structure"), max_length=20, choices=StructureKind.choices, default=StructureKind.OTHER
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("commune d'exercice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "commune"},
    )
    epci = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("EPCI"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    is_active = models.BooleanField(_("en poste"), default=True)

    class Meta:
        verbose_name = _("aidant")
        verbose_name_plural = _("aidants")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "email_normalised"],
                condition=~Q(email_normalised=""),
                name="training_aidant_unique_email",
            ),
            models.UniqueConstraint(
                fields=["territory", "user"],
                condition=Q(user__isnull=False),
                name="training_aidant_unique_user",
            ),
        ]
        indexes = [models.Index(fields=["territory", "last_name", "first_name"], name="training_aidant_name")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.email_normalised = normalise_email(self.email)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


class RecordSource(models.TextChoices):
    ATTENDANCE = "attendance", _("Présence à une session")
    MANUAL = "manual", _("Saisie")
    IMPORT = "import", _("Import")


class TrainingRecord(TimestampedModel):
    """A module done by an aidant."""

    aidant = models.ForeignKey(
        Aidant, verbose_name=_("aidant"), on_delete=models.CASCADE, related_name="records"
    )
    module = models.ForeignKey(Module, verbose_name=_("module"), on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField(_("suivi le"))
    source = models.CharField(_("origine"), max_length=20, choices=RecordSource.choices)
    session = models.ForeignKey(
        "events.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("précision (organisme, lieu)"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("module suivi")
        verbose_name_plural = _("modules suivis")
        ordering = ["-completed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["aidant", "session"], condition=Q(session__isnull=False), name="training_record_once"
            ),
        ]
        indexes = [models.Index(fields=["module", "completed_on"], name="training_record_module")]


class HabilitationStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandée")
    GRANTED = "granted", _("Accordée")
    EXPIRED = "expired", _("Expirée")


class Habilitation(TimestampedModel):
    """An Aidants Connect habilitation: one aidant for one structure."""

    aidant = models.ForeignKey(
        Aidant, verbose_name=_("aidant"), on_delete=models.CASCADE, related_name="habilitations"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("statut"), max_length=20, choices=HabilitationStatus.choices)
    training_done_on = models.DateField(_("formation Aidants Connect suivie le"), null=True, blank=True)
    requested_on = models.DateField(_("demandée le"), null=True, blank=True)
    granted_on = models.DateField(_("accordée le"), null=True, blank=True)
    renewal_on = models.DateField(_("à renouveler le"), null=True, blank=True)

    class Meta:
        verbose_name = _("habilitation Aidants Connect")
        verbose_name_plural = _("habilitations Aidants Connect")
        ordering = ["renewal_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["aidant", "organisation"], name="training_habilitation_unique"),
        ]


class TrainingFormat(models.TextChoices):
    ONSITE = "onsite", _("En présentiel")
    REMOTE = "remote", _("À distance")
    EITHER = "either", _("Indifférent")


class TrainingNeed(TimestampedModel):
    """The training-needs diagnostic answered by a structure."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+"
    )
    modules = models.ManyToManyField(Module, verbose_name=_("modules souhaités"), related_name="+")
    people_count = models.PositiveIntegerField(_("nombre de personnes à former"), null=True, blank=True)
    preferred_format = models.CharField(
        _("format souhaité"), max_length=10, choices=TrainingFormat.choices, default=TrainingFormat.EITHER
    )
    comment = models.TextField(_("précisions"), max_length=2000, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("besoin de formation")
        verbose_name_plural = _("besoins de formation")
        ordering = ["-created_at", "pk"]


class TrainingTarget(TimestampedModel):
    """The roadmap's target, e.g. « 60 aidants formés » between two years."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField(_("intitulé"), max_length=200)
    count = models.PositiveIntegerField(_("nombre d'aidants visé"))
    start_year = models.PositiveSmallIntegerField(_("de l'année"))
    end_year = models.PositiveSmallIntegerField(_("à l'année"))
    module = models.ForeignKey(
        Module,
        verbose_name=_("module (vide : tout module)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("objectif de formation")
        verbose_name_plural = _("objectifs de formation")
        ordering = ["start_year", "pk"]
