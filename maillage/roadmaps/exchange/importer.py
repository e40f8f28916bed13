"""All-or-nothing, idempotent import of a roadmap document (natural keys: identifiant, numbers…)."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from pydantic import ValidationError

from maillage.accounts.models import Organisation
from maillage.core.audit import record_change
from maillage.roadmaps.exchange import mapping
from maillage.roadmaps.exchange.schema import (
    FORMAT_V1,
    V1_ACTION_DEFAULTS,
    ActionIn,
    BodyIn,
    RoadmapDocument,
    SubActionIn,
    TerritoryRef,
    consistency_errors,
    validation_errors,
)
from maillage.roadmaps.models import (
    Action,
    ActionLead,
    Attendance,
    Axis,
    BodyMember,
    BudgetLine,
    ConcertationPhase,
    FundContribution,
    GovernanceBody,
    Indicator,
    KeyFigure,
    Measurement,
    Meeting,
    Milestone,
    Objective,
    Roadmap,
    RoadmapCarrier,
    RoadmapVersion,
    Step,
)
from maillage.territories.models import Territory


class RoadmapImportError(Exception):
    """Raised with the list of French error messages; nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    roadmap: Roadmap
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


MAX_BYTES = 5 * 1024 * 1024  # a roadmap of 25 actions with 3 years of monthly values is < 1 MB
MAX_DEPTH = 40  # the format nests 9 levels deep
MAX_DIGITS = 30  # integers and decimals of the format are far smaller
MAX_STRING = 20_000  # characters of one text
MAX_NODES = 500_000  # values in one document


def _fail(message: str) -> RoadmapImportError:
    return RoadmapImportError([f"document : {message}"])


