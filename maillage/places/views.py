"""Views of the directory: public search and detail, professional management pages, printed annuaire."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maillage.core.listing import Column, Listing
from maillage.core.permissions import refuse_if_revoked
from maillage.places import cards as place_cards
from maillage.places import corrections, opening_hours, selectors, territory_lookup
from maillage.places.choices import NationalProgramme
from maillage.places.editing import update_place
from maillage.places.forms import PlaceForm, SearchForm
from maillage.places.models import Place
from maillage.places.reminders import send_reminder


@dataclass
class PlaceCard:
    """A place prepared for a list: distance and « ouvert maintenant » computed once."""

    place: Any  # a Place, or the ListedPlace of selectors.page_places (the fields a card shows)
    distance: str
    status: opening_hours.Status | None
    france_services: bool
    digital_advisers: bool
    aidants_connect: bool
    url: str
    parts: place_cards.Parts | None = None  # the fixed markup of the card (maillage/places/cards.py)


_FRANCE_SERVICES = NationalProgramme.FRANCE_SERVICES.value
_DIGITAL_ADVISERS = NationalProgramme.DIGITAL_ADVISERS.value
_AIDANTS_CONNECT = NationalProgramme.AIDANTS_CONNECT.value


def _card(place: Any, now: Any, detail_prefix: str, language: str | None = None) -> PlaceCard:
    programmes = place.national_programmes or []
    return PlaceCard(
        place=place,
        distance=selectors.format_distance(selectors.distance_km(place)),
        status=opening_hours.status_of(place.opening_hours, now, language=language),
        france_services=_FRANCE_SERVICES in programmes,
        digital_advisers=_DIGITAL_ADVISERS in programmes,
        aidants_connect=_AIDANTS_CONNECT in programmes,
        url=f"{detail_prefix}{place.pk}/",
    )


def _detail_prefix() -> str:
    """« /lieux/ »: the place pages' URL without the id (one reverse() per page, not two per card)."""
    return _reversed(get_script_prefix(), "places:detail", 0)[:-2]


def _map_points_path() -> str:
    return _reversed(get_script_prefix(), "places:map_points")


@functools.lru_cache(maxsize=64)
def _reversed(script_prefix: str, name: str, *args: Any) -> str:
    """``reverse(name, args)``, once per script prefix (the site may be served under a path)."""
    return reverse(name, args=args or None)


def _mutable_copy(query: QueryDict) -> QueryDict:
    """A mutable copy of ``query`` (its values are strings: ``QueryDict.copy()``'s deep copy costs
    ten times more)."""
    copy = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        copy.setlist(key, list(values))
    return copy


#: The search's checkboxes (their ticked values key the cached rendering of the filter panel).
FILTER_PARAMS = (*SearchForm.GROUPS, "ouvert", "acceslibre")


def _filters_key(request: HttpRequest) -> str:
    ticked = sorted((name, value) for name in FILTER_PARAMS for value in request.GET.getlist(name))
    return hashlib.sha256(repr(ticked).encode()).hexdigest()


