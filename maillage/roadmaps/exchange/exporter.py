"""Export a roadmap to the exchange format (the inverse of the importer: export → import → export is stable)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import yaml
from django.db.models import Prefetch

from maillage.roadmaps.exchange import mapping
from maillage.roadmaps.exchange.schema import FORMAT_ID
from maillage.roadmaps.models import (
    Action,
    ActionLead,
    Attendance,
    BodyMember,
    FundContribution,
    GovernanceBody,
    Indicator,
    Meeting,
    Roadmap,
    RoadmapCarrier,
)

_REV_STATUS = mapping.reverse(mapping.ACTION_STATUS)
_REV_PRIORITY = mapping.reverse(mapping.PRIORITY)
_REV_MATURITY = mapping.reverse(mapping.MATURITY)
_REV_ROADMAP = mapping.reverse(mapping.ROADMAP_STATUS)
_REV_LEVEL = mapping.reverse(mapping.TERRITORY_LEVEL)

DEFAULTS = {"fne": True, "deja_engagee": False}


def _org_role(name: str, role: str) -> Any:
    return {"structure": name, "role": role} if role else name


def _figure(k: Any) -> dict[str, Any]:
    return _compact(
        {
            "libelle": k.label,
            "valeur": _num(k.value),
            "valeur_texte": k.value_text,
            "unite": k.unit,
            "territoire": k.scope,
            "source": k.source,
            "millesime": k.vintage,
        }
    )


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _compact(data: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if value is None or value == "" or value == []:
            continue
        if defaults and key in defaults and defaults[key] == value:
            continue
        out[key] = value
    return out


def export_data(roadmap: Roadmap) -> dict[str, Any]:
    roadmap = (
        Roadmap.objects.select_related("territory", "carrier")
        .prefetch_related(
            "versions",
            "axes__objectives",
            Prefetch("carriers", queryset=RoadmapCarrier.objects.select_related("organisation")),
            Prefetch("fund_contributions", queryset=FundContribution.objects.select_related("funder")),
            "key_figures",
            "concertation",
            Prefetch(
                "axes__actions",
                queryset=Action.objects.select_related(
                    "objective", "introduced_by", "parent"
                ).prefetch_related(
                    Prefetch("leads", queryset=ActionLead.objects.select_related("organisation")),
                    "target_territories",
                    "partners",
                    "steps",
                    "milestones",
                    "budget_lines__funder",
                    Prefetch("indicators", queryset=Indicator.objects.prefetch_related("measurements")),
                ),
            ),
            Prefetch(
                "bodies",
                queryset=GovernanceBody.objects.order_by("pk").prefetch_related(
                    Prefetch(
                        "members", queryset=BodyMember.objects.select_related("organisation").order_by("pk")
                    ),
                    Prefetch(
                        "meetings",
                        queryset=Meeting.objects.order_by("date").prefetch_related(
                            Prefetch("attendances", queryset=Attendance.objects.order_by("member_id"))
                        ),
                    ),
                ),
            ),
        )
        .get(pk=roadmap.pk)
    )
    territory = roadmap.territory
    header = _compact(
        {
            "identifiant": roadmap.slug,
            "titre": roadmap.title,
            "territoire": {
                "niveau": _REV_LEVEL[territory.kind],
                "code": territory.code,
                "nom": territory.name,
            },
            "porteur": roadmap.carrier.name,
            "periode": {"debut": roadmap.start_year, "fin": roadmap.end_year},
            "statut": _REV_ROADMAP[roadmap.status],
            "soumise_le": roadmap.submitted_on,
            "adoptee_le": roadmap.adopted_on,
            "porteurs_associes": [_org_role(c.organisation.name, c.role) for c in roadmap.carriers.all()],
            "termes": _compact(
                {"action": roadmap.action_term, "sous_action": roadmap.sub_action_term},
                {"action": "action", "sous_action": "sous_action"},
            )
            or None,
            "resume": roadmap.summary,
            "fne": roadmap.fne,
            "source": roadmap.source,
        }
    )
    figures = list(roadmap.key_figures.all())
    diagnostic = _compact(
        {
            "synthese": roadmap.diagnostic,
            "chiffres_cles": [_figure(k) for k in figures if k.section == "diagnostic"],
        }
    )
    out = {
        "format": FORMAT_ID,
        "feuille_de_route": header,
        "versions": [
            _compact(
                {
                    "numero": v.number,
                    "instance": v.decided_by,
                    "date": v.decided_on,
                    "reference": v.reference,
                    "avis_prealable": v.prior_opinion,
                    "changements": v.changes,
                }
            )
            for v in roadmap.versions.all()
        ],
        "diagnostic": diagnostic or None,
        "bilan_precedent": [_figure(k) for k in figures if k.section == "bilan_precedent"],
        "concertation": [
            _compact(
                {
                    "titre": c.title,
                    "periode": c.period,
                    "debut": c.start_date,
                    "fin": c.end_date,
                    "participants": list(c.participants),
                    "nombre_participants": c.participant_count,
                    "enquete": c.survey,
                    "repondants": c.respondents,
                    "description": c.description,
                }
            )
            for c in roadmap.concertation.all()
        ],
        "fonds_mutualise": [
            _compact(
                {
                    "fonds": f.fund,
                    "financeur": f.funder.name,
                    "montant": _num(f.amount),
                    "annee": f.year,
                    "precision": f.note,
                }
            )
            for f in roadmap.fund_contributions.all()
        ],
        "axes": [
            _compact(
                {
                    "numero": axis.number,
                    "titre": axis.title,
                    "description": axis.description,
                    "objectifs": [{"code": o.code, "titre": o.title} for o in axis.objectives.all()],
                    "actions": _axis_actions(list(axis.actions.all())),
                }
            )
            for axis in roadmap.axes.all()
        ],
        "gouvernance": [_body(b) for b in roadmap.bodies.all()],
    }
    # optional top-level sections are left out when empty (an @1 roadmap exports as it was)
    return {k: v for k, v in out.items() if v not in (None, [], {}) or k in ("format", "axes")}


def _axis_actions(actions: list[Action]) -> list[dict[str, Any]]:
    children: dict[int, list[Action]] = {}
    for a in actions:
        if a.parent_id is not None:
            children.setdefault(a.parent_id, []).append(a)
    out = []
    for a in actions:
        if a.parent_id is None:
            data = _action(a)
            subs = [_action(s, sub=True) for s in children.get(a.pk, [])]
            if subs:
                data["sous_actions"] = subs
            out.append(data)
    return out


def _action(a: Action, *, sub: bool = False) -> dict[str, Any]:
    calendar = _compact({"texte": a.calendar, "debut": a.start_date, "fin": a.end_date})
    return _compact(
        {
            "numero": a.number,
            "code": a.code,
            "titre": a.title,
            "objectif": a.objective.code if a.objective else None,
            "contexte": a.context,
            "description": a.description,
            "objectifs_operationnels": list(a.goals),
            "etapes": [
                s.title if not s.done else {"titre": s.title, "realisee": True} for s in a.steps.all()
            ],
            "publics_cibles": list(a.target_publics),
            "beneficiaires": list(a.beneficiaries),
            "porteurs": [
                _org_role(lead.organisation.name, lead.role)
                for lead in sorted(a.leads.all(), key=lambda x: x.organisation.name)
            ],
            "partenaires": sorted(o.name for o in a.partners.all()),
            "calendrier": calendar or None,
            "jalons": [
                _compact({"titre": m.title, "date": m.due_on, "atteint_le": m.done_on})
                for m in a.milestones.all()
            ],
            "budget": [
                _compact(
                    {
                        "nature": b.nature,
                        "unite": b.unit,
                        "libelle": b.label,
                        "annee": b.year,
                        "montant": _num(b.planned),
                        "realise": _num(b.spent),
                        "financeur": b.funder.name if b.funder else "",
                    }
                )
                for b in a.budget_lines.all()
            ],
            "ressources_existantes": list(a.existing_resources),
            "freins": list(a.obstacles),
            "leviers": list(a.levers),
            "statut": _REV_STATUS[a.status] if a.status else None,
            "priorite": _REV_PRIORITY[a.priority] if a.priority else None,
            "maturite": _REV_MATURITY[a.maturity] if a.maturity else None,
            "deja_engagee": a.started_before,
            "fne": a.fne,
            "axes_fne": list(a.fne_axes),
            "territoires_cibles": [
                {"niveau": _REV_LEVEL[t.kind], "code": t.code, "nom": t.name}
                for t in sorted(a.target_territories.all(), key=lambda t: (t.kind, t.code))
            ],
            "avancement": a.progress,
            "point_avancement": a.progress_note,
            "introduite_par_version": a.introduced_by.number if a.introduced_by else None,
            "indicateurs": [_indicator(i) for i in a.indicators.all()],
        },
        DEFAULTS,
    )


def _indicator(i: Indicator) -> dict[str, Any]:
    return _compact(
        {
            "libelle": i.label,
            "type": i.kind,
            "unite": i.unit,
            "valeur_initiale": _num(i.baseline),
            "cible": _num(i.target),
            "cible_texte": i.target_text,
            "echeance": i.target_date,
            "frequence": i.frequency,
            "cumul": i.aggregation,
            "metrique": i.metric_key,
            "objectif_national": i.national_target,
            "mesures": [
                _compact(
                    {
                        "periode": m.period_start,
                        "fin": m.period_end,
                        "valeur": _num(m.value),
                        "appreciation": m.text_value,
                        "livrable_obtenu": m.achieved,
                        "commentaire": m.comment,
                    }
                )
                for m in i.measurements.all()
            ],
        },
        {"type": "quantitatif", "frequence": "annuelle", "cumul": "somme"},
    )


def _body(b: GovernanceBody) -> dict[str, Any]:
    members = list(b.members.all())
    index = {m.pk: i for i, m in enumerate(members)}
    return _compact(
        {
            "type": b.kind,
            "nom": b.name,
            "role": b.mission,
            "frequence": b.frequency,
            "composition": b.composition,
            "membres": [
                _compact(
                    {
                        "structure": m.organisation.name if m.organisation else "",
                        "personne": m.person_name,
                        "fonction": m.role,
                    }
                )
                for m in members
            ],
            "reunions": [
                _compact(
                    {
                        "date": r.date,
                        "lieu": r.location,
                        "ordre_du_jour": r.agenda,
                        "compte_rendu": r.minutes,
                        "decisions": r.decisions,
                        "presences": [
                            {"membre": index[p.member_id], "statut": p.status}
                            for p in sorted(r.attendances.all(), key=lambda p: index[p.member_id])
                        ],
                    }
                )
                for r in b.meetings.all()
            ],
        }
    )


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
