"""Pages of the places' side of the loops: the contact's signed link (no account), the corrections
queue of the coordination and the place managers, public error reports, the territory's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maillage.core.audit import record_change
from maillage.places import contact_links, corrections, opening_hours, selectors
from maillage.places.forms import ContactCorrectionForm, DecisionForm, ErrorReportForm
from maillage.places.models import ChangeStatus, ContactChangesMode, DirectorySettings, Place


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