class _BoundedLoader(yaml.SafeLoader):
    """Safe loader refusing anchors and aliases (an alias bomb would make validation explode), nesting
    deeper than the format allows and oversized numbers (before Python turns them into ints)."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "alias YAML non accepté", event.start_mark)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)", event.start_mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: Any) -> Any:
        if len(node.value) > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"nombre de plus de {MAX_DIGITS} chiffres", node.start_mark
            )
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> Any:
        if len(node.value) > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"nombre de plus de {MAX_DIGITS} chiffres", node.start_mark
            )
        return super().construct_yaml_float(node)


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)
_BoundedLoader.add_constructor("tag:yaml.org,2002:float", _BoundedLoader.construct_yaml_float)

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _json_depth(text: str) -> int:
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _json_number(kind: str) -> Any:
    def parse(text: str) -> Any:
        if len(text) > MAX_DIGITS:
            raise ValueError(f"nombre de plus de {MAX_DIGITS} chiffres")
        return int(text) if kind == "int" else float(text)

    return parse


def _no_constant(text: str) -> Any:
    raise ValueError(f"valeur {text} non acceptée")


def _yaml_hint(exc: yaml.YAMLError, text: str) -> str:
    problem = str(getattr(exc, "problem", "") or "")
    mark = getattr(exc, "problem_mark", None)
    line = ""
    if mark is not None:
        lines = text.splitlines()
        if 0 <= mark.line < len(lines):
            line = lines[mark.line].strip()[:120]
    hint = ""
    if "mapping values are not allowed" in problem or ("could not find expected ':'" in problem):
        hint = (
            " — un « : » dans un texte doit être entre guillemets, "
            'par exemple titre: "Objectif : former 60 aidants"'
        )
    elif "found character '\\t'" in problem or "\t" in problem:
        hint = " — une tabulation : indenter avec des espaces"
    elif "alias" in problem or "imbrication" in problem or "chiffres" in problem:
        hint = f" — {problem}"
    elif "found undefined tag" in str(exc) or "could not determine a constructor" in str(exc):
        hint = " — étiquette YAML (!…) non acceptée"
    elif "expected <block end>" in problem or "did not find expected" in problem:
        hint = " — indentation incohérente, ou texte commençant par un caractère spécial à mettre entre guillemets"
    quoted = f" : « {line} »" if line else ""
    return f"{hint}{quoted}"


def _check_values(data: Any) -> None:
    """Every string is storable (no NUL, no lone surrogate, bounded length); the document is bounded."""
    stack = [data]
    nodes = 0
    while stack:
        node = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise _fail(f"document trop volumineux (plus de {MAX_NODES} valeurs)")
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            if len(node) > MAX_STRING:
                raise _fail(f"texte de plus de {MAX_STRING} caractères (« {node[:40]}… »)")
            if "\x00" in node:
                raise _fail("caractère nul (\\0) dans un texte")
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise _fail("caractère Unicode invalide dans un texte") from None
        elif isinstance(node, float) and (node != node or node in (float("inf"), float("-inf"))):
            raise _fail("nombre infini ou indéfini")


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise _fail(f"fichier trop volumineux (plus de {MAX_BYTES // 1024 // 1024} Mo)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(f"encodage UTF-8 attendu (octet invalide en position {exc.start})") from None


def parse_text(text: str, *, filename: str = "") -> Any:
    """The document's data, or ``RoadmapImportError`` (whatever the input: total and bounded)."""
    if len(text) > MAX_BYTES:
        raise _fail(f"fichier trop volumineux (plus de {MAX_BYTES // 1024 // 1024} Mo)")
    if "\x00" in text:
        raise _fail("caractère nul (\\0) dans le fichier : est-ce bien un fichier texte ?")
    try:
        if filename.lower().endswith(".json"):
            if _json_depth(text) > MAX_DEPTH:
                raise _fail(f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
            data = json.loads(
                text,
                parse_int=_json_number("int"),
                parse_float=_json_number("float"),
                parse_constant=_no_constant,
            )
        else:
            data = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 — a SafeLoader subclass
    except RoadmapImportError:
        raise
    except json.JSONDecodeError as exc:
        raise _fail(f"fichier illisible (ligne {exc.lineno}, colonne {exc.colno} : JSON invalide)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark is not None else ""
        raise _fail(f"fichier illisible{where}{_yaml_hint(exc, text)}") from None
    except (ValueError, OverflowError, TypeError, RecursionError, MemoryError) as exc:
        # dates out of range (2024-13-45), oversized numbers, unhashable keys, nesting…
        detail = str(exc)[:120] if isinstance(exc, ValueError) else type(exc).__name__
        raise _fail(f"fichier illisible ({detail})") from None
    _check_values(data)
    return data


def _apply_v1_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """@1 gave defaults to what a file did not say; read an @1 file as it was meant then."""
    for axis in data.get("axes") or []:
        if not isinstance(axis, dict):
            continue
        for action in axis.get("actions") or []:
            if isinstance(action, dict):
                for key, value in V1_ACTION_DEFAULTS.items():
                    action.setdefault(key, value)
    return data


def validate(data: Any) -> RoadmapDocument:
    """The validated document, or every error of the file at once (schema and cross-references)."""
    if not isinstance(data, dict):
        raise RoadmapImportError(["document : objet attendu (clés format, feuille_de_route, axes…)"])
    if data.get("format") == FORMAT_V1:
        data = _apply_v1_defaults(copy.deepcopy(data))
    errors: list[str] = []
    doc = None
    try:
        doc = RoadmapDocument.model_validate(data)
    except ValidationError as exc:
        errors.extend(validation_errors(exc, data))
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:
        errors.append(f"document : valeur invalide ({type(exc).__name__})")
    errors.extend(consistency_errors(data))
    if errors or doc is None:
        raise RoadmapImportError(errors or ["document : invalide"])
    return doc


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def resolve_territory(doc: RoadmapDocument) -> Territory:
    """The territory the file names; a code and a name that designate two territories are refused."""
    return _resolve(doc.feuille_de_route.territoire)


def _resolve(ref: TerritoryRef) -> Territory:
    qs = Territory.objects.filter(kind=mapping.TERRITORY_LEVEL[ref.niveau])
    by_code = qs.filter(code=ref.code).first() if ref.code else None
    by_name = None
    if ref.nom:
        by_name = qs.filter(name__iexact=ref.nom).first() or next(
            (t for t in qs.filter(name__icontains=ref.nom[:3]) if _norm(t.name) == _norm(ref.nom)), None
        )
    where = "feuille_de_route › territoire"
    if ref.code and ref.nom and by_code is not None and _norm(by_code.name) != _norm(ref.nom):
        other = f"{by_name.name} ({by_name.code})" if by_name else "aucun territoire de ce niveau"
        raise RoadmapImportError(
            [
                f"{where} : le code et le nom désignent deux territoires différents — le code « {ref.code} » "
                f"désigne {by_code.name}, le nom « {ref.nom} » désigne {other} ; corriger l'un des deux"
            ]
        )
    territory = by_code or by_name
    if territory is None:
        label = ref.code or ref.nom
        raise RoadmapImportError([f"{where} : territoire « {label} » ({ref.niveau}) introuvable"])
    if ref.code and by_code is None:
        raise RoadmapImportError(
            [
                f"{where} : code « {ref.code} » introuvable ({ref.niveau}), alors que le nom désigne {territory.name} ({territory.code})"
            ]
        )
    return territory


def resolve_sub_territories(
    doc: RoadmapDocument, territory: Territory
) -> dict[tuple[str, str, str], Territory]:
    """EPCI and communes targeted by actions, resolved once; unknown ones are all reported together."""
    refs = {
        (r.niveau, r.code, r.nom)
        for axis in doc.axes
        for action in axis.actions
        for a in [action, *action.sous_actions]
        for r in a.territoires_cibles
    }
    out: dict[tuple[str, str, str], Territory] = {}
    errors = []
    for level, code, name in sorted(refs):
        qs = Territory.objects.filter(kind=mapping.TERRITORY_LEVEL[level])
        found = qs.filter(code=code).first() if code else qs.filter(name__iexact=name).first()
        if found is None:
            errors.append(f"territoires_cibles : {level} « {code or name} » introuvable")
        elif code and name and _norm(found.name) != _norm(name):
            errors.append(f"territoires_cibles : le code « {code} » désigne {found.name}, pas « {name} »")
        else:
            out[(level, code, name)] = found
    if errors:
        raise RoadmapImportError(errors)
    return out


def import_file(path: str | Path, *, actor: Any = None, territory: Territory | None = None) -> ImportResult:
    path = Path(path)
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    return import_data(parse_text(decode(raw), filename=path.name), actor=actor, territory=territory)


@dataclass
class Checked:
    doc: RoadmapDocument
    territory: Territory
    sub_territories: dict[tuple[str, str, str], Territory]


def check(data: Any, *, territory: Territory | None = None) -> Checked:
    """Everything that can be wrong with a document, reported in one pass: schema, cross-references,
    territory (code and name that disagree) and targeted sub-territories."""
    errors: list[str] = []
    doc = None
    try:
        doc = validate(data)
    except RoadmapImportError as exc:
        errors.extend(exc.errors)
    if territory is None:
        try:
            if doc is not None:
                territory = resolve_territory(doc)
            elif isinstance(data, dict) and isinstance(data.get("feuille_de_route"), dict):
                ref = TerritoryRef.model_validate(data["feuille_de_route"].get("territoire"))
                territory = _resolve(ref)
        except (RoadmapImportError, ValidationError) as exc:
            if isinstance(exc, RoadmapImportError):
                errors.extend(exc.errors)
    sub: dict[tuple[str, str, str], Territory] = {}
    if doc is not None:
        try:
            sub = resolve_sub_territories(doc, territory) if territory is not None else {}
        except RoadmapImportError as exc:
            errors.extend(exc.errors)
    if errors or doc is None or territory is None:
        raise RoadmapImportError(errors or ["document : invalide"])
    return Checked(doc=doc, territory=territory, sub_territories=sub)


@transaction.atomic
def import_data(data: Any, *, actor: Any = None, territory: Territory | None = None) -> ImportResult:
    """Validate then write everything in one transaction; ``territory`` overrides the document's."""
    checked = check(data, territory=territory)
    importer = _Importer(checked.doc, checked.territory, checked.sub_territories)
    result = importer.run()
    record_change(
        actor=actor,
        action="import",
        instance=result.roadmap,
        territory_code=checked.territory.code,
        changes={"created": result.created, **result.counts},
        message=f"Import de la feuille de route {result.roadmap.slug}",
    )
    return result


class _Importer:
    def __init__(
        self,
        doc: RoadmapDocument,
        territory: Territory,
        sub_territories: dict[tuple[str, str, str], Territory] | None = None,
    ) -> None:
        self.doc = doc
        self.territory = territory
        self.sub_territories = sub_territories or {}
        self.orgs: dict[str, Organisation] = {}
        self.counts: dict[str, int] = {"actions": 0, "indicateurs": 0, "mesures": 0, "réunions": 0}

    def organisation(self, name: str) -> Organisation:
        name = name.strip()
        if name not in self.orgs:
            org = Organisation.objects.filter(name=name).order_by("pk").first()
            if org is None:
                org = Organisation.objects.create(name=name)
            self.orgs[name] = org
        return self.orgs[name]

    def run(self) -> ImportResult:
        header = self.doc.feuille_de_route
        roadmap, created = Roadmap.objects.update_or_create(
            slug=header.identifiant,
            defaults={
                "title": header.titre,
                "territory": self.territory,
                "carrier": self.organisation(header.porteur),
                "start_year": header.periode.debut,
                "end_year": header.periode.fin,
                "status": mapping.ROADMAP_STATUS[header.statut],
                "submitted_on": header.soumise_le,
                "adopted_on": header.adoptee_le,
                "summary": header.resume,
                "fne": header.fne,
                "source": header.source,
                "action_term": header.termes.action if header.termes else "action",
                "sub_action_term": header.termes.sous_action if header.termes else "sous_action",
                "diagnostic": self.doc.diagnostic.synthese if self.doc.diagnostic else "",
            },
        )
        self.context(roadmap)
        versions = {}
        for v in self.doc.versions:
            versions[v.numero], _ = RoadmapVersion.objects.update_or_create(
                roadmap=roadmap,
                number=v.numero,
                defaults={
                    "decided_by": v.instance,
                    "decided_on": v.date,
                    "reference": v.reference,
                    "prior_opinion": v.avis_prealable,
                    "changes": v.changements,
                },
            )
        roadmap.versions.exclude(number__in=list(versions)).delete()

        kept_actions: list[int] = []
        kept_axes: list[int] = []
        position = 0
        for axis_in in self.doc.axes:
            axis, _ = Axis.objects.update_or_create(
                roadmap=roadmap,
                number=axis_in.numero,
                defaults={"title": axis_in.titre, "description": axis_in.description},
            )
            kept_axes.append(axis.pk)
            objectives = {}
            for o in axis_in.objectifs:
                objectives[o.code], _ = Objective.objects.update_or_create(
                    axis=axis, code=o.code, defaults={"title": o.titre}
                )
            axis.objectives.exclude(code__in=list(objectives)).delete()
            for action_in in axis_in.actions:
                position += 1
                action = self.action(roadmap, axis, objectives, versions, action_in, position)
                kept_actions.append(action.pk)
                for k, sub_in in enumerate(action_in.sous_actions, 1):
                    position += 1
                    sub = self.action(roadmap, axis, {}, versions, sub_in, position, parent=action, index=k)
                    kept_actions.append(sub.pk)
        roadmap.actions.exclude(pk__in=kept_actions).delete()
        roadmap.axes.exclude(pk__in=kept_axes).delete()

        kept_bodies = [self.body(roadmap, body_in).pk for body_in in self.doc.gouvernance]
        roadmap.bodies.exclude(pk__in=kept_bodies).delete()
        return ImportResult(roadmap=roadmap, created=created, counts=self.counts)

    def context(self, roadmap: Roadmap) -> None:
        """Co-carriers, pooled fund, diagnostic and previous results, concertation: replaced as a whole."""
        header = self.doc.feuille_de_route
        roadmap.carriers.all().delete()
        seen: set[int] = set()
        carriers = []
        for i, c in enumerate(header.porteurs_associes, 1):
            org = self.organisation(c.structure)
            if org.pk not in seen:
                seen.add(org.pk)
                carriers.append(
                    RoadmapCarrier(roadmap=roadmap, organisation=org, role=c.role or "", position=i)
                )
        RoadmapCarrier.objects.bulk_create(carriers)
        roadmap.fund_contributions.all().delete()
        FundContribution.objects.bulk_create(
            FundContribution(
                roadmap=roadmap,
                position=i,
                fund=f.fonds,
                funder=self.organisation(f.financeur),
                amount=f.montant,
                year=f.annee,
                note=f.precision,
            )
            for i, f in enumerate(self.doc.fonds_mutualise, 1)
        )
        roadmap.key_figures.all().delete()
        figures = self.doc.diagnostic.chiffres_cles if self.doc.diagnostic else []
        KeyFigure.objects.bulk_create(
            [
                KeyFigure(
                    roadmap=roadmap,
                    section=section,
                    position=i,
                    label=k.libelle,
                    value=k.valeur,
                    value_text=k.valeur_texte,
                    unit=k.unite,
                    scope=k.territoire,
                    source=k.source,
                    vintage=k.millesime,
                )
                for section, items in (("diagnostic", figures), ("bilan_precedent", self.doc.bilan_precedent))
                for i, k in enumerate(items, 1)
            ]
        )
        roadmap.concertation.all().delete()
        ConcertationPhase.objects.bulk_create(
            ConcertationPhase(
                roadmap=roadmap,
                position=i,
                title=c.titre,
                period=c.periode,
                start_date=c.debut,
                end_date=c.fin,
                participants=c.participants,
                participant_count=c.nombre_participants,
                survey=c.enquete,
                respondents=c.repondants,
                description=c.description,
            )
            for i, c in enumerate(self.doc.concertation, 1)
        )

    def sub_action_number(self, roadmap: Roadmap, a: SubActionIn) -> int:
        """A sub-action without a number gets the next one after every number of the file, in order."""
        if a.numero is not None:
            return a.numero
        if not hasattr(self, "_next_number"):
            used = [
                n
                for axis in self.doc.axes
                for action in axis.actions
                for n in [action.numero, *(s.numero for s in action.sous_actions)]
                if n is not None
            ]
            self._next_number = max(used, default=0)
        self._next_number += 1
        return self._next_number

    def action(
        self,
        roadmap: Roadmap,
        axis: Axis,
        objectives: dict[str, Objective],
        versions: dict[int, RoadmapVersion],
        a: ActionIn,
        position: int,
        *,
        parent: Action | None = None,
        index: int = 0,
    ) -> Action:
        calendar = a.calendrier
        number = self.sub_action_number(roadmap, a) if isinstance(a, SubActionIn) else a.numero
        code = a.code
        if parent is not None and not code:
            code = f"{parent.label}.{index}"
        action, _ = Action.objects.update_or_create(
            roadmap=roadmap,
            number=number,
            defaults={
                "parent": parent,
                "code": code,
                "started_before": a.deja_engagee,
                "fne_axes": list(a.axes_fne),
                "axis": axis,
                "objective": objectives.get(a.objectif) if a.objectif else None,
                "position": position,
                "title": a.titre,
                "context": a.contexte,
                "description": a.description,
                "goals": a.objectifs_operationnels,
                "target_publics": a.publics_cibles,
                "beneficiaries": a.beneficiaires,
                "calendar": calendar.texte if calendar else "",
                "start_date": calendar.debut if calendar else None,
                "end_date": calendar.fin if calendar else None,
                "existing_resources": a.ressources_existantes,
                "obstacles": a.freins,
                "levers": a.leviers,
                "status": mapping.ACTION_STATUS[a.statut] if a.statut else None,
                "priority": mapping.PRIORITY[a.priorite] if a.priorite else None,
                "maturity": mapping.MATURITY[a.maturite] if a.maturite else None,
                "fne": a.fne,
                "progress": a.avancement,
                "progress_note": a.point_avancement,
                "introduced_by": versions.get(a.introduite_par_version) if a.introduite_par_version else None,
            },
        )
        self.counts["actions"] += 1
        action.leads.all().delete()
        leads: dict[int, ActionLead] = {}
        for lead in a.porteurs:
            org = self.organisation(lead.structure)
            leads.setdefault(org.pk, ActionLead(action=action, organisation=org, role=lead.role or ""))
        ActionLead.objects.bulk_create(leads.values())
        action.partners.set([self.organisation(n) for n in a.partenaires])
        action.target_territories.set(
            [self.sub_territories[(r.niveau, r.code, r.nom)] for r in a.territoires_cibles]
        )
        action.steps.all().delete()
        Step.objects.bulk_create(
            Step(action=action, position=i, title=s.titre, done=s.realisee) for i, s in enumerate(a.etapes, 1)
        )
        action.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(action=action, title=m.titre, due_on=m.date, done_on=m.atteint_le) for m in a.jalons
        )
        action.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(
                action=action,
                position=i,
                nature=b.nature,
                unit=b.unite,
                label=b.libelle,
                year=b.annee,
                planned=b.montant,
                spent=b.realise,
                funder=self.organisation(b.financeur) if b.financeur else None,
            )
            for i, b in enumerate(a.budget, 1)
        )
        for i, ind in enumerate(a.indicateurs, 1):
            indicator, _ = Indicator.objects.update_or_create(
                action=action,
                position=i,
                defaults={
                    "label": ind.libelle,
                    "kind": ind.type,
                    "unit": ind.unite,
                    "baseline": ind.valeur_initiale,
                    "target": ind.cible,
                    "target_text": ind.cible_texte,
                    "target_date": ind.echeance,
                    "frequency": ind.frequence,
                    "aggregation": ind.cumul,
                    "metric_key": ind.metrique,
                    "national_target": ind.objectif_national or "",
                },
            )
            self.counts["indicateurs"] += 1
            for m in ind.mesures:
                Measurement.objects.update_or_create(
                    indicator=indicator,
                    period_start=m.periode,
                    defaults={
                        "period_end": m.fin or period_end(m.periode, ind.frequence),
                        "value": m.valeur,
                        "text_value": m.appreciation,
                        "achieved": m.livrable_obtenu,
                        "comment": m.commentaire,
                    },
                )
                self.counts["mesures"] += 1
        action.indicators.filter(position__gt=len(a.indicateurs)).delete()
        return action

    def body(self, roadmap: Roadmap, b: BodyIn) -> GovernanceBody:
        body, _ = GovernanceBody.objects.update_or_create(
            roadmap=roadmap,
            name=b.nom,
            defaults={
                "kind": b.type,
                "mission": b.role,
                "frequency": b.frequence,
                "composition": b.composition,
            },
        )
        members: list[BodyMember] = []
        existing = list(body.members.select_related("organisation"))
        for m in b.membres:
            org = self.organisation(m.structure) if m.structure else None
            match = next(
                (
                    x
                    for x in existing
                    if x.organisation_id == (org.pk if org else None)
                    and x.person_name == m.personne
                    and x not in members
                ),
                None,
            )
            if match is None:
                match = BodyMember.objects.create(
                    body=body, organisation=org, person_name=m.personne, role=m.fonction
                )
            elif match.role != m.fonction:
                match.role = m.fonction
                match.save(update_fields=["role"])
            members.append(match)
        body.members.exclude(pk__in=[m.pk for m in members]).delete()
        for r in b.reunions:
            meeting, _ = Meeting.objects.update_or_create(
                body=body,
                date=r.date,
                defaults={
                    "location": r.lieu,
                    "agenda": r.ordre_du_jour,
                    "minutes": r.compte_rendu,
                    "decisions": r.decisions,
                },
            )
            self.counts["réunions"] += 1
            for p in r.presences:
                Attendance.objects.update_or_create(
                    meeting=meeting, member=members[p.membre], defaults={"status": p.statut}
                )
        return body


def period_end(start: date, frequency: str) -> date:
    months = {"mensuelle": 1, "trimestrielle": 3, "semestrielle": 6, "annuelle": 12}.get(frequency)
    if months is None:
        return start
    month = start.month - 1 + months
    year = start.year + month // 12
    return date(year, month % 12 + 1, 1) - timedelta(days=1)
