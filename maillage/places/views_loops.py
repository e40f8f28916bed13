"""Pages of the places' side of the loops: the contact's signed link (no account), the corrections
queue of the coordination and the place managers, public error reports, the territory's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maillage.core.audit import record_change
from maillage.core.listing import Column, Listing
from maillage.core.permissions import refuse_if_revoked
from maillage.places import campaigns, contact_links, corrections, opening_hours, selectors
from maillage.places.forms import ContactCorrectionForm, DecisionForm, ErrorReportForm
from maillage.places.models import (
    ChangeStatus,
    ContactChangesMode,
    DirectorySettings,
    FreshnessCampaign,
    Place,
)
from maillage.places.reminders import send_reminder
from maillage.territories.models import Territory


def _no_store(request: HttpRequest) -> None:
    request.no_store = True  # type: ignore[attr-defined]


def _link_error(request: HttpRequest, kind: str) -> HttpResponse:
    return render(
        request, "places/contact/link_error.html", {"kind": kind}, status=410 if kind == "expired" else 404
    )


@require_http_methods(["GET", "POST"])
def contact_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page of the reminder's link: « rien n'a changé » in one click, or correct the public fields."""
    _no_store(request)
    try:
        link = contact_links.read_token(token)
    except contact_links.LinkError as exc:
        return _link_error(request, exc.kind)
    place = Place.objects.select_related("commune").get(pk=link.place.pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = ContactCorrectionForm(request.POST if action == "correct" else None, instance=place)
    if action == "confirm":
        contact_links.confirm_unchanged(link)
        messages.success(request, _("Merci ! La fiche est confirmée à jour à la date d'aujourd'hui."))
        return redirect("places:contact_link", token=token)
    if action == "correct":
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in contact_links.CONTACT_FIELDS}
            change = contact_links.submit_changes(link, values)
            if change is None:
                messages.info(request, _("Aucune différence avec la fiche actuelle : rien n'a été envoyé."))
            elif change.status == ChangeStatus.ACCEPTED:
                messages.success(request, _("Merci ! Vos corrections sont publiées sur la fiche du lieu."))
            else:
                messages.success(
                    request,
                    _(
                        "Merci ! Vos corrections sont transmises à la coordination du territoire, "
                        "qui les publiera après relecture."
                    ),
                )
            return redirect("places:contact_link", token=token)
        place.refresh_from_db()
    elif request.method == "POST":
        messages.error(request, _("Action inconnue : rien n'a été modifié."))
        return redirect("places:contact_link", token=token)
    else:
        contact_links.mark_opened(link)
    context: dict[str, Any] = {
        "place": place,
        "form": form,
        "email": link.email,
        "schedule": opening_hours.safe_parse(place.opening_hours),
        "review": contact_links.contact_changes_mode(place) == "review",
        "pending": place.change_requests.filter(status=ChangeStatus.PENDING).exists(),
    }
    return render(request, "places/contact/link.html", context, status=400 if form.errors else 200)


# --- public error reports -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report_error(request: HttpRequest, pk: int) -> HttpResponse:
    """« Signaler une erreur » on a public place page (works without JavaScript)."""
    place = selectors.published_place(pk)
    form = ErrorReportForm(request.POST or None)
    context: dict[str, Any] = {"place": place, "form": form}
    if request.method == "POST":
        if request.POST.get("site_web"):  # honeypot: robots get the same thanks, nothing is stored
            return render(request, "places/report/thanks.html", context)
        key = corrections.client_key(request)
        if corrections.is_rate_limited(key):
            context["limited"] = True
            return render(request, "places/report/form.html", context, status=429)
        if form.is_valid():
            corrections.create_report(
                place=place, message=form.cleaned_data["message"], email=form.cleaned_data["email"], key=key
            )
            context["with_email"] = bool(form.cleaned_data["email"])
            return render(request, "places/report/thanks.html", context)
    return render(request, "places/report/form.html", context, status=400 if form.errors else 200)


# --- the corrections queue ----------------------------------------------------------------------------


