"""Roadmap → axes → (objectives) → actions, with steps, milestones, budget lines and amendments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.core.models import TimestampedModel
from maillage.roadmaps.models.choices import (
    TERMS,
    ActionStatus,
    BudgetNature,
    BudgetUnit,
    CarrierRole,
    Maturity,
    Priority,
    RoadmapStatus,
    Term,
)


class Roadmap(TimestampedModel):
    """A territory's « feuille de route » for a period, carried by an organisation."""

    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    title = models.CharField(_("titre"), max_length=250)
    territory = models.ForeignKey(
        "territories.Territory", verbose_name=_("territoire"), on_delete=models.PROTECT, related_name="+"
    )
    carrier = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure porteuse"),
        on_delete=models.PROTECT,
        related_name="carried_roadmaps",
    )
    start_year = models.PositiveSmallIntegerField(_("année de début"))
    end_year = models.PositiveSmallIntegerField(_("année de fin"))
    status = models.CharField(
        _("statut"), max_length=12, choices=RoadmapStatus.choices, default=RoadmapStatus.ADOPTED
    )
    adopted_on = models.DateField(_("adoptée le"), null=True, blank=True)
    summary = models.TextField(_("résumé"), blank=True)
    fne = models.BooleanField(_("feuille de route France Numérique Ensemble"), default=True)
    source = models.CharField(_("source"), max_length=250, blank=True)
    submitted_on = models.DateField(_("soumise le"), null=True, blank=True)
    action_term = models.CharField(
        _("nom des actions dans le document"), max_length=12, choices=Term.choices, default=Term.ACTION
    )
    sub_action_term = models.CharField(
        _("nom des sous-actions dans le document"),
        max_length=12,
        choices=Term.choices,
        default=Term.SUB_ACTION,
    )
    diagnostic = models.TextField(_("synthèse du diagnostic"), blank=True)
    co_carriers = models.ManyToManyField(
        "accounts.Organisation",
        through="RoadmapCarrier",
        verbose_name=_("structures porteuses associées"),
        related_name="co_carried_roadmaps",
        blank=True,
    )

    class Meta:
        verbose_name = _("feuille de route")
        verbose_name_plural = _("feuilles de route")
        ordering = ["-start_year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")), name="roadmap_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        if self.start_year == self.end_year:
            return str(self.start_year)
        return f"{self.start_year}-{self.end_year}"

    @property
    def terms(self) -> dict[str, str]:
        """The document's words: ``action``/``actions`` and ``sub_action``/``sub_actions``."""
        one, many = TERMS.get(self.action_term, TERMS["action"])
        sub_one, sub_many = TERMS.get(self.sub_action_term, TERMS["sous_action"])
        return {
            "action": str(one),
            "actions": str(many),
            "sub_action": str(sub_one),
            "sub_actions": str(sub_many),
        }


