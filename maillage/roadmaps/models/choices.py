"""Choice lists of the roadmaps bounded context (French labels, English values)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoadmapStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    SUBMITTED = "submitted", _("Soumise à adoption")
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


class CarrierRole(models.TextChoices):
    """Role of an organisation carrying a roadmap or leading an action (blank: not said)."""

    CARRIER = "porteur", _("Porteur")
    CO_CARRIER = "co_porteur", _("Co-porteur")
    PILOT = "pilote", _("Pilote")
    CO_PILOT = "copilote", _("Copilote")
    FACILITATOR = "animateur", _("Animateur")


# The document's own words for its units: singular and plural
TERMS: dict[str, tuple[Any, Any]] = {
    "action": (_("action"), _("actions")),
    "fiche": (_("fiche action"), _("fiches action")),
    "engagement": (_("engagement"), _("engagements")),
    "mesure": (_("mesure"), _("mesures")),
    "chantier": (_("chantier"), _("chantiers")),
    "sous_action": (_("sous-action"), _("sous-actions")),
}


class Term(models.TextChoices):
    ACTION = "action", _("action")
    SHEET = "fiche", _("fiche action")
    COMMITMENT = "engagement", _("engagement")
    MEASURE = "mesure", _("mesure")
    WORKSTREAM = "chantier", _("chantier")
    SUB_ACTION = "sous_action", _("sous-action")


class FneAxis(models.IntegerChoices):
    """The four axes of the national « France Numérique Ensemble » roadmap (2023-2027)."""

    TERRITORIES = 1, _("Axe 1 — Territorialiser la politique d'inclusion numérique")
    TOOLS = 2, _("Axe 2 — Outiller les médiateurs numériques")
    PROFESSION = 3, _("Axe 3 — Structurer la filière professionnelle")
    DATA = 4, _("Axe 4 — Partager des données pour piloter")


class NationalTarget(models.TextChoices):
    """National 2027 targets of France Numérique Ensemble an indicator can contribute to."""

    PEOPLE = "personnes_accompagnees", _("8 millions de personnes accompagnées")
    PLACES = "lieux", _("25 000 lieux d'inclusion numérique")
    AIDANTS = "aidants", _("20 000 aidants numériques formés")
    DEVICES = "equipements", _("2 millions d'équipements reconditionnés")


NATIONAL_TARGET_VALUES = {
    "personnes_accompagnees": 8_000_000,
    "lieux": 25_000,
    "aidants": 20_000,
    "equipements": 2_000_000,
}


class KeyFigureSection(models.TextChoices):
    DIAGNOSTIC = "diagnostic", _("Diagnostic")
    PREVIOUS = "bilan_precedent", _("Résultats de la stratégie précédente")
