"""Pages of what surrounds the actions: co-carriers, diagnostic key figures, concertation, pooled fund
(coordinators of the roadmap's territory; 404 elsewhere, 403 without the role)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from maillage.roadmaps import context_services as services
from maillage.roadmaps import selectors
from maillage.roadmaps.context_forms import (
    CarrierForm,
    ConcertationPhaseForm,
    FundContributionForm,
    KeyFigureForm,
)
from maillage.roadmaps.models import ConcertationPhase, FundContribution, KeyFigure, RoadmapCarrier
from maillage.roadmaps.permissions import can_edit_roadmap
from maillage.roadmaps.structure_views import _page, _require

# URL word → model, form, (new title, edit title, saved message, name in « supprimer … »)
KINDS: dict[str, tuple[Any, Any, tuple[Any, Any, Any, Any]]] = {
    "porteur": (
        RoadmapCarrier,
        CarrierForm,
        (
            gettext_lazy("Nouvelle structure porteuse"),
            gettext_lazy("Modifier la structure porteuse"),
            gettext_lazy("Structure porteuse enregistrée."),
            gettext_lazy("la structure porteuse"),
        ),
    ),
    "chiffre-cle": (
        KeyFigure,
        KeyFigureForm,
        (
            gettext_lazy("Nouveau chiffre clé"),
            gettext_lazy("Modifier le chiffre clé"),
            gettext_lazy("Chiffre clé enregistré."),
            gettext_lazy("le chiffre clé"),
        ),
    ),
    "concertation": (
        ConcertationPhase,
        ConcertationPhaseForm,
        (
            gettext_lazy("Nouvelle phase de concertation"),
            gettext_lazy("Modifier la phase de concertation"),
            gettext_lazy("Phase de concertation enregistrée."),
            gettext_lazy("la phase de concertation"),
        ),
    ),
    "fonds": (
        FundContribution,
        FundContributionForm,
        (
            gettext_lazy("Nouvel apport au fonds mutualisé"),
            gettext_lazy("Modifier l'apport au fonds mutualisé"),
            gettext_lazy("Apport enregistré."),
            gettext_lazy("l'apport au fonds mutualisé"),
        ),
    ),
}


def _kind(kind: str) -> tuple[Any, Any, tuple[Any, Any, Any, Any]]:
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _context_url(roadmap_pk: int) -> str:
    return reverse("roadmaps:context", args=[roadmap_pk])


@login_required
def context(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    _require(can_edit_roadmap(request.user, roadmap))
    return render(
        request,
        "roadmaps/context.html",
        {
            "roadmap": roadmap,
            "carriers": list(roadmap.carriers.select_related("organisation")),
            "figures": list(roadmap.key_figures.all()),
            "phases": list(roadmap.concertation.all()),
            "funds": list(roadmap.fund_contributions.select_related("funder")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def context_edit(
    request: HttpRequest, kind: str, pk: int | None = None, roadmap_pk: int | None = None
) -> HttpResponse:
    model, form_class, (new_title, edit_title, saved, _name) = _kind(kind)
    if pk is not None:
        item = selectors.get_context_item_for_user(model, request.user, pk)
        roadmap = item.roadmap
    else:
        roadmap = selectors.get_roadmap_for_user(request.user, roadmap_pk or 0)
        item = model(roadmap=roadmap)
    _require(can_edit_roadmap(request.user, roadmap))
    form = form_class(request.POST or None, instance=item, roadmap=roadmap)
    if request.method == "POST" and form.is_valid():
        services.save_context_item(
            actor=request.user,
            item=form.save(commit=False),
            new_organisation=form.cleaned_data.get("new_organisation") or "",
        )
        messages.success(request, str(saved))
        return redirect(_context_url(roadmap.pk))
    return _page(
        request,
        form=form,
        roadmap=roadmap,
        title=str(edit_title if pk is not None else new_title),
        cancel_url=_context_url(roadmap.pk),
    )


def context_create(request: HttpRequest, roadmap_pk: int, kind: str) -> HttpResponse:
    return context_edit(request, kind, roadmap_pk=roadmap_pk)


@login_required
@require_http_methods(["GET", "POST"])
def context_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model, _form, (_new, _edit, _saved, name) = _kind(kind)
    item = selectors.get_context_item_for_user(model, request.user, pk)
    roadmap = item.roadmap
    _require(can_edit_roadmap(request.user, roadmap))
    if request.method == "POST":
        services.delete_context_item(actor=request.user, item=item)
        messages.success(request, _("Suppression effectuée."))
        return redirect(_context_url(roadmap.pk))
    return render(
        request,
        "roadmaps/structure_delete.html",
        {
            "item": item,
            "label": name,
            "roadmap": roadmap,
            "cancel_url": _context_url(roadmap.pk),
            "blocked": False,
            "measurement_count": 0,
            "indicator_count": 0,
            "action_count": 0,
        },
    )
