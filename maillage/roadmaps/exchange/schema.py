"""The exchange format, validated with pydantic; errors are reported in French with their path.

Keys are French (the format is read and written by territorial teams); values of enumerations are
short French slugs. See ``docs/roadmap-format.md``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

FORMAT_ID = "maillage/feuille-de-route@1"

ACTION_STATUS = Literal["a_lancer", "en_cours", "realisee", "suspendue", "abandonnee"]
PRIORITY = Literal["haute", "normale", "basse"]
MATURITY = Literal["idee", "concue", "financee", "en_oeuvre", "perennisee"]
BUDGET_NATURE = Literal["rh", "investissement", "fonctionnement", "prestation", "produit", "valorisation"]
INDICATOR_KIND = Literal["quantitatif", "qualitatif", "livrable"]
FREQUENCY = Literal["mensuelle", "trimestrielle", "semestrielle", "annuelle", "ponctuelle"]
BODY_KIND = Literal["copil", "cotech", "groupe_de_travail", "college", "assemblee", "autre"]
ATTENDANCE = Literal["present", "excuse", "absent"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class TerritoryRef(Strict):
    niveau: Literal["region", "departement", "epci", "commune"]
    code: str = ""
    nom: str = ""

    @field_validator("code", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _code_or_name(self) -> TerritoryRef:
        if not self.code and not self.nom:
            raise ValueError("code ou nom du territoire attendu")
        return self


class Period(Strict):
    debut: int = Field(ge=2000, le=2100)
    fin: int = Field(ge=2000, le=2100)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.fin < self.debut:
            raise ValueError("la fin de période précède son début")
        return self


class RoadmapHeader(Strict):
    identifiant: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,118}$")
    titre: str = Field(min_length=1, max_length=250)
    territoire: TerritoryRef
    porteur: str = Field(min_length=1, max_length=250)
    periode: Period
    statut: Literal["en_preparation", "adoptee", "cloturee"] = "adoptee"
    adoptee_le: dt.date | None = None
    resume: str = ""
    fne: bool = True
    source: str = ""


class Version(Strict):
    numero: int = Field(ge=1)
    instance: str = Field(min_length=1)
    date: dt.date
    reference: str = ""
    avis_prealable: str = ""
    changements: str = ""


class ObjectiveIn(Strict):
    code: str = Field(min_length=1, max_length=20)
    titre: str = Field(min_length=1)

    @field_validator("code", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class StepIn(Strict):
    titre: str = Field(min_length=1, max_length=500)
    realisee: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"titre": value} if isinstance(value, str) else value


class MilestoneIn(Strict):
    titre: str = Field(min_length=1)
    date: dt.date
    atteint_le: dt.date | None = None


class Calendar(Strict):
    texte: str = ""
    debut: dt.date | None = None
    fin: dt.date | None = None


class BudgetLineIn(Strict):
    nature: BUDGET_NATURE
    unite: Literal["etp", "eur"] = "eur"
    libelle: str = ""
    annee: int | None = Field(default=None, ge=2000, le=2100)
    montant: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    realise: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    financeur: str = ""


class MeasurementIn(Strict):
    periode: dt.date
    fin: dt.date | None = None
    valeur: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    appreciation: str = ""
    livrable_obtenu: bool | None = None
    commentaire: str = ""


class IndicatorIn(Strict):
    libelle: str = Field(min_length=1, max_length=400)
    type: INDICATOR_KIND = "quantitatif"
    unite: str = ""
    valeur_initiale: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    cible: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    cible_texte: str = ""
    echeance: dt.date | None = None
    frequence: FREQUENCY = "annuelle"
    cumul: Literal["somme", "derniere"] = "somme"
    metrique: str = ""
    mesures: list[MeasurementIn] = []


class ActionIn(Strict):
    numero: int = Field(ge=1, le=999)
    titre: str = Field(min_length=1, max_length=400)
    objectif: str | None = None
    contexte: str = ""
    description: str = ""
    objectifs_operationnels: list[str] = []
    etapes: list[StepIn] = []
    publics_cibles: list[str] = []
    beneficiaires: list[str] = []
    porteurs: list[str] = []
    partenaires: list[str] = []
    calendrier: Calendar | None = None
    jalons: list[MilestoneIn] = []
    budget: list[BudgetLineIn] = []
    ressources_existantes: list[str] = []
    freins: list[str] = []
    leviers: list[str] = []
    statut: ACTION_STATUS = "a_lancer"
    priorite: PRIORITY = "normale"
    maturite: MATURITY = "concue"
    fne: bool = True
    avancement: int = Field(default=0, ge=0, le=100)
    point_avancement: str = ""
    introduite_par_version: int | None = None
    indicateurs: list[IndicatorIn] = []

    _lists = field_validator(
        "publics_cibles",
        "beneficiaires",
        "porteurs",
        "partenaires",
        "ressources_existantes",
        "freins",
        "leviers",
        mode="before",
    )(_as_list)

    @field_validator("objectif", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class AxisIn(Strict):
    numero: int = Field(ge=1, le=99)
    titre: str = Field(min_length=1)
    description: str = ""
    objectifs: list[ObjectiveIn] = []
    actions: list[ActionIn] = []


class MemberIn(Strict):
    structure: str = ""
    personne: str = ""
    fonction: str = ""

    @model_validator(mode="after")
    def _someone(self) -> MemberIn:
        if not self.structure and not self.personne:
            raise ValueError("structure ou personne attendue")
        return self


class AttendanceIn(Strict):
    membre: int = Field(ge=0)
    statut: ATTENDANCE


class MeetingIn(Strict):
    date: dt.date
    lieu: str = ""
    ordre_du_jour: str = ""
    compte_rendu: str = ""
    decisions: str = ""
    presences: list[AttendanceIn] = []


class BodyIn(Strict):
    type: BODY_KIND
    nom: str = Field(min_length=1, max_length=250)
    role: str = ""
    frequence: str = ""
    composition: str = ""
    membres: list[MemberIn] = []
    reunions: list[MeetingIn] = []


class RoadmapDocument(Strict):
    format: Literal["maillage/feuille-de-route@1"]
    feuille_de_route: RoadmapHeader
    versions: list[Version] = []
    axes: list[AxisIn] = Field(min_length=1)
    gouvernance: list[BodyIn] = []


# --- French error messages by path ---------------------------------------------------------------

MESSAGES = {
    "missing": "champ obligatoire",
    "extra_forbidden": "champ inconnu",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "decimal_parsing": "nombre attendu",
    "decimal_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "decimal_max_digits": "nombre trop grand",
    "decimal_max_places": "deux décimales au plus",
    "date_parsing": "date attendue (AAAA-MM-JJ)",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date attendue (AAAA-MM-JJ)",
    "date_from_datetime_inexact": "date attendue (AAAA-MM-JJ) sans heure",
    "string_type": "texte attendu",
    "string_too_short": "texte vide",
    "string_too_long": "texte trop long",
    "string_pattern_mismatch": "format invalide (minuscules, chiffres et tirets)",
    "bool_parsing": "oui/non (true/false) attendu",
    "bool_type": "oui/non (true/false) attendu",
    "list_type": "liste attendue",
    "model_type": "objet attendu",
    "model_attributes_type": "objet attendu",
    "dict_type": "objet attendu",
    "too_short": "liste vide",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
}


def format_path(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "document"


def french_message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        return f"valeur non reconnue (attendu : {ctx.get('expected', '')})".replace("'", "« ", 1)
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        return f"{MESSAGES[kind]} (limite : {bound})"
    return MESSAGES.get(kind, error.get("msg", "valeur invalide"))


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # pydantic adds the union/tagged branch names ("function-before[...]"); drop them
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))


def validation_errors(exc: ValidationError) -> list[str]:
    errors = []
    for error in exc.errors(include_url=False):
        literal_expected = error.get("ctx", {}).get("expected") if error["type"] == "literal_error" else None
        message = french_message(error)
        if literal_expected is not None:
            message = f"valeur non reconnue (attendu : {literal_expected})"
        errors.append(f"{format_path(_clean_loc(error['loc']))} : {message}")
    return errors


def consistency_errors(doc: RoadmapDocument) -> list[str]:
    """Cross-references the schema cannot express, with the same path convention."""
    errors: list[str] = []
    versions = {v.numero for v in doc.versions}
    if len(versions) != len(doc.versions):
        errors.append("versions : numéros de version en double")
    seen_axes: set[int] = set()
    seen_actions: dict[int, str] = {}
    for a, axis in enumerate(doc.axes):
        if axis.numero in seen_axes:
            errors.append(f"axes[{a}].numero : axe {axis.numero} en double")
        seen_axes.add(axis.numero)
        codes = [o.code for o in axis.objectifs]
        if len(set(codes)) != len(codes):
            errors.append(f"axes[{a}].objectifs : codes d'objectif en double")
        for i, action in enumerate(axis.actions):
            path = f"axes[{a}].actions[{i}]"
            if action.numero in seen_actions:
                errors.append(
                    f"{path}.numero : action n°{action.numero} déjà définie en {seen_actions[action.numero]}"
                )
            seen_actions[action.numero] = path
            if action.objectif is not None and action.objectif not in codes:
                errors.append(
                    f"{path}.objectif : objectif « {action.objectif} » absent de l'axe {axis.numero}"
                )
            if action.introduite_par_version is not None and action.introduite_par_version not in versions:
                errors.append(
                    f"{path}.introduite_par_version : version {action.introduite_par_version} inconnue"
                )
            for j, indicator in enumerate(action.indicateurs):
                periods = [m.periode for m in indicator.mesures]
                if len(set(periods)) != len(periods):
                    errors.append(f"{path}.indicateurs[{j}].mesures : période en double")
                for k, m in enumerate(indicator.mesures):
                    if m.fin is not None and m.fin < m.periode:
                        errors.append(
                            f"{path}.indicateurs[{j}].mesures[{k}].fin : précède le début de période"
                        )
    names = [b.nom for b in doc.gouvernance]
    if len(set(names)) != len(names):
        errors.append("gouvernance : noms d'instance en double")
    for b, body in enumerate(doc.gouvernance):
        dates = [m.date for m in body.reunions]
        if len(set(dates)) != len(dates):
            errors.append(f"gouvernance[{b}].reunions : deux réunions à la même date")
        for r, meeting in enumerate(body.reunions):
            for p, presence in enumerate(meeting.presences):
                if presence.membre >= len(body.membres):
                    errors.append(
                        f"gouvernance[{b}].reunions[{r}].presences[{p}].membre : membre n°{presence.membre} inconnu "
                        f"(l'instance en compte {len(body.membres)}, numérotés à partir de 0)"
                    )
    return errors
