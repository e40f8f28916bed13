"""The exchange format, validated with pydantic; errors are reported in French with their path.

Keys are French (the format is read and written by territorial teams); values of enumerations are
short French slugs. See ``docs/roadmap-format.md``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

FORMAT_ID = "maillage/feuille-de-route@2"
FORMAT_V1 = "maillage/feuille-de-route@1"
# @1 gave these defaults to what a file did not say; @2 keeps it unknown (« non renseigné »)
V1_ACTION_DEFAULTS = {"statut": "a_lancer", "priorite": "normale", "maturite": "concue", "avancement": 0}

ACTION_STATUS = Literal["a_lancer", "en_cours", "realisee", "suspendue", "abandonnee"]
PRIORITY = Literal["haute", "normale", "basse"]
MATURITY = Literal["idee", "concue", "financee", "en_oeuvre", "perennisee"]
BUDGET_NATURE = Literal["rh", "investissement", "fonctionnement", "prestation", "produit", "valorisation"]
INDICATOR_KIND = Literal["quantitatif", "qualitatif", "livrable"]
FREQUENCY = Literal["mensuelle", "trimestrielle", "semestrielle", "annuelle", "ponctuelle"]
BODY_KIND = Literal["copil", "cotech", "groupe_de_travail", "college", "assemblee", "autre"]
ATTENDANCE = Literal["present", "excuse", "absent"]
ROLE = Literal["porteur", "co_porteur", "pilote", "copilote", "animateur"]
TERM = Literal["action", "fiche", "engagement", "mesure", "chantier", "sous_action"]
NATIONAL_TARGET = Literal["personnes_accompagnees", "lieux", "aidants", "equipements"]


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


class SubTerritoryRef(Strict):
    niveau: Literal["epci", "commune"]
    code: str = ""
    nom: str = ""

    _code = field_validator("code", mode="before")(lambda v: str(v) if isinstance(v, int) else v)

    @model_validator(mode="after")
    def _code_or_name(self) -> SubTerritoryRef:
        if not self.code and not self.nom:
            raise ValueError("code ou nom du territoire attendu")
        return self


class OrganisationRole(Strict):
    """A carrier or lead with its role; a bare name is read as ``{structure: name}``."""

    structure: str = Field(min_length=1, max_length=250)
    role: ROLE | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        return {"structure": value} if isinstance(value, str) else value


class Terms(Strict):
    action: TERM = "action"
    sous_action: TERM = "sous_action"


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
    statut: Literal["en_preparation", "soumise", "adoptee", "cloturee"] = "adoptee"
    soumise_le: dt.date | None = None
    adoptee_le: dt.date | None = None
    porteurs_associes: list[OrganisationRole] = []
    termes: Terms | None = None
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
    metrique: str = Field(default="", max_length=80)
    objectif_national: NATIONAL_TARGET | None = None
    mesures: list[MeasurementIn] = []


class ActionIn(Strict):
    numero: int = Field(ge=1, le=999)
    code: str = Field(default="", max_length=20)
    titre: str = Field(min_length=1, max_length=400)
    objectif: str | None = None
    contexte: str = ""
    description: str = ""
    objectifs_operationnels: list[str] = []
    etapes: list[StepIn] = []
    publics_cibles: list[str] = []
    beneficiaires: list[str] = []
    porteurs: list[OrganisationRole] = []
    partenaires: list[str] = []
    calendrier: Calendar | None = None
    jalons: list[MilestoneIn] = []
    budget: list[BudgetLineIn] = []
    ressources_existantes: list[str] = []
    freins: list[str] = []
    leviers: list[str] = []
    statut: ACTION_STATUS | None = None
    priorite: PRIORITY | None = None
    maturite: MATURITY | None = None
    deja_engagee: bool = False
    fne: bool = True
    axes_fne: list[Literal[1, 2, 3, 4]] = []
    territoires_cibles: list[SubTerritoryRef] = []
    avancement: int | None = Field(default=None, ge=0, le=100)
    point_avancement: str = ""
    introduite_par_version: int | None = None
    indicateurs: list[IndicatorIn] = []
    sous_actions: list[SubActionIn] = []

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

    @field_validator("objectif", "code", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class SubActionIn(ActionIn):
    """A sub-action of an engagement: the same fields, its number is optional (given in order after the
    roadmap's numbers) and it holds no sub-actions itself."""

    numero: int | None = Field(default=None, ge=1, le=9999)  # type: ignore[assignment]
    objectif: None = None  # type: ignore[assignment]
    sous_actions: list[Any] = []

    @field_validator("sous_actions")
    @classmethod
    def _flat(cls, value: list[Any]) -> list[Any]:
        if value:
            raise ValueError("une sous-action ne contient pas de sous-actions")
        return value


ActionIn.model_rebuild()


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


class KeyFigureIn(Strict):
    libelle: str = Field(min_length=1, max_length=300)
    valeur: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    valeur_texte: str = Field(default="", max_length=200)
    unite: str = Field(default="", max_length=60)
    territoire: str = Field(default="", max_length=200)
    source: str = Field(default="", max_length=300)
    millesime: str = Field(default="", max_length=40)

    _text = field_validator("millesime", "valeur_texte", mode="before")(
        lambda v: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
    )


class Diagnostic(Strict):
    synthese: str = ""
    chiffres_cles: list[KeyFigureIn] = []


class ConcertationIn(Strict):
    titre: str = Field(min_length=1, max_length=300)
    periode: str = Field(default="", max_length=120)
    debut: dt.date | None = None
    fin: dt.date | None = None
    participants: list[str] = []
    nombre_participants: int | None = Field(default=None, ge=0, le=10_000_000)
    enquete: str = Field(default="", max_length=300)
    repondants: int | None = Field(default=None, ge=0, le=10_000_000)
    description: str = ""

    _lists = field_validator("participants", mode="before")(_as_list)
    _period = field_validator("periode", mode="before")(lambda v: str(v) if isinstance(v, int) else v)


class FundIn(Strict):
    fonds: str = Field(min_length=1, max_length=250)
    financeur: str = Field(min_length=1, max_length=250)
    montant: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    annee: int | None = Field(default=None, ge=2000, le=2100)
    precision: str = Field(default="", max_length=300)


class RoadmapDocument(Strict):
    format: Literal["maillage/feuille-de-route@1", "maillage/feuille-de-route@2"]
    feuille_de_route: RoadmapHeader
    versions: list[Version] = []
    diagnostic: Diagnostic | None = None
    bilan_precedent: list[KeyFigureIn] = []
    concertation: list[ConcertationIn] = []
    fonds_mutualise: list[FundIn] = []
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
    "too_long": "liste trop longue",
    "finite_number": "nombre fini attendu",
    "decimal_whole_digits": "nombre trop grand",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
}


