"""« Orientations » as a list that scales: sent by my organisation, received by my places, or every
referral of the coordinator's territory; filters by status, place, prescriber organisation, commune and
period kept in the URL; sortable columns; pagination; audited CSV/XLSX export of what is filtered.

The beneficiary's identity never appears here (nor in the exports): it stays on the referral's page for
the two parties only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET

from maillage.core.listing import Column, Listing
from maillage.core.permissions import territories_for
from maillage.pathways import selectors, services
from maillage.pathways.models import Referral, ReferralStatus
from maillage.places.normalize import fold

VIEWS = {
    "envoyees": _l("Envoyées par ma structure"),
    "recues": _l("Reçues par mes lieux"),
    "territoire": _l("Orientations du territoire"),
}


class ReferralFilterForm(forms.Form):
    statut = forms.ChoiceField(label=_l("Statut"), required=False)
    lieu = forms.CharField(label=_l("Lieu"), required=False, max_length=100)
    structure = forms.TypedChoiceField(label=_l("Structure qui oriente"), required=False, coerce=int)
    commune = forms.CharField(label=_l("Commune (de la personne ou du lieu)"), required=False, max_length=100)
    du = forms.DateField(
        label=_l("Créées du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(label=_l("au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = [("", _("Tous")), *ReferralStatus.choices]  # type: ignore[attr-defined]
        self.fields["structure"].choices = [("", _("Toutes")), *organisations]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("du"), data.get("au")
        if start and end and start > end:
            self.add_error("au", _("La date de fin précède la date de début."))
        for name in ("du", "au"):
            value = data.get(name)
            if value and not date(2000, 1, 1) <= value <= date(2100, 12, 31):
                self.add_error(name, _("Date hors des limites (2000 à 2100)."))
        return data


COLUMNS = [
    Column(_l("N°"), "numero", ("pk",)),
    Column(_l("Créée le"), "creee", ("created_at",)),
    Column(_l("Statut"), "statut", ("status",)),
    Column(_l("Lieu"), "lieu", ("place__name",)),
    Column(_l("Commune de la personne"), "commune", ("commune__name",)),
    Column(_l("Structure qui oriente"), "structure", ("organisation__name",)),
    Column(_l("Délai de réponse"), "delai", ("response_hours",)),
]


def _available_views(user: Any) -> list[str]:
    """The lists the user may open, the default first (the territory's for its coordination)."""
    views = []
    if territories_for(user, selectors.COORDINATION_ROLES):
        views.append("territoire")
    if territories_for(user, services.PRESCRIBING_ROLES):
        views.append("envoyees")
    if selectors.managed_place_ids(user):
        views.append("recues")
    return views


def _base(user: Any, view: str) -> QuerySet[Referral]:
    if view == "envoyees":
        return selectors.referrals_sent_by_org(user)
    if view == "recues":
        return selectors.referrals_received(user)
    return selectors.referrals_of_territory(user)


def _filter(queryset: QuerySet[Referral], data: dict[str, Any]) -> QuerySet[Referral]:
    if data.get("statut"):
        queryset = queryset.filter(status=data["statut"])
    if data.get("structure"):
        queryset = queryset.filter(organisation_id=data["structure"])
    if data.get("lieu"):
        for token in fold(data["lieu"]).split():
            queryset = queryset.filter(place__normalized_name__contains=token)
    commune = (data.get("commune") or "").strip()
    if commune:
        if commune[:2].isdigit():
            queryset = queryset.filter(
                Q(commune__code=commune) | Q(place__insee_code=commune) | Q(place__postcode=commune)
            )
        else:
            folded = fold(commune)
            queryset = queryset.filter(
                Q(commune__search_name__contains=folded) | Q(place__commune__search_name__contains=folded)
            )
    if data.get("du"):
        queryset = queryset.filter(created_at__date__gte=data["du"])
    if data.get("au"):
        queryset = queryset.filter(created_at__date__lte=data["au"])
    return queryset


def _export_rows(queryset: QuerySet[Referral]) -> Any:
    for r in queryset.select_related("place", "commune", "organisation").iterator(chunk_size=1000):
        yield [
            r.pk,
            r.created_at.date().isoformat(),
            str(r.get_status_display()),
            r.place.name,
            r.place.commune_name,
            r.commune.name,
            r.organisation.name,
            r.orientation,
            r.sent_at.date().isoformat() if r.sent_at else "",
            r.responded_at.date().isoformat() if r.responded_at else "",
            r.response_hours,
            r.taken_up_at.date().isoformat() if r.taken_up_at else "",
            str(r.get_refusal_reason_display()) if r.refusal_reason else "",
        ]


EXPORT_HEADERS = [
    "numero",
    "creee_le",
    "statut",
    "lieu",
    "commune_du_lieu",
    "commune_de_la_personne",
    "structure_qui_oriente",
    "orientation",
    "envoyee_le",
    "reponse_le",
    "delai_reponse_heures",
    "prise_en_charge_le",
    "motif_de_refus",
]


@login_required
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    request.no_store = True  # type: ignore[attr-defined]
    views = _available_views(request.user)
    if not views:
        raise Http404
    view = request.GET.get("vue", "")
    if view not in views:
        view = views[0]
    base = _base(request.user, view)
    organisations = list(
        base.order_by("organisation__name")
        .values_list("organisation_id", "organisation__name")
        .distinct()[:500]
    )
    form = ReferralFilterForm(request.GET or None, organisations=organisations)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    listing = Listing(request, COLUMNS, default_sort="-creee")
    queryset = listing.sort(_filter(base, data))
    if listing.export_format:
        return listing.export(
            actor=request.user,
            headers=EXPORT_HEADERS,
            rows=_export_rows(queryset),
            filename=f"orientations-{view}",
            object_type="pathways.Referral",
        )
    page = listing.paginate(queryset.select_related("place", "commune", "organisation"))
    context = {
        "form": form,
        "listing": listing,
        "page": page,
        "view": view,
        "view_label": VIEWS[view],
        "tabs": [
            {"key": key, "label": VIEWS[key], "current": key == view, "url": f"?vue={key}"} for key in views
        ],
    }
    return render(request, "pathways/referral_list.html", context, status=400 if form.errors else 200)