@login_required
@require_GET
def corrections_queue(request: HttpRequest) -> HttpResponse:
    """Reports and contact corrections on the user's places: pending first, then recent decisions."""
    refuse_if_revoked(request.user)
    reports = corrections.reports_for(request.user).select_related("place", "decided_by")
    changes = corrections.change_requests_for(request.user).select_related("place", "decided_by")
    coordinator_of = selectors.coordinator_territories(request.user)
    settings_rows = []
    existing = {s.territory_id: s for s in DirectorySettings.objects.filter(territory__in=coordinator_of)}
    for territory in coordinator_of:
        current = existing.get(territory.pk)
        mode = current.contact_changes if current else ContactChangesMode.APPLY
        settings_rows.append({"territory": territory, "mode": mode})
    context = {
        "pending_reports": list(
            reports.filter(status=ChangeStatus.PENDING).order_by("created_at", "pk")[:200]
        ),
        "pending_changes": list(
            changes.filter(status=ChangeStatus.PENDING).order_by("submitted_at", "pk")[:200]
        ),
        "decided_reports": list(
            reports.exclude(status=ChangeStatus.PENDING).order_by("-decided_at", "-pk")[:20]
        ),
        "decided_changes": list(
            changes.exclude(status=ChangeStatus.PENDING).order_by("-decided_at", "-pk")[:20]
        ),
        "decision_form": DecisionForm(),
        "settings_rows": settings_rows,
        "modes": ContactChangesMode.choices,
        "field_labels": {name: _field_label(name) for name in contact_links.CONTACT_FIELDS},
    }
    return render(request, "places/corrections.html", context)


def _field_label(name: str) -> str:
    return str(getattr(Place._meta.get_field(name), "verbose_name", name))


