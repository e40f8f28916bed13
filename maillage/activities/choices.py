"""Enumerations of La Coop de la médiation numérique (same database values, so data joins).

Source: ``docs``/``shared/standards/coop-cra.md`` (fields and enumerations of the Coop's CRA).
Multi-valued fields (themes, administrative procedures, devices) are stored twice on an activity:
as a JSON list of the Coop values (readable, exported as is) and as an integer bit mask (``*_mask``)
so statistics aggregate them in SQL on SQLite and PostgreSQL alike. The bit of a value is its index
in the enumeration: append new values at the end, never reorder.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    INDIVIDUAL = "individuel", _("Accompagnement individuel")
    COLLECTIVE = "collectif", _("Atelier collectif")


class PlaceType(models.TextChoices):
    """Coop ``TypeLieu``; the statistics call this dimension « Canaux »."""

    PLACE = "lieu_activite", _("Lieu d’activité")
    HOME = "domicile", _("À domicile")
    REMOTE = "a_distance", _("À distance")
    OTHER = "autre", _("Autre lieu")


class Device(models.TextChoices):
    COMPUTER = "ordinateur", _("Ordinateur")
    PHONE = "telephone", _("Téléphone")
    TABLET = "tablette", _("Tablette")
    OTHER = "autre", _("Autre")
    NONE = "aucun", _("Pas de matériel")


class Theme(models.TextChoices):
    DIAGNOSTIC = "diagnostic_numerique", _("Diagnostic numérique")
    DEVICE_HANDLING = "prendre_en_main_du_materiel", _("Prendre en main du matériel")
    MAINTENANCE = "maintenance_de_materiel", _("Maintenance de matériel")
    CONTENTS = "gere_ses_contenus_numeriques", _("Gérer ses contenus numériques")
    BROWSING = "navigation_sur_internet", _("Navigation sur internet")
    EMAIL = "email", _("E-mail")
    OFFICE = "bureautique", _("Bureautique")
    SOCIAL_NETWORKS = "reseaux_sociaux", _("Réseaux sociaux communication")
    HEALTH = "sante", _("Santé")
    BANKING = "banque_et_achats_en_ligne", _("Banque et achats en ligne")
    BUSINESS = "entrepreneuriat", _("Accompagner un professionnel")
    EMPLOYMENT = "insertion_professionnelle", _("Insertion professionnelle")
    SECURITY = "securite_numerique", _("Prévention en sécurité numérique")
    PARENTING = "parentalite", _("Parentalité")
    SCHOOL = "scolarite_et_numerique", _("Scolarité et numérique")
    CREATE = "creer_avec_le_numerique", _("Créer avec le numérique")
    CULTURE = "culture_numerique", _("Culture numérique")
    AI = "intelligence_artificielle", _("Intelligence artificielle (IA)")
    ADMINISTRATIVE = "aide_aux_demarches_administratives", _("Aide aux démarches administratives")


class Procedure(models.TextChoices):
    """Administrative sub-themes (« démarches administratives »), only with ``Theme.ADMINISTRATIVE``."""

    PAPERS = "papiers_elections_citoyennete", _("Papiers - Élections - Citoyenneté")
    FAMILY = "famille_scolarite", _("Famille - Scolarité")
    SOCIAL = "social_sante", _("Social - Santé")
    WORK = "travail_formation", _("Travail - Formation - Entreprise")
    HOUSING = "logement", _("Logement")
    TRANSPORT = "transports_mobilite", _("Transports - Mobilité")
    MONEY = "argent_impots", _("Argent - Impôts")
    JUSTICE = "justice", _("Justice")
    FOREIGNERS = "etrangers_europe", _("Étrangers - Europe")
    LEISURE = "loisirs_sports_culture", _("Loisirs - Sports - Culture")
    ASSOCIATIONS = "associations", _("Associations")


class Autonomy(models.TextChoices):
    GUIDED = "entierement_accompagne", _("Avec guidage")
    PARTLY = "partiellement_autonome", _("Autonome avec guidage en cas de besoin")
    AUTONOMOUS = "autonome", _("Autonome")


class Orientation(models.TextChoices):
    """Coop ``StructureDeRedirection``."""

    ADMINISTRATION = "administration", _("Administration (mairie, préfecture…)")
    MEDIATION = "mediation_numerique", _("Autre structure de médiation numérique")
    OPERATOR = (
        "operateur_ou_organisme_en_charge",
        _("Opérateur ou organisme en charge de la démarche administrative"),
    )
    SOCIAL = "aide_sociale", _("Structure d’aide sociale (maison des solidarités, centre social…)")
    EMPLOYMENT = (
        "insertion_professionnelle",
        _("Structure d’insertion professionnelle (France Travail, mission locale, chambre de commerce…)"),
    )
    PROCEDURES = (
        "aide_aux_demarches_administratives",
        _("Structure d’aide aux démarches administratives (France Services…)"),
    )
    OTHER = "autre", _("Autre")


class WorkshopLevel(models.TextChoices):
    BEGINNER = "debutant", _("Débutant")
    INTERMEDIATE = "intermediaire", _("Intermédiaire")
    ADVANCED = "avance", _("Avancé")


NOT_GIVEN = "non_communique"


class Gender(models.TextChoices):
    MALE = "masculin", _("Masculin")
    FEMALE = "feminin", _("Féminin")
    NOT_GIVEN = NOT_GIVEN, _("Non communiqué")


class AgeBand(models.TextChoices):
    UNDER_12 = "moins_de_douze", _("Moins de 12 ans")
    AGE_12_17 = "douze_dix_huit", _("12 - 17 ans")
    AGE_18_24 = "dix_huit_vingt_quatre", _("18 - 24 ans")
    AGE_25_39 = "vingt_cinq_trente_neuf", _("25 - 39 ans")
    AGE_40_59 = "quarante_cinquante_neuf", _("40 - 59 ans")
    AGE_60_69 = "soixante_soixante_neuf", _("60 - 69 ans")
    OVER_70 = "soixante_dix_plus", _("70 ans et plus")
    NOT_GIVEN = NOT_GIVEN, _("Non communiqué")


class SocialStatus(models.TextChoices):
    SCHOOL = "scolarise", _("Scolarisé")
    UNEMPLOYED = "sans_emploi", _("Sans emploi")
    EMPLOYED = "en_emploi", _("En emploi")
    RETIRED = "retraite", _("Retraité")
    NOT_GIVEN = NOT_GIVEN, _("Non communiqué ou hétérogène")


# Durations offered by the Coop (minutes); any other value from 1 to 23 h 59 is accepted.
DURATION_OPTIONS = (15, 30, 45, 60, 90, 120)
MAX_DURATION_MINUTES = 23 * 60 + 59


class DurationBand(models.TextChoices):
    """Duration bands of the Coop's statistics: half-open [0, 30), [30, 60), [60, 120), [120, ∞) minutes
    (a 60-minute accompaniment is in « 1 h à 2 h »)."""

    UNDER_30 = "moins_30", _("Moins de 30 min")
    FROM_30_TO_60 = "30_60", _("30 min à 1 h")
    FROM_60_TO_120 = "60_120", _("1 h à 2 h")
    OVER_120 = "120_plus", _("2 h et plus")


_BANDS = (
    DurationBand.UNDER_30.value,
    DurationBand.FROM_30_TO_60.value,
    DurationBand.FROM_60_TO_120.value,
    DurationBand.OVER_120.value,
)


def duration_band(minutes: int) -> str:
    if minutes < 30:
        return _BANDS[0]
    if minutes < 60:
        return _BANDS[1]
    if minutes < 120:
        return _BANDS[2]
    return _BANDS[3]


# The Coop's display orders where they differ from the order of the enumeration.
DISPLAY_ORDERS: dict[str, tuple[str, ...]] = {
    "age_band": (
        AgeBand.OVER_70.value,
        AgeBand.AGE_60_69.value,
        AgeBand.AGE_40_59.value,
        AgeBand.AGE_25_39.value,
        AgeBand.AGE_18_24.value,
        AgeBand.AGE_12_17.value,
        AgeBand.UNDER_12.value,
        AgeBand.NOT_GIVEN.value,
    ),
    "social_status": (
        SocialStatus.RETIRED.value,
        SocialStatus.SCHOOL.value,
        SocialStatus.UNEMPLOYED.value,
        SocialStatus.EMPLOYED.value,
        SocialStatus.NOT_GIVEN.value,
    ),
}


# Collective participant counts: the three categories the Coop counts for anonymous participants.
class ParticipantDimension(models.TextChoices):
    AGE_BAND = "age_band", _("Tranche d’âge")
    GENDER = "gender", _("Genre")
    SOCIAL_STATUS = "social_status", _("Statut social")


PARTICIPANT_CHOICES: dict[str, type[models.TextChoices]] = {
    ParticipantDimension.AGE_BAND: AgeBand,
    ParticipantDimension.GENDER: Gender,
    ParticipantDimension.SOCIAL_STATUS: SocialStatus,
}

MAX_PARTICIPANTS = 10_000  # the Coop's limit for one workshop


_BITS: dict[type, dict[str, int]] = {}


def _bits(choices: type[models.TextChoices]) -> dict[str, int]:
    bits = _BITS.get(choices)
    if bits is None:
        bits = _BITS[choices] = {str(value): 1 << i for i, value in enumerate(choices.values)}
    return bits


def mask_of(values: list[str] | tuple[str, ...], choices: type[models.TextChoices]) -> int:
    """Bit mask of ``values`` in ``choices`` (bit i = i-th value of the enumeration)."""
    bits = _bits(choices)
    mask = 0
    for value in values:
        mask |= bits[value]
    return mask


def bit_of(value: str, choices: type[models.TextChoices]) -> int:
    return _bits(choices)[value]


# --- Coordinators' network activity (Coop ``ActiviteCoordination``) ------------------------------


class CoordinationKind(models.TextChoices):
    MEETING = "animation", _("Animation (réunion, comité, webinaire…)")
    EVENT = "evenement", _("Événement")
    PARTNERSHIP = "partenariat", _("Partenariat")


class TerritorialLevel(models.TextChoices):
    COMMUNE = "communal", _("Communal")
    EPCI = "intercommunal", _("Intercommunal")
    DEPARTMENT = "departemental", _("Départemental")
    REGION = "regional", _("Régional")
    NATIONAL = "national", _("National")


class MeetingType(models.TextChoices):
    ASSEMBLY = "assemblee", _("Assemblée")
    COMMITTEE = "comite", _("Comité")
    WORKING_GROUP = "groupe_de_travail", _("Groupe de travail")
    EXCHANGE = "echange", _("Échange")
    COORDINATION = "reunion_coordination", _("Réunion de coordination")
    WEBINAR = "webinaire", _("Webinaire")
    OTHER = "autre", _("Autre")


class EventType(models.TextChoices):
    PUBLIC = "grand_public", _("Grand public")
    NATIONAL = "national", _("National")
    INCLUSION = "inclusion_numerique", _("Inclusion numérique")
    NEC_LOCAL = "nec_local", _("NEC local")
    OTHER = "autre", _("Autre")


class PartnershipNature(models.TextChoices):
    PATHWAY = "parcours_usager", _("Parcours usager")
    GRANT = "subvention", _("Subvention")
    COORDINATION = "coordination_departementale", _("Coordination départementale")
    ELECTED = "rdv_elu", _("Rendez-vous avec un·e élu·e")
    OTHER = "autre", _("Autre")