_NAMED_LISTS = {"axes", "actions", "sous_actions", "gouvernance", "versions", "reunions"}


def _label(container: str, index: int, item: Any) -> str:
    """How the document names the ``index``-th item of ``container`` (its own number, not an index)."""
    get = item.get if isinstance(item, dict) else (lambda _k: None)

    def ok(value: Any) -> bool:
        if isinstance(value, str):
            return value.strip().isdigit() and len(value) <= 6
        return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000

    numero, code = get("numero"), get("code")
    if container == "axes" and ok(numero):
        return f"axe {numero}"
    if container == "actions" and ok(numero):
        return f"action {numero}"
    if container == "sous_actions":
        if isinstance(code, str | int) and not isinstance(code, bool) and 0 < len(str(code)) <= 20:
            return f"sous-action {code}"
        return f"sous-action {numero}" if ok(numero) else f"sous-action n°{index + 1}"
    name = get("nom")
    if container == "gouvernance" and isinstance(name, str) and 0 < len(name) <= 80:
        return f"instance « {get('nom')} »"
    if container == "versions" and ok(numero):
        return f"version {numero}"
    if container == "reunions" and get("date") is not None and len(str(get("date"))) <= 30:
        return f"réunion du {get('date')}"
    singular = {"axes": "axe", "actions": "action", "gouvernance": "instance", "versions": "version"}
    return f"{singular.get(container, container)} n°{index + 1}"


def format_path(loc: tuple[Any, ...] | list[Any], data: Any = None) -> str:
    """``('axes', 1, 'actions', 3, 'budget', 0, 'montant')`` → ``axe 2 › action 23 › budget n°1 › montant``:
    axes, actions, instances and meetings by their own number or name as the document gives them,
    other list items counted from 1."""
    parts: list[str] = []
    node = data
    container = ""
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if container in _NAMED_LISTS:
                if parts and parts[-1] == container:
                    parts.pop()
                parts.append(_label(container, part, item))
            elif parts:
                parts[-1] = f"{parts[-1]} n°{part + 1}"
            else:
                parts.append(f"n°{part + 1}")
            node = item
        else:
            parts.append(str(part))
            container = str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return " › ".join(parts) or "document"


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


def validation_errors(exc: ValidationError, data: Any = None) -> list[str]:
    errors = []
    for error in exc.errors(include_url=False):
        literal_expected = error.get("ctx", {}).get("expected") if error["type"] == "literal_error" else None
        message = french_message(error)
        if literal_expected is not None:
            message = f"valeur non reconnue (attendu : {literal_expected})".replace(" or ", " ou ")
        errors.append(f"{format_path(_clean_loc(error['loc']), data)} : {message}")
    return errors