@login_required
@require_POST
def decide_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(corrections.reports_for(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("places:corrections")
    accept = form.cleaned_data["decision"] == "accept"
    corrections.decide_report(
        actor=request.user, report_pk=report.pk, accept=accept, reason=form.cleaned_data["reason"]
    )
    if accept:
        messages.success(
            request,
            _("Signalement accepté. Pensez à corriger la fiche « %(name)s ».") % {"name": report.place.name},
        )
    else:
        messages.success(request, _("Signalement refusé."))
    return redirect("places:corrections")


@login_required
@require_POST
def decide_change(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(corrections.change_requests_for(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("places:corrections")
    accept = form.cleaned_data["decision"] == "accept"
    contact_links.decide_change_request(
        actor=request.user, request_pk=change.pk, accept=accept, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("Corrections publiées sur la fiche.") if accept else _("Corrections refusées.")
    )
    return redirect("places:corrections")


@login_required
@require_POST
def directory_settings(request: HttpRequest) -> HttpResponse:
    """A coordinator chooses how their territory receives corrections sent from reminder links."""
    territories = {t.pk: t for t in selectors.coordinator_territories(request.user)}
    raw = request.POST.get("territory", "")
    territory = territories.get(int(raw)) if raw.isdigit() else None
    if territory is None:
        raise Http404
    mode = request.POST.get("contact_changes", "")
    if mode not in ContactChangesMode.values:
        messages.error(request, _("Choix inconnu : rien n'a été modifié."))
        return redirect("places:corrections")
    with transaction.atomic():
        row, _created = DirectorySettings.objects.select_for_update().get_or_create(territory=territory)
        before = row.contact_changes if not _created else ""
        row.contact_changes = mode
        row.updated_by = request.user  # type: ignore[assignment]
        row.save()
        record_change(
            actor=request.user,
            action="update",
            instance=row,
            territory_code=territory.code,
            changes={"contact_changes": [before, mode]},
        )
    messages.success(request, _("Réglage enregistré pour %(t)s.") % {"t": territory})
    return redirect("places:corrections")


# --- places to verify, campaigns --------------------------------------------------------------------

STALE_COLUMNS = [
    Column(_l("Sélection")),
    Column(_l("Lieu"), "nom", ("normalized_name",)),
    Column(_l("Commune"), "commune", ("commune_name",)),
    Column(_l("Dernière vérification"), "verification", ("verified_at", "data_updated_on")),
    Column(_l("Dernière relance")),
    Column(_l("Actions")),
]
BULK_LIMIT = 500


def _coordinator_only(request: HttpRequest) -> list[Any]:
    territories = selectors.coordinator_territories(request.user)
    if not territories:
        raise PermissionDenied(_("Réservé aux coordinateurs et coordinatrices."))
    return territories


def _epci_choices(territories: list[Any]) -> list[Territory]:
    """The EPCIs of the coordinator's territories (those with at least one place)."""
    epci_ids = Place.objects.in_territories(territories).order_by().values("commune__epci_id")
    return list(Territory.objects.epcis().filter(pk__in=epci_ids).order_by("name"))


def _stale_queryset(
    request: HttpRequest, epcis: list[Territory]
) -> tuple[QuerySet[Place], Territory | None, str]:
    queryset = selectors.stale_places(request.user)
    raw = request.GET.get("epci", "")
    epci = next((e for e in epcis if str(e.pk) == raw), None)
    if epci is not None:
        queryset = queryset.filter(commune__epci=epci)
    text = request.GET.get("q", "").strip()[:100]
    if text:
        queryset = selectors._text_filter(queryset, text)
    return queryset, epci, text


@login_required
@require_GET
def stale(request: HttpRequest) -> HttpResponse:
    territories = _coordinator_only(request)
    epcis = _epci_choices(territories)
    queryset, epci, text = _stale_queryset(request, epcis)
    listing = Listing(request, STALE_COLUMNS, default_sort="verification")
    queryset = listing.sort(queryset)
    if listing.export_format:
        return listing.export(
            actor=request.user,
            headers=STALE_EXPORT_HEADERS,
            rows=_stale_rows(queryset),
            filename="lieux-a-verifier",
            object_type="places.Place",
        )
    page = listing.paginate(queryset)
    places = list(page.object_list)
    reminded = selectors.last_reminders(p.pk for p in places)
    campaigns = (
        FreshnessCampaign.objects.filter(territory__in=[*territories, *epcis])
        .select_related("territory", "created_by")
        .order_by("-created_at")[:10]
    )
    context = {
        "page": page,
        "listing": listing,
        "rows": [{"place": p, "reminded_at": reminded.get(p.pk)} for p in places],
        "count": page.paginator.count,
        "cutoff": selectors.stale_cutoff(),
        "territories": territories,
        "epcis": epcis,
        "epci": epci,
        "q": text,
        "campaign_scope": epci or (territories[0] if len(territories) == 1 else None),
        "campaigns": campaigns,
        "bulk_limit": BULK_LIMIT,
    }
    return render(request, "places/stale.html", context)


STALE_EXPORT_HEADERS = [
    "id",
    "nom",
    "commune",
    "code_insee",
    "epci",
    "verifie_le",
    "date_maj",
    "courriels",
    "telephone",
]


def _stale_rows(queryset: QuerySet[Place]) -> Any:
    for place in queryset.select_related("commune__epci").iterator(chunk_size=1000):
        epci = place.commune.epci if place.commune and place.commune.epci_id else None
        yield [
            place.pk,
            place.name,
            place.commune_name,
            place.insee_code,
            epci.name if epci else "",
            place.verified_at.date().isoformat() if place.verified_at else "",
            place.data_updated_on.isoformat(),
            " | ".join(place.emails or []),
            place.phone,
        ]


@login_required
@require_POST
def remind_bulk(request: HttpRequest) -> HttpResponse:
    """« Relancer la sélection » : one reminder per checked place (in the coordinator's territory)."""
    _coordinator_only(request)
    ids = [int(v) for v in request.POST.getlist("place") if v.isdigit()][:BULK_LIMIT]
    places = list(selectors.stale_places(request.user).filter(pk__in=ids))
    if not places:
        messages.error(request, _("Cochez au moins un lieu à relancer."))
        return redirect(_back_to_stale(request))
    base_url = request.build_absolute_uri("/")[:-1]
    sent = skipped = 0
    for place in places:
        if send_reminder(actor=request.user, place=place, base_url=base_url):
            sent += 1
        else:
            skipped += 1
    messages.success(request, _("%(sent)d lieu(x) relancé(s).") % {"sent": sent})
    if skipped:
        messages.warning(
            request, _("%(n)d lieu(x) sans aucune adresse e-mail : aucune relance envoyée.") % {"n": skipped}
        )
    return redirect(_back_to_stale(request))


def _back_to_stale(request: HttpRequest) -> str:
    back = request.POST.get("retour", "")
    return reverse("places:stale") + (f"?{back}" if back and "//" not in back and "\n" not in back else "")


@login_required
@require_POST
def campaign_start(request: HttpRequest) -> HttpResponse:
    """« Relancer tous les lieux non vérifiés » of an EPCI or of the territory, as one operation."""
    territories = _coordinator_only(request)
    allowed = {t.pk: t for t in [*territories, *_epci_choices(territories)]}
    raw = request.POST.get("territory", "")
    territory = allowed.get(int(raw)) if raw.isdigit() else None
    if territory is None:
        raise Http404
    from maillage.core import jobs
    from maillage.places.jobs import freshness_campaign

    with transaction.atomic():
        campaign = campaigns.start_campaign(actor=request.user, territory=territory)
        job = jobs.enqueue(
            freshness_campaign,
            actor=request.user,
            territory_code=territory.code,
            campaign_id=campaign.pk,
            base_url=request.build_absolute_uri("/")[:-1],
        )
    messages.success(
        request,
        _("Campagne lancée sur %(t)s : %(n)d lieu(x) à relancer, les e-mails partent en arrière-plan.")
        % {"n": campaign.places_count, "t": territory},
    )
    return redirect(reverse("places:campaign", args=[campaign.pk]) + f"?traitement={job.pk}")


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    territories = _coordinator_only(request)
    allowed = [t.pk for t in [*territories, *_epci_choices(territories)]]
    campaign = get_object_or_404(
        FreshnessCampaign.objects.select_related("territory", "created_by"), pk=pk, territory_id__in=allowed
    )
    state_filter = request.GET.get("etat", "")
    reminders_qs = campaign.reminders.select_related("place").order_by("place__normalized_name", "pk")
    rows = [{"reminder": r, "state": campaigns.reminder_state(r)} for r in reminders_qs]
    if state_filter in campaigns.STATES:
        rows = [
            row
            for row in rows
            if row["state"] == state_filter
            or (state_filter == "no_answer" and row["state"] in ("sent", "opened"))
        ]
    paginator = Paginator(rows, 100)
    page = paginator.get_page(request.GET.get("page"))
    job_id = request.GET.get("traitement", "")
    context = {
        "campaign": campaign,
        "job_url": reverse("job", args=[int(job_id)]) if job_id.isdigit() else "",
        "follow": campaigns.follow_up(campaign),
        "page": page,
        "state_filter": state_filter,
        "states": campaigns.STATES,
    }
    return render(request, "places/campaign.html", context)


@login_required
@require_POST
def confirm_bulk(request: HttpRequest) -> HttpResponse:
    """« Rien n'a changé » on the places checked in « Mes lieux »: each is marked verified as of now,
    one audit entry per place. Only places the user may edit are touched (others are ignored)."""
    from maillage.places.editing import CONFIRM_LIMIT, confirm_unchanged

    refuse_if_revoked(request.user)
    ids = [int(v) for v in request.POST.getlist("place") if v.isdigit()][:CONFIRM_LIMIT]
    back = request.POST.get("retour", "")
    target = reverse("places:manage") + (f"?{back}" if back and "//" not in back and "\n" not in back else "")
    if not ids:
        messages.error(request, _("Cochez au moins un lieu dont les informations sont toujours exactes."))
        return redirect(target)
    confirmed = confirm_unchanged(
        actor=request.user, places=selectors.places_editable_by(request.user).filter(pk__in=ids)
    )
    if not confirmed:
        raise PermissionDenied(_("Vous ne pouvez pas vérifier ces lieux."))
    messages.success(
        request,
        _("%(n)d lieu(x) marqué(s) comme vérifié(s) aujourd'hui : rien n'a changé.") % {"n": len(confirmed)},
    )
    return redirect(target)
