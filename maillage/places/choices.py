"""Enumerations of the « standard de données des lieux de médiation numérique » v1.0.2.

The stored values are the exact strings of the standard (accents, apostrophes, « » included): they are
the interchange keys, written as-is in CSV/JSON exports and in the open-data API. Only the labels are
translatable. See docs/adr/places-standard-storage.md.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


class Service(models.TextChoices):
    ADMINISTRATIVE_PROCEDURES = "Aide aux démarches administratives", _("Aide aux démarches administratives")
    EVERYDAY_TOOLS = (
        "Maîtrise des outils numériques du quotidien",
        _("Maîtrise des outils numériques du quotidien"),
    )
    PROFESSIONAL_INTEGRATION = (
        "Insertion professionnelle via le numérique",
        _("Insertion professionnelle via le numérique"),
    )
    SAFE_USE = "Utilisation sécurisée du numérique", _("Utilisation sécurisée du numérique")
    PARENTING = "Parentalité et éducation avec le numérique", _("Parentalité et éducation avec le numérique")
    LEISURE = "Loisirs et créations numériques", _("Loisirs et créations numériques")
    UNDERSTANDING = "Compréhension du monde numérique", _("Compréhension du monde numérique")
    ACCESS_EQUIPMENT = "Accès internet et matériel informatique", _("Accès internet et matériel informatique")
    SOLIDARITY_EQUIPMENT = (
        "Acquisition de matériel informatique à prix solidaire",
        _("Acquisition de matériel informatique à prix solidaire"),
    )


class Public(models.TextChoices):
    """``publics_specifiquement_adresses``."""

    YOUNG = "Jeunes", _("Jeunes")
    STUDENTS = "Étudiants", _("Étudiants")
    FAMILIES = "Familles et/ou enfants", _("Familles et/ou enfants")
    SENIORS = "Seniors", _("Seniors")
    WOMEN = "Femmes", _("Femmes")


class SpecificSupport(models.TextChoices):
    """``prise_en_charge_specifique``."""

    DEAFNESS = "Surdité", _("Surdité")
    MOTOR_DISABILITY = "Handicaps moteurs", _("Handicaps moteurs")
    MENTAL_DISABILITY = "Handicaps mentaux", _("Handicaps mentaux")
    ILLITERACY = "Illettrisme", _("Illettrisme")
    ENGLISH = "Langues étrangères (anglais)", _("Langues étrangères (anglais)")
    OTHER_LANGUAGES = "Langues étrangères (autres)", _("Langues étrangères (autres)")
    VISUAL_IMPAIRMENT = "Déficience visuelle", _("Déficience visuelle")


class Fee(models.TextChoices):
    """``frais_a_charge``."""

    FREE = "Gratuit", _("Gratuit")
    FREE_UNDER_CONDITION = "Gratuit sous condition", _("Gratuit sous condition")
    PAID = "Payant", _("Payant")


class Mobility(models.TextChoices):
    """``itinerance``."""

    MOBILE = "Itinérant", _("Itinérant")
    FIXED = "Fixe", _("Fixe")


class AccessMode(models.TextChoices):
    """``modalites_acces``."""

    WALK_IN = "Se présenter", _("Se présenter")
    PHONE = "Téléphoner", _("Téléphoner")
    EMAIL = "Contacter par mail", _("Contacter par mail")
    ONLINE_BOOKING = "Prendre un RDV en ligne", _("Prendre un RDV en ligne")
    NO_PUBLIC = "Ce lieu n'accueille pas de public", _("Ce lieu n'accueille pas de public")
    PRESCRIPTION = (
        "Envoyer un mail avec une fiche de prescription",
        _("Envoyer un mail avec une fiche de prescription"),
    )


class SupportMode(models.TextChoices):
    """``modalites_accompagnement``."""

    AUTONOMOUS = "En autonomie", _("En autonomie")
    INDIVIDUAL = "Accompagnement individuel", _("Accompagnement individuel")
    WORKSHOP = "Dans un atelier collectif", _("Dans un atelier collectif")
    REMOTE = "À distance", _("À distance")


class NationalProgramme(models.TextChoices):
    """``dispositif_programmes_nationaux``."""

    AIDANTS_CONNECT = "Aidants Connect", _("Aidants Connect")
    REFERENCE_LIBRARIES = "Bibliothèques numérique de référence", _("Bibliothèques numérique de référence")
    PIX = "Certification PIX", _("Certification PIX")
    DIGITAL_ADVISERS = "Conseillers numériques", _("Conseillers numériques")
    EMMAUS_CONNECT = "Emmaüs Connect", _("Emmaüs Connect")
    FRANCE_SERVICES = "France Services", _("France Services")
    GRANDE_ECOLE = "Grande école du numérique", _("Grande école du numérique")
    RED_CROSS = "La Croix Rouge", _("La Croix Rouge")
    CAF_ACCESS_POINT = "Point d'accès numérique CAF", _("Point d'accès numérique CAF")
    PROMENEURS = "Promeneurs du net", _("Promeneurs du net")
    EMMAUS_RELAY = "Relais numérique (Emmaüs Connect)", _("Relais numérique (Emmaüs Connect)")


class Label(models.TextChoices):
    """``formations_labels``.

    ``Étapes numériques (La Poste)`` is stored with its space (the value of the description and of the
    reference library). The v1.0.2 schema pattern has no space (known defect): the interop layer accepts
    both on import and writes the pattern's spelling in exports so that they validate.
    """

    MON_ESPACE_SANTE = "Formé à « Mon Espace Santé »", _("Formé à « Mon Espace Santé »")
    DUPLEX = "Formé à « DUPLEX » (illettrisme)", _("Formé à « DUPLEX » (illettrisme)")
    ARNIA = "Arnia/MedNum BFC (Bourgogne-Franche-Comté)", _("Arnia/MedNum BFC (Bourgogne-Franche-Comté)")
    REUSE_NORMANDIE = (
        "Collectif ressources et acteurs réemploi (Normandie)",
        _("Collectif ressources et acteurs réemploi (Normandie)"),
    )
    ETAPES_NUMERIQUES = "Étapes numériques (La Poste)", _("Étapes numériques (La Poste)")
    FABRIQUES = "Fabriques de Territoire", _("Fabriques de Territoire")
    ECLAIREURS = "Les Éclaireurs du numérique (Drôme)", _("Les Éclaireurs du numérique (Drôme)")
    MES_PAPIERS = "Mes Papiers (Métropole de Lyon)", _("Mes Papiers (Métropole de Lyon)")
    ORDI_3 = "ORDI 3.0", _("ORDI 3.0")
    SUD_LABS = "SUD LABS (PACA)", _("SUD LABS (PACA)")


#: Spelling of ``Label.ETAPES_NUMERIQUES`` accepted by the v1.0.2 schema pattern (no space).
ETAPES_NUMERIQUES_SCHEMA_SPELLING = "Étapes numériques(La Poste)"

_TYPOLOGY_LABELS = {
    "ASSO": _("Association"),
    "BIB": _("Bibliothèque / Médiathèque"),
    "CAF": _("Caisse d'allocations familiales"),
    "CCAS": _("Centre communal d'action sociale"),
    "CIAS": _("Centre intercommunal d'action sociale"),
    "CS": _("Centre social"),
    "CSC": _("Centre socioculturel"),
    "DEPT": _("Conseil départemental"),
    "EPCI": _("Intercommunalité (EPCI)"),
    "EPN": _("Espace public numérique"),
    "FABLAB": _("Fablab"),
    "FT": _("France Travail"),
    "LA_POSTE": _("La Poste"),
    "MDS": _("Maison des solidarités"),
    "MJC": _("Maison des jeunes et de la culture"),
    "ML": _("Mission locale"),
    "MSA": _("Mutualité sociale agricole"),
    "MUNI": _("Municipalité"),
    "PIMMS": _("Point information médiation multi services"),
    "RFS": _("Réseau France Services"),
    "TIERS_LIEUX": _("Tiers-lieu et coworking"),
    "Autre": _("Autre"),
}

#: The 92 codes of the reference library's ``Typologie`` (the schema does not constrain the field).
TYPOLOGY_CODES = [
    "ACI",
    "ACIPHC",
    "AFPA",
    "AI",
    "ASE",
    "ASSO",
    "ASSO_CHOMEUR",
    "Autre",
    "AVIP",
    "BIB",
    "CAARUD",
    "CADA",
    "CAF",
    "CAP_EMPLOI",
    "CAVA",
    "CC",
    "CCAS",
    "CCONS",
    "CD",
    "CDAS",
    "CFP",
    "CHRS",
    "CHU",
    "CIAS",
    "CIDFF",
    "CITMET",
    "CMP",
    "CMS",
    "CPAM",
    "CPH",
    "CS",
    "CSAPA",
    "CSC",
    "DEETS",
    "DEPT",
    "DIPLP",
    "E2C",
    "EA",
    "EATT",
    "EI",
    "EITI",
    "ENM",
    "EPCI",
    "EPI",
    "EPIDE",
    "EPN",
    "ES",
    "ESAT",
    "ESS",
    "ETTI",
    "EVS",
    "FABLAB",
    "FABRIQUE",
    "FAIS",
    "FT",
    "GEIQ",
    "HUDA",
    "LA_POSTE",
    "MDE",
    "MDH",
    "MDEF",
    "MDPH",
    "MDS",
    "MJC",
    "ML",
    "MQ",
    "MSA",
    "MSAP",
    "MUNI",
    "OACAS",
    "ODC",
    "OF",
    "OIL",
    "OPCS",
    "PAD",
    "PENSION",
    "PI",
    "PIJ_BIJ",
    "PIMMS",
    "PJJ",
    "PLIE",
    "PREF",
    "PREVENTION",
    "REG",
    "RELAIS_LECTURE",
    "RESSOURCERIE",
    "RFS",
    "RS_FJT",
    "SCP",
    "SPIP",
    "TIERS_LIEUX",
    "UDAF",
]

TYPOLOGY_CHOICES: list[tuple[str, StrOrPromise]] = [
    (code, _TYPOLOGY_LABELS.get(code, code)) for code in TYPOLOGY_CODES
]


class MediatorKind(models.TextChoices):
    DIGITAL_ADVISER = "conseiller_numerique", _("Conseiller·e numérique")
    DIGITAL_MEDIATOR = "mediateur_numerique", _("Médiateur·rice numérique")
    HELPER = "aidant_numerique", _("Aidant·e numérique")
    SOCIAL_WORKER = "travailleur_social", _("Travailleur·se social·e")
    TOWN_HALL_SECRETARY = "secretaire_mairie", _("Secrétaire de mairie")
    FRANCE_SERVICES_AGENT = "agent_france_services", _("Agent·e France Services")
    OTHER = "autre", _("Autre")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("en cours")
    REFUSED = "refused", _("refusé")
    DONE = "done", _("terminé")
    UNCHANGED = "unchanged", _("déjà importé (fichier identique)")


class DuplicateReason(models.TextChoices):
    SIRET_ADDRESS = "siret_address", _("même SIRET et même adresse")
    NAME_NEARBY = "name_nearby", _("même nom à proximité")


class DuplicateStatus(models.TextChoices):
    PENDING = "pending", _("à examiner")
    MERGED = "merged", _("fusionnés")
    DISTINCT = "distinct", _("distincts")
