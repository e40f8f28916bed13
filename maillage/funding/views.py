"""Pages of the funding watch: opportunities, applications (payments, documents), posts' dégressivité."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.core.permissions import refuse_if_revoked, territories_for
from maillage.funding import selectors, services
from maillage.funding.forms import (
    ApplicationForm,
    DocumentForm,
    InstalmentForm,
    OpportunityForm,
    PostForm,
    PostYearForm,
)
from maillage.funding.models import AdvisorPost, Application, ApplicationStatus, Opportunity
from maillage.funding.permissions import EDIT_ROLES, can_edit_in, is_superuser
from maillage.roadmaps.permissions import can_edit_action

PAGE_SIZE = 50


def _member(request: HttpRequest) -> None:
    """Professionals of a territory only; a removed member gets 404 like everywhere."""
    refuse_if_revoked(request.user)
    if not is_superuser(request.user) and not territories_for(request.user):
        raise Http404


def _edit_territories(user: Any) -> list[Any]:
    from maillage.territories.models import Territory

    if is_superuser(user):
        return list(Territory.objects.filter(kind__in=["department", "epci"]).order_by("kind", "name"))
    return territories_for(user, EDIT_ROLES)


def _editable_actions(user: Any) -> Any:
    from maillage.roadmaps.models import Action, Roadmap
    from maillage.roadmaps.permissions import lead_organisation_ids, roadmaps_q
    from maillage.roadmaps.selectors import roadmaps_visible_to

    qs = Action.objects.select_related("roadmap").order_by("roadmap__title", "position", "number")
    if is_superuser(user):
        return qs
    coordinated = Roadmap.objects.filter(roadmaps_q(user, ("coordinator",))).values("pk")
    led = Roadmap.objects.filter(roadmaps_q(user, ("action_lead",))).values("pk")
    orgs = lead_organisation_ids(user)
    from django.db.models import Q

    return qs.filter(
        Q(roadmap__in=coordinated) | Q(roadmap__in=led, lead_organisations__in=orgs or [0]),
        roadmap__in=roadmaps_visible_to(user).values("pk"),
    ).distinct()


def _refused(form: Any, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))


def _form_page(
    request: HttpRequest, *, form: Any, title: str, cancel_url: str, multipart: bool = False
) -> HttpResponse:
    return render(
        request,
        "funding/form.html",
        {"form": form, "title": title, "cancel_url": cancel_url, "multipart": multipart},
        status=400 if request.method == "POST" else 200,
    )


# --- Home ------------------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _member(request)
    today = timezone.localdate()
    upcoming = list(selectors.list_opportunities(request.user, open_only=True, today=today)[:5])
    applications = list(selectors.list_applications(request.user))
    return render(
        request,
        "funding/home.html",
        {
            "upcoming": upcoming,
            "totals": selectors.application_totals(applications),
            "by_status": [
                (label, sum(1 for a in applications if a.status == value))
                for value, label in ApplicationStatus.choices
            ],
            "can_watch": bool(_edit_territories(request.user)),
            "post_territories": selectors.post_territories(request.user),
        },
    )


# --- Opportunities ---------------------------------------------------------------------------------


@login_required
def opportunity_list(request: HttpRequest) -> HttpResponse:
    _member(request)
    today = timezone.localdate()
    show_all = request.GET.get("toutes") == "1"
    qs = selectors.list_opportunities(request.user, open_only=not show_all, today=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funding/opportunity_list.html",
        {
            "page": page,
            "show_all": show_all,
            "today": today,
            "can_watch": bool(_edit_territories(request.user)),
        },
    )


@login_required
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_opportunity_for_user(request.user, pk)
    applications = list(
        selectors.applications_visible_to(request.user)
        .filter(opportunity=opportunity)
        .order_by("-created_at")
    )
    return render(
        request,
        "funding/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "applications": applications,
            "can_edit": can_edit_in(request.user, opportunity.territory),
            "can_apply": _editable_actions(request.user).exists(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    territories = _edit_territories(request.user)
    if pk is not None:
        opportunity = selectors.get_opportunity_for_user(request.user, pk)
        if not can_edit_in(request.user, opportunity.territory):
            raise PermissionDenied
    else:
        _member(request)
        if not territories:
            raise PermissionDenied
        opportunity = Opportunity()
    form = OpportunityForm(request.POST or None, instance=opportunity, territories=territories)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_opportunity(
                actor=request.user,
                opportunity=form.save(commit=False),
                new_funder=form.cleaned_data["new_funder"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Opportunité enregistrée."))
            return redirect("funding:opportunity", pk=saved.pk)
    title = _("Modifier l'opportunité") if pk else _("Nouvelle opportunité de financement")
    cancel = reverse("funding:opportunity", args=[pk]) if pk else reverse("funding:opportunities")
    return _form_page(request, form=form, title=title, cancel_url=cancel)


# --- Applications ----------------------------------------------------------------------------------


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    _member(request)
    status = request.GET.get("statut", "")
    if status not in ApplicationStatus.values:
        status = ""
    raw_action = request.GET.get("action", "")
    action_id = int(raw_action) if raw_action.isdigit() and len(raw_action) < 12 else None
    qs = selectors.list_applications(request.user, status=status, action_id=action_id)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    return render(
        request,
        "funding/application_list.html",
        {
            "page": page,
            "rows": rows,
            "totals": selectors.application_totals(rows),
            "status": status,
            "status_query": (f"&statut={status}" if status else "")
            + (f"&action={action_id}" if action_id else ""),
            "action_id": action_id,
            "statuses": ApplicationStatus.choices,
            "can_apply": _editable_actions(request.user).exists(),
        },
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_detail(selectors.get_application_for_user(request.user, pk))
    instalments = list(application.instalments.all())
    received = sum((i.amount for i in instalments), Decimal(0)) if instalments else None  # none: unknown
    can_edit = can_edit_action(request.user, application.action)
    return render(
        request,
        "funding/application_detail.html",
        {
            "application": application,
            "action": application.action,
            "instalments": instalments,
            "received": received,
            "documents": list(application.documents.all()),
            "can_edit": can_edit,
            "instalment_form": InstalmentForm(prefix="versement")
            if can_edit and application.is_granted
            else None,
            "document_form": DocumentForm(prefix="piece") if can_edit else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actions = _editable_actions(request.user)
    opportunities = selectors.opportunities_visible_to(request.user).order_by("title")
    if pk is not None:
        application = selectors.get_application_for_user(request.user, pk)
        if not can_edit_action(request.user, application.action):
            raise PermissionDenied
    else:
        _member(request)
        if not actions.exists():
            raise PermissionDenied
        application = Application()
    initial: dict[str, Any] = {}
    if pk is None and request.method == "GET":
        if (raw := request.GET.get("action", "")).isdigit():
            initial["action"] = int(raw)
        if (raw := request.GET.get("opportunite", "")).isdigit():
            opportunity = opportunities.filter(pk=int(raw)).first()
            if opportunity is not None:
                initial.update(
                    opportunity=opportunity.pk,
                    title=opportunity.title,
                    funder=opportunity.funder_id,
                    programme=opportunity.programme,
                )
    form = ApplicationForm(
        request.POST or None,
        instance=application,
        initial=initial,
        actions=actions,
        opportunities=opportunities,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if pk is None:
                saved = services.create_application(
                    actor=request.user,
                    application=form.save(commit=False),
                    new_funder=form.cleaned_data["new_funder"],
                )
            else:
                saved = services.update_application(
                    actor=request.user,
                    application=form.save(commit=False),
                    read_version=form.cleaned_data["read_version"] or 0,
                    new_funder=form.cleaned_data["new_funder"],
                )
        except services.StaleApplication as exc:
            form.add_error(None, exc.messages)
            return render(
                request,
                "funding/form.html",
                {
                    "form": form,
                    "title": _("Modifier le dossier"),
                    "cancel_url": reverse("funding:application", args=[pk]),
                    "multipart": False,
                    "stale": True,
                },
                status=409,
            )
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Dossier enregistré."))
            return redirect("funding:application", pk=saved.pk)
    title = _("Modifier le dossier") if pk else _("Nouveau dossier de financement")
    cancel = reverse("funding:application", args=[pk]) if pk else reverse("funding:applications")
    return _form_page(request, form=form, title=title, cancel_url=cancel)


@login_required
@require_POST
def instalment_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_user(request.user, pk)
    if not can_edit_action(request.user, application.action):
        raise PermissionDenied
    form = InstalmentForm(request.POST, prefix="versement")
    if form.is_valid():
        try:
            services.add_instalment(
                actor=request.user,
                application=application,
                received_on=form.cleaned_data["received_on"],
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Versement enregistré."))
            return redirect("funding:application", pk=pk)
    return _form_page(
        request,
        form=form,
        title=_("Enregistrer un versement"),
        cancel_url=reverse("funding:application", args=[pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def instalment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    instalment = selectors.get_instalment_for_user(request.user, pk)
    application = instalment.application
    if not can_edit_action(request.user, application.action):
        raise PermissionDenied
    back = reverse("funding:application", args=[application.pk])
    if request.method == "POST":
        services.delete_instalment(actor=request.user, instalment=instalment)
        messages.success(request, _("Versement retiré."))
        return redirect(back)
    return render(
        request,
        "funding/confirm_delete.html",
        {
            "what": _("le versement de %(amount)s € du %(day)s")
            % {"amount": instalment.amount, "day": instalment.received_on.strftime("%d/%m/%Y")},
            "cancel_url": back,
        },
    )


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_user(request.user, pk)
    if not can_edit_action(request.user, application.action):
        raise PermissionDenied
    form = DocumentForm(request.POST, request.FILES, prefix="piece")
    if form.is_valid():
        services.save_document(
            actor=request.user,
            application=application,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
        )
        messages.success(request, _("Pièce ajoutée."))
        return redirect("funding:application", pk=pk)
    return _form_page(
        request,
        form=form,
        title=_("Ajouter une pièce"),
        cancel_url=reverse("funding:application", args=[pk]),
        multipart=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_replace(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.get_document_for_user(request.user, pk)
    application = document.application
    if not can_edit_action(request.user, application.action):
        raise PermissionDenied
    form = DocumentForm(
        request.POST or None, request.FILES or None, initial={"kind": document.kind, "title": document.title}
    )
    if request.method == "POST" and form.is_valid():
        services.save_document(
            actor=request.user,
            application=application,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
            document=document,
        )
        messages.success(request, _("Pièce remplacée ; l'ancien fichier est supprimé."))
        return redirect("funding:application", pk=application.pk)
    return _form_page(
        request,
        form=form,
        title=_("Remplacer la pièce « %(name)s »") % {"name": document},
        cancel_url=reverse("funding:application", args=[application.pk]),
        multipart=True,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.get_document_for_user(request.user, pk)
    application = document.application
    if not can_edit_action(request.user, application.action):
        raise PermissionDenied
    back = reverse("funding:application", args=[application.pk])
    if request.method == "POST":
        services.delete_document(actor=request.user, document=document)
        messages.success(request, _("Pièce supprimée."))
        return redirect(back)
    return render(
        request,
        "funding/confirm_delete.html",
        {"what": _("la pièce « %(name)s »") % {"name": document}, "cancel_url": back},
    )


@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = selectors.get_document_for_user(request.user, pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=document.filename or "piece")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Conseillers numériques posts ------------------------------------------------------------------


@login_required
def posts_home(request: HttpRequest) -> HttpResponse:
    refuse_if_revoked(request.user)
    territories = selectors.post_territories(request.user)
    if not territories:
        raise Http404
    if len(territories) == 1:
        return redirect("funding:degressivity", territory_pk=territories[0].pk)
    return render(request, "funding/posts_home.html", {"territories": territories})


@login_required
def degressivity(request: HttpRequest, territory_pk: int) -> HttpResponse:
    refuse_if_revoked(request.user)
    territory = selectors.get_territory_for_posts(request.user, territory_pk)
    return render(
        request,
        "funding/degressivity.html",
        {
            "data": selectors.degressivity(territory),
            "territory": territory,
            "can_edit": can_edit_in(request.user, territory),
        },
    )


@login_required
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post_for_user(request.user, pk)
    can_edit = can_edit_in(request.user, post.territory)
    return render(
        request,
        "funding/post_detail.html",
        {
            "post": post,
            "years": list(post.years.all()),
            "can_edit": can_edit,
            "year_form": PostYearForm(prefix="annee") if can_edit else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    territories = _edit_territories(request.user)
    if pk is not None:
        post = selectors.get_post_for_user(request.user, pk)
        if not can_edit_in(request.user, post.territory):
            raise PermissionDenied
    else:
        refuse_if_revoked(request.user)
        if not territories:
            raise Http404 if not selectors.post_territories(request.user) else PermissionDenied
        post = AdvisorPost()
    form = PostForm(request.POST or None, instance=post, territories=territories)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_post(
                actor=request.user,
                post=form.save(commit=False),
                new_employer=form.cleaned_data["new_employer"],
            )
        except (ValidationError, PermissionDenied) as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Poste enregistré."))
            return redirect("funding:post", pk=saved.pk)
    title = _("Modifier le poste") if pk else _("Nouveau poste de conseiller numérique")
    cancel = reverse("funding:post", args=[pk]) if pk else reverse("funding:posts")
    return _form_page(request, form=form, title=title, cancel_url=cancel)


@login_required
@require_POST
def post_year_save(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post_for_user(request.user, pk)
    if not can_edit_in(request.user, post.territory):
        raise PermissionDenied
    form = PostYearForm(request.POST, prefix="annee")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.save_post_year(
                actor=request.user,
                post=post,
                values=services.YearInput(
                    year=data["year"],
                    state_amount=data["state_amount"],
                    cost=data["cost"],
                    other_funding=data["other_funding"],
                    source=data["source"],
                ),
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Année %(year)s enregistrée.") % {"year": data["year"]})
            return redirect("funding:post", pk=pk)
    return _form_page(
        request,
        form=form,
        title=_("Année de financement du poste"),
        cancel_url=reverse("funding:post", args=[pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_year_delete(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.get_post_year_for_user(request.user, pk)
    if not can_edit_in(request.user, row.post.territory):
        raise PermissionDenied
    back = reverse("funding:post", args=[row.post_id])
    if request.method == "POST":
        services.delete_post_year(actor=request.user, row=row)
        messages.success(request, _("Année retirée."))
        return redirect(back)
    return render(
        request,
        "funding/confirm_delete.html",
        {
            "what": _("l'année %(year)s du poste « %(post)s »") % {"year": row.year, "post": row.post.label},
            "cancel_url": back,
        },
    )