def _list(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


def _hashable(value: Any) -> Any:
    return str(value) if value is not None else None


def consistency_errors(data: Any) -> list[str]:
    """Cross-references the schema cannot express, read from the raw document (so that they are reported
    in the same pass as the schema's errors), with the same path convention."""
    errors: list[str] = []
    if not isinstance(data, dict):
        return errors
    version_numbers = [_hashable(v.get("numero")) for v in _list(data, "versions") if isinstance(v, dict)]
    if len(set(version_numbers)) != len(version_numbers):
        errors.append("versions : numéros de version en double")
    versions = set(version_numbers)
    seen_axes: set[Any] = set()
    seen_actions: dict[Any, str] = {}
    axes = _list(data, "axes")
    for a, axis in enumerate(axes):
        if not isinstance(axis, dict):
            continue
        axis_path = format_path(("axes", a), data)
        number = _hashable(axis.get("numero"))
        if number is not None and number in seen_axes:
            errors.append(f"{axis_path} › numero : axe {number} en double")
        seen_axes.add(number)
        codes = [_hashable(o.get("code")) for o in _list(axis, "objectifs") if isinstance(o, dict)]
        if len(set(codes)) != len(codes):
            errors.append(f"{axis_path} › objectifs : codes d'objectif en double")
        for i, action in enumerate(_list(axis, "actions")):
            if not isinstance(action, dict):
                continue
            path = format_path(("axes", a, "actions", i), data)
            _check_action(errors, action, path, seen_actions, versions)
            objective = action.get("objectif")
            if objective is not None and _hashable(objective) not in codes:
                errors.append(f"{path} › objectif : objectif « {objective} » absent de l'axe {number}")
            for k, sub in enumerate(_list(action, "sous_actions")):
                if isinstance(sub, dict):
                    sub_path = format_path(("axes", a, "actions", i, "sous_actions", k), data)
                    _check_action(errors, sub, sub_path, seen_actions, versions)
    bodies = _list(data, "gouvernance")
    names = [_hashable(b.get("nom")) for b in bodies if isinstance(b, dict)]
    if len(set(names)) != len(names):
        errors.append("gouvernance : noms d'instance en double")
    for b, body in enumerate(bodies):
        if not isinstance(body, dict):
            continue
        meetings = _list(body, "reunions")
        dates = [_hashable(m.get("date")) for m in meetings if isinstance(m, dict)]
        if len(set(dates)) != len(dates):
            errors.append(
                f"{format_path(('gouvernance', b), data)} › reunions : deux réunions à la même date"
            )
        members = len(_list(body, "membres"))
        for r, meeting in enumerate(meetings):
            for p, presence in enumerate(_list(meeting, "presences")):
                member = presence.get("membre") if isinstance(presence, dict) else None
                if isinstance(member, int) and not isinstance(member, bool) and member >= members:
                    where = format_path(("gouvernance", b, "reunions", r, "presences", p), data)
                    errors.append(
                        f"{where} › membre : membre n°{member} inconnu "
                        f"(l'instance en compte {members}, numérotés à partir de 0)"
                    )
    return errors


def _check_action(
    errors: list[str], action: dict[str, Any], path: str, seen: dict[Any, str], versions: set[Any]
) -> None:
    number = action.get("numero")
    if isinstance(number, int) and not isinstance(number, bool):
        if number in seen:
            errors.append(f"{path} › numero : numéro {number} déjà utilisé par {seen[number]}")
        else:
            seen[number] = path
    version = action.get("introduite_par_version")
    if version is not None and _hashable(version) not in versions:
        errors.append(f"{path} › introduite_par_version : version {version} inconnue")
    for j, indicator in enumerate(_list(action, "indicateurs")):
        measures = [m for m in _list(indicator, "mesures") if isinstance(m, dict)]
        periods = [_hashable(m.get("periode")) for m in measures]
        if len(set(periods)) != len(periods):
            errors.append(f"{path} › indicateurs n°{j + 1} › mesures : période en double")
        for k, m in enumerate(measures):
            start, end = m.get("periode"), m.get("fin")
            if (
                isinstance(start, dt.date)
                and isinstance(end, dt.date)
                and end < start
                or isinstance(start, str)
                and isinstance(end, str)
                and len(start) == len(end) == 10
                and end < start
            ):
                errors.append(
                    f"{path} › indicateurs n°{j + 1} › mesures n°{k + 1} › fin : précède le début de période"
                )
