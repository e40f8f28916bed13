"""Structure pages: thin views over ``selectors`` (404 outside the user's territories, 403 without the
right role) and ``structure_services`` (permission check again, audit entry)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from maillage.core.permissions import has_role
from maillage.roadmaps import managed_lines, selectors
from maillage.roadmaps import structure_services as services
from maillage.roadmaps.models import (
    Action,
    Axis,
    BudgetLine,
    Indicator,
    Measurement,
    Milestone,
    Objective,
    Roadmap,
    Step,
)
from maillage.roadmaps.permissions import can_edit_action, can_edit_roadmap
from maillage.roadmaps.structure_forms import (
    ActionStructureForm,
    AxisForm,
    BudgetLineForm,
    IndicatorForm,
    MilestoneForm,
    ObjectiveForm,
    RoadmapCreateForm,
    StepForm,
)


def _page(
    request: HttpRequest,
    *,
    form: Any,
    roadmap: Roadmap | None,
    title: str,
    cancel_url: str,
    intro: str = "",
    action: Action | None = None,
) -> HttpResponse:
    return render(
        request,
        "roadmaps/structure_form.html",
        {
            "form": form,
            "roadmap": roadmap,
            "action": action,
            "page_title": title,
            "intro": intro,
            "cancel_url": cancel_url,
        },
        status=400 if request.method == "POST" else 200,
    )


def _action_url(action: Action) -> str:
    return reverse("roadmaps:action", args=[action.roadmap_id, action.number])


def _structure_url(roadmap: Roadmap) -> str:
    return reverse("roadmaps:structure", args=[roadmap.pk])


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def roadmap_create(request: HttpRequest) -> HttpResponse:
    _require(has_role(request.user, "coordinator") or request.user.is_superuser)
    form = RoadmapCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        roadmap = services.create_roadmap(actor=request.user, roadmap=form.save(commit=False))
        messages.success(
            request, _("Feuille de route « %(title)s » créée : ajoutez ses axes.") % {"title": roadmap.title}
        )
        return redirect("roadmaps:structure", pk=roadmap.pk)
    return _page(
        request,
        form=form,
        roadmap=None,
        title=_("Nouvelle feuille de route"),
        intro=_("Les axes, objectifs et actions s'ajoutent ensuite depuis la page « Structure »."),
        cancel_url=reverse("roadmaps:list"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def roadmap_edit(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    _require(can_edit_roadmap(request.user, roadmap))
    form = RoadmapCreateForm(request.POST or None, instance=roadmap, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.edit_roadmap(actor=request.user, roadmap=form.save(commit=False))
        messages.success(request, _("Feuille de route enregistrée."))
        return redirect("roadmaps:detail", pk=roadmap.pk)
    return _page(
        request,
        form=form,
        roadmap=roadmap,
        title=_("Modifier la feuille de route"),
        cancel_url=reverse("roadmaps:detail", args=[roadmap.pk]),
    )


@login_required
def structure(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap = selectors.get_roadmap_for_user(request.user, pk)
    _require(can_edit_roadmap(request.user, roadmap))
    roadmap = selectors.roadmap_tree(roadmap)
    return render(request, "roadmaps/structure.html", {"roadmap": roadmap, "axes": list(roadmap.axes.all())})


@login_required
@require_http_methods(["GET", "POST"])
def axis_edit(request: HttpRequest, pk: int | None = None, roadmap_pk: int | None = None) -> HttpResponse:
    if pk is not None:
        axis = selectors.get_axis_for_user(request.user, pk)
        roadmap = axis.roadmap
    else:
        roadmap = selectors.get_roadmap_for_user(request.user, roadmap_pk or 0)
        axis = Axis(roadmap=roadmap)
    _require(can_edit_roadmap(request.user, roadmap))
    form = AxisForm(request.POST or None, instance=axis, roadmap=roadmap)
    if request.method == "POST" and form.is_valid():
        services.save_axis(actor=request.user, axis=form.save(commit=False))
        messages.success(request, _("Axe enregistré."))
        return redirect(_structure_url(roadmap))
    title = _("Modifier l'axe %(number)s") % {"number": axis.number} if pk is not None else _("Nouvel axe")
    return _page(request, form=form, roadmap=roadmap, title=title, cancel_url=_structure_url(roadmap))


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, pk: int | None = None, axis_pk: int | None = None) -> HttpResponse:
    if pk is not None:
        objective = selectors.get_objective_for_user(request.user, pk)
        axis = objective.axis
    else:
        axis = selectors.get_axis_for_user(request.user, axis_pk or 0)
        objective = Objective(axis=axis)
    roadmap = axis.roadmap
    _require(can_edit_roadmap(request.user, roadmap))
    form = ObjectiveForm(request.POST or None, instance=objective, axis=axis)
    if request.method == "POST" and form.is_valid():
        services.save_objective(actor=request.user, objective=form.save(commit=False))
        messages.success(request, _("Objectif enregistré."))
        return redirect(_structure_url(roadmap))
    title = (
        _("Modifier l'objectif %(code)s") % {"code": objective.code}
        if pk is not None
        else _("Nouvel objectif de l'axe %(number)s") % {"number": axis.number}
    )
    return _page(request, form=form, roadmap=roadmap, title=title, cancel_url=_structure_url(roadmap))


@login_required
@require_http_methods(["GET", "POST"])
def action_structure(
    request: HttpRequest, pk: int | None = None, roadmap_pk: int | None = None
) -> HttpResponse:
    if pk is not None:
        action = selectors.get_action_for_user(request.user, pk)
        roadmap = action.roadmap
    else:
        roadmap = selectors.get_roadmap_for_user(request.user, roadmap_pk or 0)
        action = Action(roadmap=roadmap)
    _require(can_edit_roadmap(request.user, roadmap))
    form = ActionStructureForm(request.POST or None, instance=action, roadmap=roadmap)
    if request.method == "POST" and form.is_valid():
        saved = services.save_action_structure(
            actor=request.user,
            action=form.save(commit=False),
            leads=list(form.cleaned_data["lead_organisations"]),
            partners=list(form.cleaned_data["partners"]),
            new_leads=form.cleaned_data["new_leads"],
            new_partners=form.cleaned_data["new_partners"],
        )
        messages.success(request, _("Action créée.") if pk is None else _("Action enregistrée."))
        return redirect(_action_url(saved))
    if pk is None:
        title, cancel = _("Nouvelle action"), _structure_url(roadmap)
        intro = _(
            "La fiche (contexte, description, publics, calendrier…) se complète ensuite depuis la page de l'action."
        )
    else:
        title, cancel, intro = (
            _("Place et porteurs de l'action %(number)s") % {"number": action.number},
            _action_url(action),
            "",
        )
    return _page(
        request,
        form=form,
        roadmap=roadmap,
        title=title,
        cancel_url=cancel,
        intro=intro,
        action=action if pk else None,
    )


def _child(
    request: HttpRequest, *, pk: int | None, action_pk: int | None, getter: Any, model: Any
) -> tuple[Any, Action]:
    if pk is not None:
        item = getter(request.user, pk)
        return item, item.action
    action = selectors.get_action_for_user(request.user, action_pk or 0)
    return model(action=action), action


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int | None = None, action_pk: int | None = None) -> HttpResponse:
    indicator, action = _child(
        request, pk=pk, action_pk=action_pk, getter=selectors.get_indicator_for_user, model=Indicator
    )
    _require(can_edit_action(request.user, action))
    form = IndicatorForm(request.POST or None, instance=indicator, action=action)
    if request.method == "POST" and form.is_valid():
        services.save_indicator(
            actor=request.user, indicator=form.save(commit=False), position=form.cleaned_data["new_position"]
        )
        messages.success(request, _("Indicateur enregistré."))
        return redirect(_action_url(action))
    title = (
        _("Modifier l'indicateur")
        if pk is not None
        else _("Nouvel indicateur de l'action %(number)s") % {"number": action.number}
    )
    return _page(
        request, form=form, roadmap=action.roadmap, action=action, title=title, cancel_url=_action_url(action)
    )


@login_required
@require_http_methods(["GET", "POST"])
def budget_line_edit(
    request: HttpRequest, pk: int | None = None, action_pk: int | None = None
) -> HttpResponse:
    line, action = _child(
        request, pk=pk, action_pk=action_pk, getter=selectors.get_budget_line_for_user, model=BudgetLine
    )
    _require(can_edit_roadmap(request.user, action.roadmap))
    source = managed_lines.sources_for([line.pk]).get(line.pk) if line is not None else None
    if source is not None:  # kept by another context: changed where it comes from
        messages.info(request, _("Cette ligne est tenue par « %(source)s ».") % {"source": source.label})
        return redirect(source.url)
    form = BudgetLineForm(request.POST or None, instance=line, action=action)
    if request.method == "POST" and form.is_valid():
        services.save_budget_line(
            actor=request.user, line=form.save(commit=False), new_funder=form.cleaned_data["new_funder"]
        )
        messages.success(request, _("Ligne budgétaire enregistrée."))
        return redirect(_action_url(action))
    title = (
        _("Modifier la ligne budgétaire")
        if pk is not None
        else _("Nouvelle ligne budgétaire de l'action %(number)s") % {"number": action.number}
    )
    return _page(
        request, form=form, roadmap=action.roadmap, action=action, title=title, cancel_url=_action_url(action)
    )


@login_required
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, pk: int | None = None, action_pk: int | None = None) -> HttpResponse:
    step, action = _child(request, pk=pk, action_pk=action_pk, getter=selectors.get_step_for_user, model=Step)
    _require(can_edit_action(request.user, action))
    form = StepForm(request.POST or None, instance=step, action=action)
    if request.method == "POST" and form.is_valid():
        services.save_step(
            actor=request.user, step=form.save(commit=False), position=form.cleaned_data["new_position"]
        )
        messages.success(request, _("Étape enregistrée."))
        return redirect(_action_url(action))
    title = (
        _("Modifier l'étape clé")
        if pk is not None
        else _("Nouvelle étape clé de l'action %(number)s") % {"number": action.number}
    )
    return _page(
        request, form=form, roadmap=action.roadmap, action=action, title=title, cancel_url=_action_url(action)
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, pk: int | None = None, action_pk: int | None = None) -> HttpResponse:
    milestone, action = _child(
        request, pk=pk, action_pk=action_pk, getter=selectors.get_milestone_for_user, model=Milestone
    )
    _require(can_edit_action(request.user, action))
    form = MilestoneForm(request.POST or None, instance=milestone, action=action)
    if request.method == "POST" and form.is_valid():
        services.save_milestone(actor=request.user, milestone=form.save(commit=False))
        messages.success(request, _("Jalon enregistré."))
        return redirect(_action_url(action))
    title = (
        _("Modifier le jalon")
        if pk is not None
        else _("Nouveau jalon de l'action %(number)s") % {"number": action.number}
    )
    return _page(
        request, form=form, roadmap=action.roadmap, action=action, title=title, cancel_url=_action_url(action)
    )


DELETABLE = {
    "action": (selectors.get_action_for_user, gettext_lazy("l'action")),
    "axe": (selectors.get_axis_for_user, gettext_lazy("l'axe")),
    "objectif": (selectors.get_objective_for_user, gettext_lazy("l'objectif")),
    "indicateur": (selectors.get_indicator_for_user, gettext_lazy("l'indicateur")),
    "budget": (selectors.get_budget_line_for_user, gettext_lazy("la ligne budgétaire")),
    "etape": (selectors.get_step_for_user, gettext_lazy("l'étape clé")),
    "jalon": (selectors.get_milestone_for_user, gettext_lazy("le jalon")),
}


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind not in DELETABLE:
        raise Http404
    getter, label = DELETABLE[kind]
    item = getter(request.user, pk)
    if isinstance(item, Action):
        roadmap, back = item.roadmap, reverse("roadmaps:detail", args=[item.roadmap_id])
        allowed = can_edit_roadmap(request.user, roadmap)
    elif isinstance(item, Axis):
        roadmap, back = item.roadmap, _structure_url(item.roadmap)
        allowed = can_edit_roadmap(request.user, roadmap)
    elif isinstance(item, Objective):
        roadmap, back = item.axis.roadmap, _structure_url(item.axis.roadmap)
        allowed = can_edit_roadmap(request.user, roadmap)
    else:
        roadmap, back = item.action.roadmap, _action_url(item.action)
        if isinstance(item, Indicator):
            allowed = services.can_delete_indicator(request.user, item)
        elif isinstance(item, BudgetLine):
            allowed = can_edit_roadmap(request.user, roadmap)
            source = managed_lines.sources_for([item.pk]).get(item.pk)
            if allowed and source is not None:  # kept by another context: removed there
                messages.info(
                    request, _("Cette ligne est tenue par « %(source)s ».") % {"source": source.label}
                )
                return redirect(source.url)
        else:
            allowed = can_edit_action(request.user, item.action)
    _require(allowed)
    blocked = isinstance(item, Axis) and item.actions.exists()
    if request.method == "POST" and not blocked:
        try:
            services.delete_item(actor=request.user, item=item)
        except ProtectedError:  # e.g. an action with funding applications: they are kept, not cascaded
            messages.error(
                request,
                _(
                    "Suppression impossible : d'autres éléments y sont rattachés (des dossiers de financement, "
                    "par exemple). Retirez-les ou rattachez-les ailleurs d'abord."
                ),
            )
            return redirect(back if not isinstance(item, Action) else _action_url(item))
        messages.success(request, _("Suppression effectuée."))
        return redirect(back)
    if isinstance(item, Action):  # back to the action page when the deletion is cancelled
        back = _action_url(item)
    return render(
        request,
        "roadmaps/structure_delete.html",
        {
            "item": item,
            "label": label,
            "roadmap": roadmap,
            "cancel_url": back,
            "blocked": blocked,
            "measurement_count": (
                item.measurements.count()
                if isinstance(item, Indicator)
                else Measurement.objects.filter(indicator__action=item).count()
                if isinstance(item, Action)
                else 0
            ),
            "indicator_count": item.indicators.count() if isinstance(item, Action) else 0,
            "action_count": item.actions.count() if isinstance(item, Axis | Objective) else 0,
        },
        status=400 if request.method == "POST" else 200,
    )