_LIST_FIELDS = (
    "pk",
    "name",
    "address",
    "address_complement",
    "postcode",
    "commune_name",
    "latitude",
    "longitude",
    "phone",
    "opening_hours",
    "national_programmes",
    "services",
)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    data = None
    if request.GET:
        data = _mutable_copy(request.GET)
        if not data.get("rayon"):
            data["rayon"] = str(selectors.DEFAULT_RADIUS_KM)
    form = SearchForm(data)
    searched = form.is_bound
    if searched:
        form.is_valid()
    filters = form.filters() if searched else selectors.SearchFilters()
    # Built when needed: around a point, the page's read does without it (selectors.nearest_read).
    build = functools.cache(lambda: selectors.place_search(filters).only(*_LIST_FIELDS))

    first = selectors.first_results(build, filters)
    paginator = selectors.CappedPaginator(build() if first is None else first, selectors.PAGE_SIZE)  # type: ignore[arg-type]
    page: Page = paginator.get_page(request.GET.get("page"))
    places: list[Any] = list(page.object_list)
    if first is not None:  # ids (sorted by name, or nearest first): the page's places, read by key
        places = selectors.page_places(first, places, _LIST_FIELDS)
    now = timezone.now()
    prefix = _detail_prefix()
    language = get_language()
    cards = [_card(place, now, prefix, language) for place in places]
    for card in cards:
        card.parts = place_cards.card_parts(card, language)
    params = _mutable_copy(request.GET)
    params.pop("page", None)
    query_string = params.urlencode()
    # « ?retour=… » of every card's link, quoted once (as the ``urlencode`` filter would).
    back_suffix = f"?retour={quote(query_string, safe='/')}" if params else ""
    map_query = query_string
    if "retour" in params:
        map_params = _mutable_copy(params)
        map_params.pop("retour")
        map_query = map_params.urlencode()
    context = {
        "form": form,
        "searched": searched,
        "filters": filters,
        "page": page,
        "cards": cards,
        "cards_html": place_cards.list_html(cards, back_suffix),
        "count": paginator.count,
        "count_more": paginator.more,
        "filters_key": _filters_key(request),
        "count_cap": paginator.cap,
        "count_estimate": _rounded_estimate(first, build) if paginator.more else None,
        "query_string": query_string,
        "active_filters": form.active_filter_count() if searched else 0,
        "open_checked": filters.open_now,
        "acceslibre_checked": filters.accessibility_sheet,
        "map_tile_url": _tile_url(),
        "map_attribution": _tile_attribution(),
        "map_points_url": f"{_map_points_path()}?{map_query}",
        "area_candidates": territory_lookup.candidate_links(params, getattr(form, "area_candidates", [])),
        "area_kind": territory_lookup.public_kind_label(filters.territory) if filters.territory else "",
        "empty_reason": _empty_reason(filters)
        if searched and not form.errors and not paginator.count
        else None,
    }
    template = "places/partials/_result_list.html" if _is_htmx_partial(request) else "places/search.html"
    return render(request, template, context)


def _rounded_estimate(first: Any, build: Any) -> int | None:
    """The planner's estimate, to the hundred (« environ 20 600 »), when above the exact-count cap: of
    the nearest-first read around a point (its SQL compiled once per shape), else of the search built."""
    if isinstance(first, selectors.NearestFirst):
        estimate = first.estimated_count()
    else:
        estimate = selectors.estimated_count(build())
    if estimate is None or estimate <= selectors.COUNT_CAP:
        return None
    return int(round(estimate, -2))


def _empty_reason(filters: selectors.SearchFilters) -> dict[str, Any] | None:
    """Why a search around a commune or a position found nothing: the directory may have no place in
    that département, and the nearest place matching the search may be far away."""
    origin = filters.origin
    if origin is None:
        return None
    reason: dict[str, Any] = {"department": None, "nearest": None, "distance": ""}
    commune = filters.commune if filters.position is None else None
    department = getattr(commune, "department", None) if commune is not None else None
    if (
        department is not None
        and not selectors.public_places().filter(commune__department=department).exists()
    ):
        reason["department"] = department
    found = selectors.nearest_place(origin, filters)
    if found is not None:
        place, km = found
        reason["nearest"] = place
        reason["distance"] = selectors.format_distance(km)
    return reason


MAP_POINTS_MAX = 2000
MAP_CACHE_SECONDS = 300  # as long as browsers keep the answer (Cache-Control below)


@require_GET
def map_points(request: HttpRequest) -> JsonResponse:
    """Every result of a search for the map (the list pages, the map does not): the points themselves
    up to 2 000, else counts per grid cell (clusters) — a few kilobytes whatever the directory's size."""
    data = request.GET.copy()
    if not data.get("rayon"):
        data["rayon"] = str(selectors.DEFAULT_RADIUS_KM)
    form = SearchForm(data)
    form.is_valid()
    filters = form.filters()
    queryset = selectors.place_search(filters).exclude(latitude=None).exclude(longitude=None).order_by()
    if selectors.capped_count(queryset, MAP_POINTS_MAX) <= MAP_POINTS_MAX:  # counted in SQL, no row read here
        detail = _detail_prefix()
        points = [
            [round(lat or 0.0, 5), round(lon or 0.0, 5), f"{detail}{pk}/", name]
            for pk, lat, lon, name in queryset.values_list("pk", "latitude", "longitude", "name")
        ]
        response = JsonResponse({"points": points, "clusters": []})
    else:  # counts per grid cell, computed by the database (one GROUP BY), kept five minutes
        key = "places:clusters:" + hashlib.sha256(request.GET.urlencode().encode()).hexdigest()
        clusters = cache.get(key)
        if clusters is None:
            clusters = selectors.map_clusters(queryset, filters)
            cache.set(key, clusters, MAP_CACHE_SECONDS)
        response = JsonResponse({"points": [], "clusters": clusters})
    response["Cache-Control"] = "public, max-age=300"
    return response


