"""Pages of the places' side of the loops: the contact's signed link (no account), the corrections
queue of the coordination and the place managers, public error reports, the territory's settings."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from maillage.places import contact_links, opening_hours
from maillage.places.forms import ContactCorrectionForm
from maillage.places.models import ChangeStatus, Place


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