class RoadmapCarrier(models.Model):
    """An organisation carrying the roadmap besides (or with) the main carrier, with its role."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="carriers")
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("structure"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("rôle"), max_length=12, choices=CarrierRole.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("structure porteuse")
        verbose_name_plural = _("structures porteuses")
        ordering = ["roadmap", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "organisation"], name="roadmap_carrier_unique")
        ]

    def __str__(self) -> str:
        role = self.get_role_display()
        return f"{self.organisation} ({role})" if role else str(self.organisation)


class RoadmapVersion(TimestampedModel):
    """Adoption (version 1) and each later amendment, with the decision that made it."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("numéro"))
    decided_by = models.CharField(_("instance qui a décidé"), max_length=250)
    decided_on = models.DateField(_("date de la décision"))
    reference = models.CharField(_("référence (délibération…)"), max_length=250, blank=True)
    changes = models.TextField(_("ce qui change"), blank=True)
    prior_opinion = models.CharField(_("avis préalable"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("version / avenant")
        verbose_name_plural = _("versions et avenants")
        ordering = ["roadmap", "number"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="roadmap_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.roadmap} — v{self.number}"


class Axis(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="axes")
    number = models.PositiveSmallIntegerField(_("numéro"))
    title = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("axe")
        verbose_name_plural = _("axes")
        ordering = ["roadmap", "number"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "number"], name="axis_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Objective(models.Model):
    """Optional level between an axis and its actions (e.g. Lot « 2.1 Mettre en œuvre… »)."""

    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="objectives")
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("intitulé"), max_length=300)

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["axis", "code"]
        constraints = [models.UniqueConstraint(fields=["axis", "code"], name="objective_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Action(TimestampedModel):
    """A « fiche action » (or engagement, mesure…), or a sub-action of one when ``parent`` is set.

    Unknown is not a default: status, priority, maturity and progress are null until someone says."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="actions")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("action parente"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sub_actions",
    )
    code = models.CharField(
        _("numéro dans le document"),
        max_length=20,
        blank=True,
        help_text=_("Tel que le document le nomme (« 1.2 », « 3-b ») ; vide : le numéro."),
    )
    axis = models.ForeignKey(Axis, verbose_name=_("axe"), on_delete=models.CASCADE, related_name="actions")
    objective = models.ForeignKey(
        Objective,
        verbose_name=_("objectif"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    number = models.PositiveSmallIntegerField(_("numéro"))
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)
    title = models.CharField(_("intitulé"), max_length=400)
    context = models.TextField(_("contexte et enjeux"), blank=True)
    description = models.TextField(_("description"), blank=True)
    goals = models.JSONField(_("objectifs opérationnels"), default=list, blank=True)
    target_publics = models.JSONField(_("publics cibles"), default=list, blank=True)
    beneficiaries = models.JSONField(_("bénéficiaires"), default=list, blank=True)
    lead_organisations = models.ManyToManyField(
        "accounts.Organisation",
        through="ActionLead",
        verbose_name=_("porteurs"),
        related_name="led_actions",
        blank=True,
    )
    partners = models.ManyToManyField(
        "accounts.Organisation", verbose_name=_("partenaires"), related_name="partner_actions", blank=True
    )
    calendar = models.CharField(_("calendrier"), max_length=300, blank=True)
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    existing_resources = models.JSONField(_("ressources existantes"), default=list, blank=True)
    obstacles = models.JSONField(_("freins / points de vigilance"), default=list, blank=True)
    levers = models.JSONField(_("leviers"), default=list, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=ActionStatus.choices, null=True, blank=True, default=None
    )
    priority = models.CharField(
        _("priorité"), max_length=8, choices=Priority.choices, null=True, blank=True, default=None
    )
    maturity = models.CharField(
        _("maturité"), max_length=10, choices=Maturity.choices, null=True, blank=True, default=None
    )
    started_before = models.BooleanField(
        _("déjà engagée avant la feuille de route"),
        default=False,
        help_text=_("L'action existait et se poursuit dans la feuille de route."),
    )
    fne = models.BooleanField(_("action France Numérique Ensemble"), default=True)
    fne_axes = models.JSONField(
        _("axes de France Numérique Ensemble"), default=list, blank=True, help_text=_("Numéros 1 à 4.")
    )
    target_territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name=_("territoires ciblés (EPCI, communes)"),
        related_name="+",
        blank=True,
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), null=True, blank=True, default=None)
    progress_note = models.TextField(_("point d'avancement"), blank=True)
    last_update_at = models.DateTimeField(_("dernière mise à jour par le porteur"), null=True, blank=True)
    introduced_by = models.ForeignKey(
        RoadmapVersion,
        verbose_name=_("introduite par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="introduced_actions",
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["roadmap", "position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "number"], name="action_unique_number"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="action_progress_percent"),
        ]
        indexes = [models.Index(fields=["roadmap", "last_update_at"], name="action_roadmap_update")]

    def __str__(self) -> str:
        return f"{self.label}. {self.title}"

    @property
    def label(self) -> str:
        """The number as the document names it."""
        return self.code or str(self.number)


class ActionLead(models.Model):
    """An organisation leading an action, with its role (co-porteur, pilote, animateur…)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="leads")
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("structure"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("rôle"), max_length=12, choices=CarrierRole.choices, blank=True)

    class Meta:
        db_table = "roadmaps_action_lead_organisations"
        verbose_name = _("porteur de l'action")
        verbose_name_plural = _("porteurs de l'action")
        ordering = ["action", "pk"]
        unique_together = [("action", "organisation")]

    def __str__(self) -> str:
        role = self.get_role_display()
        return f"{self.organisation} ({role})" if role else str(self.organisation)


class Step(models.Model):
    """An ordered key step (« étape clé »)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("ordre"))
    title = models.CharField(_("étape"), max_length=500)
    done = models.BooleanField(_("réalisée"), default=False)

    class Meta:
        verbose_name = _("étape clé")
        verbose_name_plural = _("étapes clés")
        ordering = ["action", "position"]
        constraints = [models.UniqueConstraint(fields=["action", "position"], name="step_unique_position")]

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("jalon"), max_length=300)
    due_on = models.DateField(_("échéance"))
    done_on = models.DateField(_("atteint le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jalon")
        verbose_name_plural = _("jalons")
        ordering = ["action", "due_on", "pk"]
        indexes = [models.Index(fields=["due_on"], name="milestone_due_on")]

    def __str__(self) -> str:
        return self.title


class BudgetLine(models.Model):
    """Planned and spent resources of an action: FTE or euros, optionally per year and per funder."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="budget_lines")
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    nature = models.CharField(_("nature"), max_length=16, choices=BudgetNature.choices)
    unit = models.CharField(_("unité"), max_length=3, choices=BudgetUnit.choices, default=BudgetUnit.EUR)
    label = models.CharField(_("libellé"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    planned = models.DecimalField(_("prévu"), max_digits=12, decimal_places=2, null=True, blank=True)
    spent = models.DecimalField(_("réalisé"), max_digits=12, decimal_places=2, null=True, blank=True)
    funder = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("financeur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funded_budget_lines",
    )

    class Meta:
        verbose_name = _("ligne budgétaire")
        verbose_name_plural = _("lignes budgétaires")
        ordering = ["action", "position", "pk"]

    def __str__(self) -> str:
        return self.label or self.get_nature_display()


class ActionUpdate(models.Model):
    """History of the leads' updates: progress note, status and progress at that time."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    status = models.CharField(_("statut"), max_length=12, choices=ActionStatus.choices, null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), null=True, blank=True)
    note = models.TextField(_("point d'avancement"), blank=True)

    class Meta:
        verbose_name = _("mise à jour d'action")
        verbose_name_plural = _("mises à jour d'action")
        ordering = ["action", "-created_at"]

    def __str__(self) -> str:
        return f"{self.action} — {self.created_at:%d/%m/%Y}"