def _is_htmx_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False) and getattr(htmx, "target", "") == "resultats"


def _tile_url() -> str:
    from django.conf import settings

    return str(getattr(settings, "MAP_TILE_URL", "") or "")


def _tile_attribution() -> str:
    from django.conf import settings

    return str(getattr(settings, "MAP_TILE_ATTRIBUTION", "") or "")


@require_GET
def communes(request: HttpRequest) -> JsonResponse:
    """Suggestions for the commune field (progressive enhancement of a plain text field)."""
    found = selectors.commune_search(request.GET.get("q", ""), limit=10)
    return JsonResponse(
        {
            "results": [
                {
                    "label": selectors.commune_label(c),
                    "name": c.name,
                    "code": c.code,
                    "postcodes": list(c.postcodes or []),
                }
                for c in found
            ]
        }
    )


def _directions_url(place: Place) -> str:
    if not place.has_location:
        return ""
    return "https://www.openstreetmap.org/directions?" + urlencode(
        {"route": f";{place.latitude:.5f},{place.longitude:.5f}"}
    )


def _osm_url(place: Place) -> str:
    if not place.has_location:
        return ""
    return (
        f"https://www.openstreetmap.org/?mlat={place.latitude:.5f}&mlon={place.longitude:.5f}"
        f"#map=17/{place.latitude:.5f}/{place.longitude:.5f}"
    )


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = selectors.published_place(pk)
    schedule = opening_hours.safe_parse(place.opening_hours)
    now = timezone.now()
    professional = selectors.is_professional_of(request.user, place)
    can_edit = (
        request.user.is_authenticated
        and selectors.places_editable_by(request.user).filter(pk=place.pk).exists()
    )
    context = {
        "place": place,
        "schedule": schedule,
        "status": schedule.status(now) if schedule and not schedule.is_empty else None,
        "hours_invalid": schedule is None,
        "directions_url": _directions_url(place),
        "osm_url": _osm_url(place),
        "professional": professional,
        "mediators": selectors.mediators_of(place) if professional else [],
        "can_edit": can_edit,
        "back_url": _safe_back(request),
    }
    return render(request, "places/place_detail.html", context)


def _safe_back(request: HttpRequest) -> str:
    query = request.GET.get("retour", "")
    return f"{reverse('places:search')}?{query}" if query and "//" not in query else reverse("places:search")


# --- professional pages ---------------------------------------------------------------------------


MANAGE_COLUMNS = [
    Column(_l("Sélection")),
    Column(_l("Lieu"), "nom", ("normalized_name",)),
    Column(_l("Commune"), "commune", ("commune_name", "normalized_name")),
    Column(_l("Dernière vérification"), "verification", ("verified_at", "data_updated_on")),
    Column(_l("Publication"), "publication", ("is_published", "normalized_name")),
    Column(_l("Actions")),
]
MANAGE_EXPORT_HEADERS = [
    "id",
    "nom",
    "adresse",
    "code_postal",
    "commune",
    "code_insee",
    "publie",
    "verifie_le",
    "date_maj",
    "telephone",
    "courriels",
]


