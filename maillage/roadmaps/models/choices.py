"""Choice lists of the roadmaps bounded context (French labels, English values)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoadmapStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    ADOPTED = "adopted", _("Adoptée")
    CLOSED = "closed", _("Clôturée")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("À lancer")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisée")
    SUSPENDED = "suspended", _("Suspendue")
    ABANDONED = "abandoned", _("Abandonnée")


class Priority(models.TextChoices):
    HIGH = "high", _("Haute")
    NORMAL = "normal", _("Normale")
    LOW = "low", _("Basse")


class Maturity(models.TextChoices):
    IDEA = "idea", _("Idée / à préciser")
    DESIGNED = "designed", _("Conçue, porteur identifié")
    FUNDED = "funded", _("Financée")
    RUNNING = "running", _("En œuvre")
    ONGOING = "ongoing", _("Pérennisée")


class BudgetNature(models.TextChoices):
    STAFF = "rh", _("Ressources humaines")
    INVESTMENT = "investissement", _("Investissement")
    OPERATING = "fonctionnement", _("Fonctionnement")
    SERVICE = "prestation", _("Prestation")
    INCOME = "produit", _("Produit / cofinancement")
    IN_KIND = "valorisation", _("Valorisation / mise à disposition")


class BudgetUnit(models.TextChoices):
    FTE = "etp", _("ETP")
    EUR = "eur", _("€")


class IndicatorKind(models.TextChoices):
    QUANTITATIVE = "quantitatif", _("Quantitatif")
    QUALITATIVE = "qualitatif", _("Qualitatif")
    DELIVERABLE = "livrable", _("Livrable")


class Frequency(models.TextChoices):
    MONTHLY = "mensuelle", _("Mensuelle")
    QUARTERLY = "trimestrielle", _("Trimestrielle")
    HALF_YEARLY = "semestrielle", _("Semestrielle")
    YEARLY = "annuelle", _("Annuelle")
    ONCE = "ponctuelle", _("Ponctuelle")


class BodyKind(models.TextChoices):
    COPIL = "copil", _("Comité de pilotage (COPIL)")
    COTECH = "cotech", _("Comité technique (COTECH)")
    WORKING_GROUP = "groupe_de_travail", _("Groupe de travail")
    COLLEGE = "college", _("Collège")
    DELIBERATIVE = "assemblee", _("Assemblée délibérante")
    OTHER = "autre", _("Autre instance")


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Présent·e")
    EXCUSED = "excuse", _("Excusé·e")
    ABSENT = "absent", _("Absent·e")
