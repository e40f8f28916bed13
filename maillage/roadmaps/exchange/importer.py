"""All-or-nothing, idempotent import of a roadmap document (natural keys: identifiant, numbers…)."""

from __future__ import annotations

import json
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
    ActionIn,
    BodyIn,
    RoadmapDocument,
    consistency_errors,
    validation_errors,
)
from maillage.roadmaps.models import (
    Action,
    Attendance,
    Axis,
    BodyMember,
    BudgetLine,
    GovernanceBody,
    Indicator,
    Measurement,
    Meeting,
    Milestone,
    Objective,
    Roadmap,
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


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader refusing anchors and aliases (an alias bomb would make validation explode)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "alias YAML non accepté", event.start_mark)
        return super().compose_node(parent, index)


def parse_text(text: str, *, filename: str = "") -> Any:
    try:
        if filename.endswith(".json"):
            return json.loads(text)
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 — a SafeLoader subclass
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark is not None else ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" (ligne {exc.lineno}, colonne {exc.colno})"
        raise RoadmapImportError([f"document : fichier illisible{where}"]) from None


def validate(data: Any) -> RoadmapDocument:
    if not isinstance(data, dict):
        raise RoadmapImportError(["document : objet attendu (clés format, feuille_de_route, axes…)"])
    try:
        doc = RoadmapDocument.model_validate(data)
    except ValidationError as exc:
        raise RoadmapImportError(validation_errors(exc)) from None
    errors = consistency_errors(doc)
    if errors:
        raise RoadmapImportError(errors)
    return doc


def resolve_territory(doc: RoadmapDocument) -> Territory:
    ref = doc.feuille_de_route.territoire
    qs = Territory.objects.filter(kind=mapping.TERRITORY_LEVEL[ref.niveau])
    territory = qs.filter(code=ref.code).first() if ref.code else None
    if territory is None and ref.nom:
        territory = qs.filter(name__iexact=ref.nom).first()
    if territory is None:
        label = ref.code or ref.nom
        raise RoadmapImportError(
            [f"feuille_de_route.territoire : territoire « {label} » ({ref.niveau}) introuvable"]
        )
    return territory


def import_file(path: str | Path, *, actor: Any = None, territory: Territory | None = None) -> ImportResult:
    path = Path(path)
    return import_data(
        parse_text(path.read_text(encoding="utf-8"), filename=path.name), actor=actor, territory=territory
    )


@transaction.atomic
def import_data(data: Any, *, actor: Any = None, territory: Territory | None = None) -> ImportResult:
    """Validate then write everything in one transaction; ``territory`` overrides the document's."""
    doc = validate(data)
    if territory is None:
        territory = resolve_territory(doc)
    importer = _Importer(doc, territory)
    result = importer.run()
    record_change(
        actor=actor,
        action="import",
        instance=result.roadmap,
        territory_code=territory.code,
        changes={"created": result.created, **result.counts},
        message=f"Import de la feuille de route {result.roadmap.slug}",
    )
    return result


class _Importer:
    def __init__(self, doc: RoadmapDocument, territory: Territory) -> None:
        self.doc = doc
        self.territory = territory
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
                "adopted_on": header.adoptee_le,
                "summary": header.resume,
                "fne": header.fne,
                "source": header.source,
            },
        )
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
        roadmap.actions.exclude(pk__in=kept_actions).delete()
        roadmap.axes.exclude(pk__in=kept_axes).delete()

        kept_bodies = [self.body(roadmap, body_in).pk for body_in in self.doc.gouvernance]
        roadmap.bodies.exclude(pk__in=kept_bodies).delete()
        return ImportResult(roadmap=roadmap, created=created, counts=self.counts)

    def action(
        self,
        roadmap: Roadmap,
        axis: Axis,
        objectives: dict[str, Objective],
        versions: dict[int, RoadmapVersion],
        a: ActionIn,
        position: int,
    ) -> Action:
        calendar = a.calendrier
        action, _ = Action.objects.update_or_create(
            roadmap=roadmap,
            number=a.numero,
            defaults={
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
                "status": mapping.ACTION_STATUS[a.statut],
                "priority": mapping.PRIORITY[a.priorite],
                "maturity": mapping.MATURITY[a.maturite],
                "fne": a.fne,
                "progress": a.avancement,
                "progress_note": a.point_avancement,
                "introduced_by": versions.get(a.introduite_par_version) if a.introduite_par_version else None,
            },
        )
        self.counts["actions"] += 1
        action.lead_organisations.set([self.organisation(n) for n in a.porteurs])
        action.partners.set([self.organisation(n) for n in a.partenaires])
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