@login_required
@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    refuse_if_revoked(request.user)
    queryset = selectors.places_editable_by(request.user)
    text = request.GET.get("q", "").strip()[:100]
    if text:
        queryset = selectors._text_filter(queryset, text)
    publication = request.GET.get("publication", "")
    if publication in ("oui", "non"):
        queryset = queryset.filter(is_published=publication == "oui")
    cutoff = selectors.stale_cutoff()
    only_stale = request.GET.get("etat") == "a-verifier"
    if only_stale:
        queryset = queryset.filter(
            Q(verified_at__lt=cutoff) | Q(verified_at__isnull=True, data_updated_on__lt=cutoff.date())
        )
    listing = Listing(request, MANAGE_COLUMNS, default_sort="commune")
    queryset = listing.sort(queryset)
    if listing.export_format:
        return listing.export(
            actor=request.user,
            headers=MANAGE_EXPORT_HEADERS,
            rows=(
                [
                    p.pk,
                    p.name,
                    p.address,
                    p.postcode,
                    p.commune_name,
                    p.insee_code,
                    "oui" if p.is_published else "non",
                    p.verified_at.date().isoformat() if p.verified_at else "",
                    p.data_updated_on.isoformat(),
                    p.phone,
                    " | ".join(p.emails or []),
                ]
                for p in queryset.iterator(chunk_size=1000)
            ),
            filename="mes-lieux",
            object_type="places.Place",
        )
    page = listing.paginate(queryset.select_related("verified_by"))
    rows = [{"place": place, "stale": selectors.is_stale(place, cutoff)} for place in page.object_list]
    context = {
        "page": page,
        "listing": listing,
        "rows": rows,
        "count": page.paginator.count,
        "q": text,
        "publication": publication,
        "only_stale": only_stale,
        "filtered": bool(text or publication or only_stale),
        "is_coordinator": bool(selectors.coordinator_territories(request.user)),
        "pending_corrections": corrections.pending_count(request.user),
        "query_string": request.GET.urlencode(),
    }
    return render(request, "places/manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    place = selectors.get_place_for_edit(request.user, pk)
    form = PlaceForm(request.POST or None, instance=place)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}
        # the ModelForm already copied the values on ``place``: reload before the service diffs them
        place.refresh_from_db()
        changes = update_place(
            actor=request.user, place=place, values=values, verified=form.cleaned_data.get("verified", False)
        )
        if changes:
            messages.success(request, _("La fiche « %(name)s » est enregistrée.") % {"name": place.name})
        else:
            messages.info(request, _("Aucune modification."))
        return redirect("places:edit", pk=place.pk)
    if request.method == "POST":
        place.refresh_from_db()
    context = {
        "place": place,
        "form": form,
        "history": _history_rows(place),
        "schedule": opening_hours.safe_parse(place.opening_hours),
    }
    return render(request, "places/edit.html", context, status=400 if form.errors else 200)


def _field_label(name: str) -> str:
    if name == "reminder":
        return _("relance")
    try:
        return str(getattr(Place._meta.get_field(name), "verbose_name", name))
    except Exception:  # noqa: BLE001 — a renamed field keeps its raw name in old entries
        return name


def _history_rows(place: Place) -> list[dict[str, Any]]:
    return [
        {"entry": entry, "fields": ", ".join(_field_label(name) for name in entry.changes) or "—"}
        for entry in selectors.place_history(place)
    ]


@login_required
@require_POST
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.coordinator_territories(request.user):
        raise PermissionDenied(_("Réservé aux coordinateurs et coordinatrices."))
    place = selectors.get_stale_place_for_coordinator(request.user, pk)
    recipients = send_reminder(actor=request.user, place=place, base_url=request.build_absolute_uri("/")[:-1])
    if recipients:
        messages.success(
            request,
            _("Relance envoyée pour « %(name)s » à %(count)d destinataire(s).")
            % {"name": place.name, "count": len(recipients)},
        )
    else:
        messages.warning(
            request,
            _(
                "« %(name)s » n'a ni gestionnaire, ni médiateur, ni courriel de contact : aucune relance envoyée."
            )
            % {"name": place.name},
        )
    return redirect(
        reverse("places:stale")
        + (f"?page={request.POST['page']}" if request.POST.get("page", "").isdigit() else "")
    )


# --- printed annuaire ------------------------------------------------------------------------------


