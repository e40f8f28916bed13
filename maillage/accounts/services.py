"""Account helpers: what a professional's workspace offers, by role.

Each bounded context registers the links it offers to roles in ``WORKSPACE_LINKS`` (url name, label,
roles). Kept as data here so the home page stays a thin view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from maillage.core.permissions import active_memberships


@dataclass(frozen=True)
class WorkspaceLink:
    url_name: str
    label: Any
    roles: tuple[str, ...]
    description: Any = ""


ALL = ("coordinator", "action_lead", "mediator", "prescriber", "viewer")

WORKSPACE_LINKS: list[WorkspaceLink] = [
    WorkspaceLink(
        "accounts:team",
        _("Équipe du territoire"),
        ("coordinator",),
        _("Inviter, habiliter, structures et gestionnaires de lieux."),
    ),
    WorkspaceLink(
        "accounts:account", _("Mon compte"), ALL, _("Identité, mot de passe, double authentification.")
    ),
    WorkspaceLink(
        "places:manage", _("Lieux et acteurs"), ALL, _("Tenir à jour les lieux et les médiateurs.")
    ),
    WorkspaceLink(
        "places:stale",
        _("Lieux à vérifier"),
        ("coordinator",),
        _("Lieux non vérifiés depuis plus de 6 mois."),
    ),
    WorkspaceLink(
        "places:import",
        _("Importer des lieux"),
        ("coordinator",),
        _("Fichier CSV ou JSON au standard national."),
    ),
    WorkspaceLink(
        "places:duplicates",
        _("Doublons probables"),
        ("coordinator",),
        _("Lieux à fusionner ou à distinguer."),
    ),
    WorkspaceLink(
        "places:annuaire", _("Annuaire imprimable"), ALL, _("PDF par commune, EPCI ou département.")
    ),
    WorkspaceLink(
        "roadmaps:list", _("Feuilles de route"), ALL, _("Actions, indicateurs, budgets, gouvernance.")
    ),
    WorkspaceLink(
        "activities:list",
        _("Activité de médiation"),
        ("mediator", "coordinator"),
        _("Comptes rendus d'activité."),
    ),
    WorkspaceLink("activities:stats", _("Statistiques d'activité"), ("mediator", "coordinator", "viewer")),
    WorkspaceLink(
        "pathways:home",
        _("Parcours usager"),
        ("prescriber", "coordinator", "mediator", "viewer"),
        _("Diagnostics et orientations."),
    ),
    WorkspaceLink(
        "equipment:home",
        _("Reconditionnement"),
        ("coordinator", "mediator", "viewer", "action_lead"),
        _("Dons de matériel, atelier, personnes équipées, suivi à six mois."),
    ),
    WorkspaceLink(
        "funding:home",
        _("Financements"),
        ("coordinator", "action_lead", "viewer"),
        _("Veille des appels, dossiers de financement des actions, dégressivité des postes."),
    ),
    WorkspaceLink(
        "events:list",
        _("Animation du réseau"),
        ALL,
        _("Formations, rencontres, Numérique en Commun : inscriptions, présences, évaluations."),
    ),
    WorkspaceLink(
        "training:home",
        _("Formation des aidants"),
        ("coordinator", "action_lead", "viewer"),
        _("Aidants formés, habilitations Aidants Connect, objectif de la feuille de route."),
    ),
    WorkspaceLink(
        "training:needs",
        _("Besoins de formation"),
        ("coordinator", "action_lead", "mediator", "prescriber"),
        _("Dire quels modules manquent à votre structure."),
    ),
    WorkspaceLink(
        "observatory:index",
        _("Observatoire territorial"),
        ALL,
        _("Fragilité numérique et offre, commune par commune ; fiches EPCI."),
    ),
]


def workspace_links(user: Any) -> list[dict[str, Any]]:
    roles = {m.role for m in active_memberships(user)}
    links = []
    for link in WORKSPACE_LINKS:
        if roles.intersection(link.roles):
            try:
                url = reverse(link.url_name)
            except NoReverseMatch:
                continue
            links.append({"url": url, "label": link.label, "description": link.description})
    return links
