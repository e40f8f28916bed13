"""Funding watch and financial engineering: opportunities, applications for a roadmap action (with
their payments and documents), and the State's declining funding of conseillers numériques posts.

Unknown is not a default: every amount is null until someone types it."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel

POSITIVE = [MinValueValidator(Decimal("0"))]


class Programme(models.TextChoices):
    FNE = "fne", _("France Numérique Ensemble (FNE)")
    CNFS = "cnfs", _("Conseillers numériques (CNFS)")
    FSE_PLUS = "fse_plus", _("FSE+ (Fonds social européen)")
    FEDER = "feder", _("FEDER (Fonds européen de développement régional)")
    FOUNDATION = "fondation", _("Fondation")
    DETR = "detr", _("DETR")
    DSIL = "dsil", _("DSIL")
    BANK = "banque_territoires", _("Banque des Territoires")
    REGION = "region", _("Région")
    DEPARTMENT = "departement", _("Département")
    SOCIAL = (
        "protection_sociale",
        _("Organismes de protection sociale (CAF, CARSAT, conférence des financeurs…)"),
    )
    OTHER = "autre", _("Autre")


class ApplicationStatus(models.TextChoices):
    PREPARING = "preparation", _("En préparation")
    SUBMITTED = "deposee", _("Déposée")
    GRANTED = "accordee", _("Accordée")
    REFUSED = "refusee", _("Refusée")
    PAYING = "versements", _("Versée en plusieurs fois")


#: statuses whose granted amount is a planned revenue of the action
GRANTED_STATUSES = (ApplicationStatus.GRANTED, ApplicationStatus.PAYING)
#: statuses counted as « dossiers déposés »
SUBMITTED_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.GRANTED,
    ApplicationStatus.REFUSED,
    ApplicationStatus.PAYING,
)


class DocumentKind(models.TextChoices):
    DOSSIER = "dossier", _("Dossier de demande")
    CONVENTION = "convention", _("Convention / arrêté d'attribution")
    PAYMENT_REQUEST = "demande_versement", _("Demande de versement")
    REPORT = "compte_rendu", _("Compte rendu / bilan")
    OTHER = "autre", _("Autre pièce")


class PostKind(models.TextChoices):
    ADVISOR = "conseiller", _("Conseiller numérique")
    COORDINATOR = "coordinateur", _("Coordinateur de conseillers numériques")


class Opportunity(TimestampedModel):
    """A funding opportunity spotted by the watch and shared with the territory's porteurs."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("intitulé"), max_length=300)
    funder = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("financeur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    eligible_actions = models.TextField(_("actions éligibles"), blank=True)
    rate = models.DecimalField(
        _("taux d'intervention (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    ceiling = models.DecimalField(
        _("plafond (€)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    opens_on = models.DateField(_("ouverture"), null=True, blank=True)
    deadline = models.DateField(_("date limite de dépôt"), null=True, blank=True)
    documents_required = models.TextField(_("pièces à fournir"), blank=True)
    url = models.URLField(_("adresse de l'appel"), max_length=500, blank=True)
    description = models.TextField(_("précisions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("opportunité de financement")
        verbose_name_plural = _("opportunités de financement")
        ordering = ["deadline", "title", "pk"]
        indexes = [models.Index(fields=["territory", "deadline"], name="funding_opp_territory_deadline")]

    def __str__(self) -> str:
        return self.title


class Application(TimestampedModel):
    """A funding application for a roadmap action. Granted, it feeds one revenue budget line of the
    action (planned = granted amount, spent = payments received), written by ``services`` only."""

    action = models.ForeignKey(
        "roadmaps.Action", verbose_name=_("action"), on_delete=models.PROTECT, related_name="+"
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    title = models.CharField(_("intitulé du dossier"), max_length=300)
    funder = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("financeur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    programme = models.CharField(_("programme"), max_length=20, choices=Programme.choices)
    reference = models.CharField(_("référence du dossier"), max_length=120, blank=True)
    year = models.PositiveSmallIntegerField(
        _("année budgétaire"),
        null=True,
        blank=True,
        help_text=_("Année de la ligne budgétaire de l'action ; vide : toutes années."),
    )
    total_cost = models.DecimalField(
        _("coût total du projet (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=POSITIVE,
    )
    amount_requested = models.DecimalField(
        _("montant demandé (€)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    cofunding_plan = models.TextField(
        _("plan de cofinancement"),
        blank=True,
        help_text=_("Autres financeurs et montants, autofinancement."),
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.PREPARING
    )
    submitted_on = models.DateField(_("déposé le"), null=True, blank=True)
    decided_on = models.DateField(_("décision le"), null=True, blank=True)
    granted_amount = models.DecimalField(
        _("montant accordé (€)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    over_request_confirmed = models.BooleanField(
        _("montant accordé supérieur à la demande confirmé"), default=False
    )
    notes = models.TextField(_("notes"), blank=True)
    budget_line = models.OneToOneField(
        "roadmaps.BudgetLine",
        verbose_name=_("ligne budgétaire"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("dossier de financement")
        verbose_name_plural = _("dossiers de financement")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(granted_amount__isnull=True)
                | models.Q(amount_requested__isnull=True)
                | models.Q(granted_amount__lte=models.F("amount_requested"))
                | models.Q(over_request_confirmed=True),
                name="funding_granted_within_request",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_granted(self) -> bool:
        return self.status in GRANTED_STATUSES


class Instalment(models.Model):
    """A payment received on a granted application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="instalments")
    received_on = models.DateField(_("reçu le"))
    amount = models.DecimalField(
        _("montant reçu (€)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    note = models.CharField(_("précision"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("versement")
        verbose_name_plural = _("versements")
        ordering = ["application", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="funding_instalment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} € — {self.received_on:%d/%m/%Y}"


def _document_path(instance: ApplicationDocument, filename: str) -> str:
    return f"funding/dossiers/{instance.application_id}/{filename}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("nature"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("intitulé"), max_length=200, blank=True)
    file = models.FileField(_("fichier"), upload_to=_document_path, max_length=300)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pièce du dossier")
        verbose_name_plural = _("pièces du dossier")
        ordering = ["application", "kind", "pk"]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def filename(self) -> str:
        return (self.file.name or "").rsplit("/", 1)[-1]


class AdvisorPost(TimestampedModel):
    """A conseiller numérique (or coordinator) post, its employer and its start; its State funding by
    year is the schedule declared in ``PostYear`` rows (typed from the employer's convention)."""

    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    employer = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure employeuse"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(_("poste"), max_length=200)
    kind = models.CharField(
        _("nature du poste"), max_length=14, choices=PostKind.choices, default=PostKind.ADVISOR
    )
    start_date = models.DateField(_("début du poste"), null=True, blank=True)
    state_funding_ends = models.DateField(_("fin du financement de l'État"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Convention, arrêté, document où figurent les montants."),
    )

    class Meta:
        verbose_name = _("poste de conseiller numérique")
        verbose_name_plural = _("postes de conseillers numériques")
        ordering = ["territory", "employer__name", "label", "pk"]

    def __str__(self) -> str:
        return f"{self.label} — {self.employer}"


class PostYear(models.Model):
    """One year of a post's funding: the State's share, the post's cost and other funding secured."""

    post = models.ForeignKey(AdvisorPost, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(
        _("année"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    state_amount = models.DecimalField(
        _("financement de l'État (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=POSITIVE,
    )
    cost = models.DecimalField(
        _("coût du poste (€)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=POSITIVE
    )
    other_funding = models.DecimalField(
        _("autres financements obtenus (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=POSITIVE,
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("année de financement")
        verbose_name_plural = _("années de financement")
        ordering = ["post", "year"]
        constraints = [models.UniqueConstraint(fields=["post", "year"], name="funding_post_year_unique")]

    def __str__(self) -> str:
        return f"{self.post} — {self.year}"

    @property
    def state_share(self) -> Decimal | None:
        """The State's share of the cost in percent; unknown unless both are typed."""
        if self.state_amount is None or not self.cost:
            return None
        return (self.state_amount / self.cost * 100).quantize(Decimal("0.1"))

    @property
    def gap(self) -> Decimal | None:
        """What is left to find: cost − State − other funding; unknown unless cost and State are typed
        (other funding left blank is shown as not declared, the gap is then « avant autres financements »)."""
        if self.state_amount is None or self.cost is None:
            return None
        return self.cost - self.state_amount - (self.other_funding or Decimal(0))


class DeadlineReminder(models.Model):
    """One e-mail reminder of an opportunity's deadline to one person (sent once: the digest is idempotent)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rappel de date limite")
        verbose_name_plural = _("rappels de date limite")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "recipient"], name="funding_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.opportunity} — {self.recipient_id}"