@require_GET
def annuaire(request: HttpRequest) -> HttpResponse:
    """Choose the territory of the printed annuaire (commune, EPCI or département) by name, nickname
    or code; ambiguous or unknown names get suggestions."""
    from maillage.core.permissions import territories_for
    from maillage.places import pdf
    from maillage.places.forms import AnnuaireForm

    form = AnnuaireForm(request.GET or None)
    candidates: list[Any] = []
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["territoire"]
        slug = form.cleaned_data["kind"]
        kinds = [pdf.KINDS[slug]] if slug in pdf.KINDS else list(pdf.KINDS.values())
        results = territory_lookup.lookup(text, kinds=[str(k) for k in kinds])
        if results and territory_lookup.is_clear_match(text, results[0], results):
            territory = results[0]
            return redirect("places:annuaire_pdf", kind=pdf.SLUG_BY_KIND[territory.kind], code=territory.code)
        candidates = results or territory_lookup.suggestions(text, kinds=[str(k) for k in kinds])
        if not results:
            form.add_error(
                "territoire",
                _("Territoire introuvable : vérifiez le nom ou le code.")
                + (
                    " " + _("Vouliez-vous dire l'un des territoires proposés ci-dessous ?")
                    if candidates
                    else ""
                ),
            )
    suggestions = []
    for territory in territories_for(request.user):
        if territory.kind in pdf.SLUG_BY_KIND:
            suggestions.append({"territory": territory, "slug": pdf.SLUG_BY_KIND[territory.kind]})
    context = {
        "form": form,
        "suggestions": suggestions,
        "candidates": [
            {"territory": t, "slug": pdf.SLUG_BY_KIND[t.kind], "kind": territory_lookup.kind_label(t)}
            for t in candidates
            if t.kind in pdf.SLUG_BY_KIND
        ],
    }
    return render(request, "places/annuaire/choose.html", context, status=400 if form.errors else 200)


@require_GET
def annuaire_pdf(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """The stored annuaire PDF of a territory (maillage.places.annuaire_files): served as a file; built by
    a job on the first request (a page « en préparation » with a reload link meanwhile) and after changes
    (the last good file is served until the new one is written)."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from maillage.places import annuaire_files, pdf
    from maillage.territories.models import Territory

    if kind not in pdf.KINDS:
        raise Http404
    territory = get_object_or_404(Territory, kind=pdf.KINDS[kind], code=code)
    record = annuaire_files.record_for(territory)
    if not record.is_fresh and not annuaire_files.is_pending(record):
        count = pdf.public_places().in_territory(territory).count()
        if count > pdf.MAX_PLACES:  # bounded work, even in a job
            last_good = _annuaire_file_response(record, territory) if record.file_name else None
            if last_good is not None:
                return last_good
            from maillage.places.forms import AnnuaireForm

            form = AnnuaireForm({"kind": kind, "territoire": territory.code})
            form.is_valid()
            form.add_error(
                None,
                _(
                    "%(name)s compte %(count)d lieux : l'annuaire imprimé en contient %(max)d au plus. "
                    "Choisissez une intercommunalité ou une commune."
                )
                % {"name": territory.name, "count": count, "max": pdf.MAX_PLACES},
            )
            return render(
                request, "places/annuaire/choose.html", {"form": form, "suggestions": []}, status=400
            )
        annuaire_files.ensure_build(record)
        record = annuaire_files.record_for(territory)  # an immediate backend has built it already
    if record.file_name:
        response = _annuaire_file_response(record, territory)
        if response is not None:
            return response
    failed = record.job is not None and record.job.status == "failed"
    context = {
        "territory": territory,
        "job": record.job,
        "failed": failed,
        "place_count": pdf.public_places().in_territory(territory).count(),
        "refresh_seconds": annuaire_files.REFRESH_SECONDS,
        "retry_minutes": int(annuaire_files.RETRY_AFTER_FAILURE.total_seconds() // 60),
    }
    response = render(request, "places/annuaire/preparing.html", context, status=503 if failed else 202)
    response["Cache-Control"] = "no-store"
    if not failed:
        response["Retry-After"] = str(annuaire_files.REFRESH_SECONDS)
    return response


def _annuaire_file_response(record: Any, territory: Any) -> HttpResponse | None:
    """The stored PDF (None when the file went missing from the storage). Read whole: a few megabytes at
    most, in a millisecond or two, and the same response on every server and in tests."""
    from django.core.files.storage import default_storage
    from django.utils.http import http_date

    from maillage.places import annuaire_files

    try:
        with default_storage.open(record.file_name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{annuaire_files.download_name(territory)}"'
    if record.generated_at is not None:
        response["Last-Modified"] = http_date(record.generated_at.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    return response
