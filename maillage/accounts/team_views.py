"""Team pages for coordinators: members, invitations, access requests, organisations, place managers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from maillage.accounts import invitations, selectors, team
from maillage.accounts.models import AccessRequestStatus, Membership, Organisation, Role, User
from maillage.accounts.team_forms import (
    ApproveAccessForm,
    DeclineAccessForm,
    InviteForm,
    OrganisationForm,
    RoleForm,
)

PER_PAGE = 50


def coordinator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_coordinator(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def _querystring(request: HttpRequest, **drop: Any) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _counts(user: Any) -> dict[str, int]:
    return {
        "pending_invitations": selectors.invitations_visible_to(user)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .count(),
        "pending_requests": selectors.access_requests_visible_to(user)
        .filter(status=AccessRequestStatus.PENDING)
        .count(),
    }


@coordinator_required
def members(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    role = request.GET.get("role", "")
    status = request.GET.get("statut", "")
    rows = selectors.member_rows(request.user, query=query, role=role, status=status)
    page = _page(request, rows)
    labels = dict(Role.choices)
    for membership in page.object_list:
        membership.role_label = labels.get(membership.role, membership.role)
    return render(
        request,
        "accounts/team/members.html",
        {
            "page": page,
            "q": query,
            "role": role,
            "status": status,
            "roles": Role.choices,
            "statuses": [
                ("", _("Actives")),
                ("never", _("Jamais connectées")),
                ("dormant", _("Inactives depuis 6 mois")),
                ("inactive", _("Désactivées")),
                ("all", _("Toutes")),
            ],
            "querystring": _querystring(request),
            "membership_url": reverse("accounts:team_membership", args=[0]).removesuffix("0/"),
            "territories": selectors.coordinated_territories(request.user),
            "counts": _counts(request.user),
            "now": timezone.now(),
            "dormant_before": timezone.now() - selectors.INACTIVE_AFTER,
        },
    )


@coordinator_required
def invite(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("structure", "").isdigit():
        initial["organisation"] = request.GET["structure"]
    form = InviteForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        result = invitations.invite(
            actor=request.user,
            invitees=form.cleaned_data["invitees"],
            organisation=form.cleaned_data["organisation"],
            territory=form.cleaned_data["territory"],
            role=form.cleaned_data["role"],
        )
        if result.invited:
            messages.success(request, _("%(n)s invitation(s) envoyée(s).") % {"n": len(result.invited)})
        if result.added:
            messages.success(
                request,
                _("%(n)s personne(s) qui avaient déjà un compte ont reçu l'habilitation.")
                % {"n": len(result.added)},
            )
        if result.already:
            messages.info(
                request,
                _("Déjà habilitées, rien à faire : %(emails)s.") % {"emails": ", ".join(result.already[:20])},
            )
        return redirect("accounts:team_invitations")
    return render(request, "accounts/team/invite.html", {"form": form})


@coordinator_required
def invitation_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("voir", "")
    rows = selectors.invitations_visible_to(request.user).select_related("organisation", "territory")
    if show != "toutes":
        rows = rows.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return render(
        request,
        "accounts/team/invitations.html",
        {"page": _page(request, rows.order_by("-created_at", "-pk")), "show": show, "now": timezone.now()},
    )


@coordinator_required
@require_POST
def invitation_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    invitation = selectors.get_invitation_for_user(request.user, pk)
    try:
        if action == "renvoyer":
            invitations.resend(actor=request.user, invitation=invitation)
            messages.success(
                request,
                _("Invitation renvoyée à %(email)s (nouveau lien valable 7 jours).")
                % {"email": invitation.email},
            )
        elif action == "revoquer":
            invitations.revoke(actor=request.user, invitation=invitation)
            messages.success(
                request,
                _("Invitation de %(email)s révoquée : le lien ne fonctionne plus.")
                % {"email": invitation.email},
            )
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:team_invitations")


@coordinator_required
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership_for_user(request.user, pk)
    form = RoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST":
        try:
            if "desactiver" in request.POST:
                team.set_membership_active(actor=request.user, membership=membership, active=False)
                messages.success(
                    request, _("Habilitation désactivée : la personne n'a plus accès à ce territoire.")
                )
                return redirect("accounts:team_membership", pk=pk)
            if "reactiver" in request.POST:
                team.set_membership_active(actor=request.user, membership=membership, active=True)
                messages.success(request, _("Habilitation réactivée."))
                return redirect("accounts:team_membership", pk=pk)
            if form.is_valid():
                team.change_role(actor=request.user, membership=membership, role=form.cleaned_data["role"])
                messages.success(request, _("Rôle modifié."))
                return redirect("accounts:team_membership", pk=pk)
        except ValidationError as exc:
            form.add_error(None, exc)
    others = (
        Membership.objects.filter(user=membership.user)
        .filter(pk__in=selectors.memberships_visible_to(request.user).values("pk"))
        .exclude(pk=membership.pk)
        .select_related("organisation", "territory")
    )
    return render(
        request,
        "accounts/team/membership.html",
        {"membership": membership, "person": membership.user, "form": form, "others": others},
    )


@coordinator_required
def access_requests(request: HttpRequest) -> HttpResponse:
    rows = selectors.access_requests_visible_to(request.user).select_related("territory")
    pending = rows.filter(status=AccessRequestStatus.PENDING).order_by("created_at", "pk")
    decided = rows.exclude(status=AccessRequestStatus.PENDING).order_by("-decided_at", "-pk")[:20]
    return render(request, "accounts/team/access_requests.html", {"pending": pending, "decided": decided})


@coordinator_required
def access_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = selectors.get_access_request_for_user(request.user, pk)
    existing = (
        selectors.organisations_visible_to(request.user)
        .filter(
            Q(name__iexact=access_request.organisation_name)
            | (
                Q(siret=access_request.organisation_siret)
                if access_request.organisation_siret
                else Q(pk__in=[])
            )
        )
        .first()
    )
    approve_form = ApproveAccessForm(
        request.POST if "accepter" in request.POST else None,
        user=request.user,
        initial={
            "organisation": existing.pk if existing else None,
            "role": access_request.role,
            "territory": access_request.territory_id,
        },
    )
    decline_form = DeclineAccessForm(request.POST if "refuser" in request.POST else None)
    if request.method == "POST" and access_request.status == AccessRequestStatus.PENDING:
        try:
            if "accepter" in request.POST and approve_form.is_valid():
                organisation = approve_form.cleaned_data["organisation"]
                territory = approve_form.cleaned_data["territory"]
                if organisation is None:
                    organisation = team.save_organisation(
                        actor=request.user,
                        organisation=Organisation(
                            name=access_request.organisation_name,
                            siret=access_request.organisation_siret,
                            territory=territory,
                        ),
                    )
                invitations.approve_access_request(
                    actor=request.user,
                    access_request=access_request,
                    organisation=organisation,
                    role=approve_form.cleaned_data["role"],
                    territory=territory,
                )
                messages.success(
                    request,
                    _("Demande acceptée : une invitation a été envoyée à %(email)s.")
                    % {"email": access_request.email},
                )
                return redirect("accounts:team_requests")
            if "refuser" in request.POST and decline_form.is_valid():
                invitations.decline_access_request(
                    actor=request.user,
                    access_request=access_request,
                    reason=decline_form.cleaned_data["reason"],
                )
                messages.success(request, _("Demande refusée : la personne en est informée par e-mail."))
                return redirect("accounts:team_requests")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("accounts:team_requests")
    return render(
        request,
        "accounts/team/access_request.html",
        {"access_request": access_request, "approve_form": approve_form, "decline_form": decline_form},
    )


@coordinator_required
def organisations(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    rows = selectors.organisations_visible_to(request.user)
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(siret__startswith=query.replace(" ", "")))
    editable = set(selectors.organisations_editable_by(request.user).values_list("pk", flat=True))
    rows = (
        rows.select_related("territory")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__is_active=True), distinct=True),
        )
        .only("id", "name", "kind", "siret", "territory__name", "territory__kind", "territory__code")
        .order_by("name", "pk")
    )
    page = _page(request, rows)
    from maillage.places.models import Place

    place_counts = dict(
        Place.objects.filter(organisation_id__in=[o.pk for o in page.object_list], merged_into__isnull=True)
        .values_list("organisation_id")
        .annotate(n=Count("pk"))
        .values_list("organisation_id", "n")
    )
    for organisation in page.object_list:
        organisation.place_count = place_counts.get(organisation.pk, 0)
        organisation.editable = organisation.pk in editable
    return render(
        request,
        "accounts/team/organisations.html",
        {"page": page, "q": query, "querystring": _querystring(request)},
    )


@coordinator_required
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    organisation = selectors.get_organisation_for_user(request.user, pk) if pk else Organisation()
    form = OrganisationForm(request.POST or None, instance=organisation, user=request.user)
    if request.method == "POST" and "enregistrer" in request.POST and form.is_valid():
        organisation = team.save_organisation(actor=request.user, organisation=form.save(commit=False))
        messages.success(request, _("Structure enregistrée."))
        return redirect("accounts:team_organisation", pk=organisation.pk)
    context: dict[str, Any] = {"form": form, "organisation": organisation}
    if organisation.pk:
        from maillage.places.models import Place, PlaceManager

        if request.method == "POST" and "gestionnaires" in request.POST:
            place = get_object_or_404(Place, pk=request.POST.get("place"), organisation=organisation)
            ids = {int(v) for v in request.POST.getlist("managers") if v.isdigit()}
            try:
                team.set_place_managers(
                    actor=request.user, organisation=organisation, place=place, user_ids=ids
                )
                messages.success(
                    request, _("Gestionnaires de « %(place)s » enregistrés.") % {"place": place.name}
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            return redirect("accounts:team_organisation", pk=organisation.pk)
        members_qs = (
            Membership.objects.filter(organisation=organisation)
            .select_related("user", "territory")
            .order_by("-is_active", "user__last_name", "user__first_name", "pk")
        )
        member_list = list(members_qs[:200])
        active_users = {m.user_id: m.user for m in member_list if m.is_active}
        places = list(
            Place.objects.filter(organisation=organisation, merged_into__isnull=True)
            .only("id", "name", "commune_name")
            .order_by("name", "pk")[:100]
        )
        managers: dict[int, set[int]] = {}
        for place_id, user_id in PlaceManager.objects.filter(place__in=places).values_list(
            "place_id", "user_id"
        ):
            managers.setdefault(place_id, set()).add(user_id)
        other_managers = dict(
            User.objects.filter(
                pk__in={u for s in managers.values() for u in s} - set(active_users)
            ).values_list("pk", "email")
        )
        context.update(
            {
                "members": member_list,
                "member_total": members_qs.count(),
                "places": [
                    {
                        "place": place,
                        "choices": [
                            (user, user.pk in managers.get(place.pk, set())) for user in active_users.values()
                        ],
                        "others": [
                            other_managers[u]
                            for u in sorted(managers.get(place.pk, set()))
                            if u in other_managers
                        ],
                    }
                    for place in places
                ],
            }
        )
    return render(request, "accounts/team/organisation.html", context)
