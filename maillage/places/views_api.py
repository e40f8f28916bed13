"""Read-only open-data API of the published places, in the national standard's flat JSON form.

No personal data: only the fields of the standard (a place's generic contacts), never mediators,
managers, verification authors or unpublished places. Public, cacheable, CORS-open.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from maillage.places.choices import Service
from maillage.places.interop.standard import BY_NAME, COLUMNS, SCHEMA_VERSION
from maillage.places.interop.writer import EXPORT_FIELDS, csv_lines, stored_item, to_json_item, to_standard
from maillage.places.models import Place, PlaceQuerySet
from maillage.places.services import export_queryset, standard_rows, territory_by_code

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1  # far beyond any dataset; larger values overflow the databases' OFFSET
STREAM_ABOVE = 100  # pages of more items are streamed
API_FIELDS = ("pk", *EXPORT_FIELDS)


def _json(payload: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    if status == 200:
        response["Cache-Control"] = "public, max-age=300"
    return response


def _error(errors: dict[str, str], status: int = 400) -> JsonResponse:
    return _json({"erreurs": errors}, status=status)


_URL_PK = 987654321  # placeholder pk: the item URL is built once per page, then filled in


def _url_template(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("api:place", args=[_URL_PK]))


def _item(
    request: HttpRequest, values: dict[str, Any], clashes: set[str], url_template: str | None = None
) -> dict[str, Any]:
    place_id = None
    if values["source_id"] in clashes:
        place_id = f"{values['source'] or 'maillage'}_{values['source_id']}".replace(" ", "-")
    item = to_json_item(to_standard(values, place_id=place_id))
    head, tail = (url_template or _url_template(request)).rsplit(str(_URL_PK), 1)  # the id ends the path
    item["url"] = f"{head}{values['pk']}{tail}"
    return item


def _with_clash(places: PlaceQuerySet) -> PlaceQuerySet:
    """Annotate ``clash``: another published place has the same source id (its ``id`` in the standard is
    then prefixed with the source). One index probe per row (``place_source_id``), inside the query."""
    others = Place.objects.published().filter(source_id=OuterRef("source_id")).exclude(pk=OuterRef("pk"))
    return places.annotate(clash=Exists(others))


def _columns() -> tuple[list[str], list[str], list[str]]:
    """(scalar fields, their columns, JSON list fields) of ``API_FIELDS``."""
    scalars: list[str] = []
    columns: list[str] = []
    lists: list[str] = []
    for name in API_FIELDS:
        field = Place._meta.pk if name == "pk" else Place._meta.get_field(name)
        if field.get_internal_type() == "JSONField":
            lists.append(name)
        else:
            scalars.append(name)
            columns.append(str(field.column))  # type: ignore[union-attr]
    return scalars, columns, lists


_SCALARS, _SCALAR_COLUMNS, _LISTS = _columns()


def _ids_sql(places: PlaceQuerySet, offset: int, limit: int) -> tuple[str, list[Any]]:
    """The ids of one page, chosen in the ORM's subquery, which reads only the partial index
    ``place_published_id`` (an OFFSET skips index entries, not the wide rows before the page)."""
    sql, params = places.order_by("pk").values("pk")[offset : offset + limit].query.sql_with_params()
    return sql, list(params)


_CLASH = "EXISTS (SELECT 1 FROM places_place o WHERE o.source_id = p.source_id AND o.is_published AND o.id <> p.id)"


def page_sql(places: PlaceQuerySet, offset: int, limit: int) -> tuple[str, list[Any]]:
    """One page of ``places`` by id, in one query: (id, stored open-data item, ``clash``). The rows are
    read by key; ``clash`` is one index probe per row (``place_source_id``)."""
    ids_sql, ids_params = _ids_sql(places, offset, limit)
    sql = (
        f"SELECT p.id, p.standard_document, {_CLASH} FROM places_place p "  # noqa: S608 — constant names, the ORM's own subquery
        f"WHERE p.id IN ({ids_sql}) ORDER BY p.id"
    )
    return sql, ids_params


def rows_by_id(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The ``API_FIELDS`` of these places as ``values()`` dicts (dates as dates), with ``clash``: the
    places whose stored item cannot be served as it is. The JSON lists are gathered in one JSON array
    per row (one decoding per row, not thirteen). Written by hand: the ORM spends more time compiling
    this query and converting its values than the database running it."""
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        lists = "json_build_array(" + ", ".join(f'p."{c}"' for c in _LISTS) + ")::text"
    else:
        lists = "json_array(" + ", ".join(f'json(p."{c}")' for c in _LISTS) + ")"
    columns = ", ".join(f'p."{c}"' for c in _SCALAR_COLUMNS)
    marks = ", ".join(["%s"] * len(ids))
    sql = f"SELECT {columns}, {lists}, {_CLASH} FROM places_place p WHERE p.id IN ({marks})"  # noqa: S608 — constant names
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        fetched = cursor.fetchall()
    rows = {}
    count = len(_SCALARS)
    for record in fetched:
        row = dict(zip(_SCALARS, record[:count], strict=True))
        row.update(zip(_LISTS, json.loads(record[count]), strict=True))
        row["clash"] = bool(record[count + 1])
        updated = row["data_updated_on"]
        if isinstance(updated, str):  # SQLite
            row["data_updated_on"] = dt.date.fromisoformat(updated)
        rows[row["pk"]] = row
    return rows


def page_items(request: HttpRequest, places: PlaceQuerySet, offset: int, limit: int) -> list[str]:
    """The JSON text of each item of the page, ``url`` included.

    Each place's item is stored beside it (``Place.standard_document``, written with its fields): the
    page is one query and a concatenation. A place whose id is shared with another published place (its
    ``id`` is then prefixed with its source) or whose stored item was built by other code is serialised
    here, from its fields, exactly as the stored item would be.
    """
    sql, params = page_sql(places, offset, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    template = _url_template(request)
    head, tail = template.rsplit(str(_URL_PK), 1)
    head = ', "url": ' + json.dumps(head, ensure_ascii=False)[:-1]
    tail = json.dumps(tail, ensure_ascii=False)[1:] + "}"
    items: list[str | None] = []
    missing: list[int] = []
    for pk, stored, clash in fetched:
        text = None if clash else stored_item(stored)
        if text is None:
            missing.append(pk)
        items.append(text)
    rebuilt = rows_by_id(missing)
    result = []
    for (pk, _stored, _clash), text in zip(fetched, items, strict=True):
        if text is None:
            values = rebuilt[pk]
            clashes = {values["source_id"]} if values["clash"] else set()
            result.append(json.dumps(_item(request, values, clashes, template), ensure_ascii=False))
        elif text == "{}":  # never: « date_maj » is required; kept exact all the same
            result.append(json.dumps({"url": template.replace(str(_URL_PK), str(pk))}, ensure_ascii=False))
        else:
            result.append(f"{text[:-1]}{head}{pk}{tail}")
    return result


def _int(value: str | None, default: int, *, minimum: int, maximum: int) -> int:
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise ValueError  # handled by the caller: no « 1_000 », « ٣ », signs or 5 000-digit numbers
    number = int(value)
    if number < minimum or number > maximum:
        raise ValueError
    return number


UNKNOWN_TERRITORY = "territoire_inconnu"  # marker: 404 when it is the only problem, else 400
TERRITORY_PATTERN = "^([0-9]{2,3}|2[AB]|[0-9][0-9AB][0-9]{3}|[0-9]{9})$"


def _territory(request: HttpRequest, errors: dict[str, str]) -> Any:
    """The ``territoire`` parameter: absent → None; empty → 400; unknown → 404."""
    if "territoire" not in request.GET:
        return None
    code = request.GET.get("territoire", "").strip()
    if not code:
        errors["territoire"] = _("Code de territoire vide : retirez le paramètre ou indiquez un code.")
        return None
    if not re.match(TERRITORY_PATTERN, code):
        errors["territoire"] = _(
            "Code de territoire mal formé : %(code)s (code INSEE de commune ou de département, SIREN d'EPCI)."
        ) % {"code": code[:20]}
        return None
    territory = territory_by_code(code)
    if territory is None:
        errors["territoire"] = _(
            "Territoire inconnu : %(code)s (code INSEE de commune ou de département, SIREN d'EPCI)."
        ) % {"code": code}
        errors[UNKNOWN_TERRITORY] = UNKNOWN_TERRITORY
    return territory


def _errors_response(errors: dict[str, str]) -> JsonResponse:
    status = 404 if UNKNOWN_TERRITORY in errors and len(errors) == 2 else 400
    errors.pop(UNKNOWN_TERRITORY, None)
    return _error(errors, status=status)


@csrf_exempt  # read-only and cookie-less: any other method gets 405 (not a CSRF 403)
@require_GET
def place_list(request: HttpRequest) -> HttpResponseBase:
    errors: dict[str, str] = {}
    try:
        limit = _int(request.GET.get("limit"), DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    except ValueError:
        errors["limit"] = _("Entier entre 1 et %(max)s attendu.") % {"max": MAX_LIMIT}
        limit = DEFAULT_LIMIT
    try:
        offset = _int(request.GET.get("offset"), 0, minimum=0, maximum=MAX_OFFSET)
    except ValueError:
        errors["offset"] = _("Entier entre 0 et %(max)s attendu.") % {"max": MAX_OFFSET}
        offset = 0
    places: PlaceQuerySet = Place.objects.published()
    territory = _territory(request, errors)
    if territory is not None:
        places = places.in_territory(territory)
    for service in request.GET.getlist("service"):
        if service not in Service.values:
            errors["service"] = _("Valeur inconnue : « %(value)s ». Valeurs permises : %(allowed)s.") % {
                "value": service,
                "allowed": " ; ".join(Service.values),
            }
        else:
            places = places.with_value("services", service)
    since = request.GET.get("mis_a_jour_depuis", "").strip()
    if since:
        try:
            places = places.filter(data_updated_on__gte=dt.date.fromisoformat(since))
        except ValueError:
            errors["mis_a_jour_depuis"] = _("Date au format AAAA-MM-JJ attendue.")
    if errors:
        return _errors_response(errors)
    total = places.count()
    items = page_items(request, places, offset, limit)

    def page_url(new_offset: int) -> str:
        params: list[tuple[str, str]] = [
            (key, value)
            for key, values in request.GET.lists()
            for value in values
            if key not in {"offset", "limit"}
        ]
        params += [("limit", str(limit)), ("offset", str(new_offset))]
        return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")

    payload = {
        "count": total,
        "next": page_url(offset + limit) if offset + limit < total else None,
        "previous": page_url(max(offset - limit, 0)) if offset > 0 else None,
    }
    # The JSON text of the page, as ``json.dumps(payload | {"results": [...]}, ensure_ascii=False)``
    # would write it, from the items' texts.
    opening = json.dumps(payload, ensure_ascii=False)[:-1] + ', "results": ['
    if limit <= STREAM_ABOVE:
        response: HttpResponseBase = HttpResponse(
            opening + ", ".join(items) + "]}", content_type="application/json"
        )
    else:  # large pages are streamed item by item: the whole JSON document is never held in memory
        response = StreamingHttpResponse(_page_chunks(opening, items), content_type="application/json")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _page_chunks(opening: str, items: list[str]) -> Iterator[str]:
    yield opening
    for index, item in enumerate(items):
        yield ("," if index else "") + item
    yield "]}"


@csrf_exempt
@require_GET
def place_export(request: HttpRequest, file_format: str) -> HttpResponseBase:
    """The whole open dataset (optionally of one territory) as a standard CSV or JSON file, streamed."""
    errors: dict[str, str] = {}
    territory = _territory(request, errors)
    if errors:
        return _errors_response(errors)
    rows = standard_rows(export_queryset(territory))
    if file_format == "csv":
        response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_chunks(rows), content_type="application/json")
    name = f"{timezone.localdate():%Y-%m-%d}_lieux-de-mediation-numerique_{territory.code if territory else 'tous'}"
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_chunks(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(to_json_item(row), ensure_ascii=False)
    yield "\n]\n"


@csrf_exempt
@require_GET
def place_detail(request: HttpRequest, pk: int) -> JsonResponse:
    values = None
    if pk <= MAX_OFFSET:  # larger ids do not exist (and overflow the databases' integers)
        values = _with_clash(Place.objects.published().filter(pk=pk)).values(*API_FIELDS, "clash").first()
    if values is None:
        return _error({"id": _("Lieu introuvable.")}, status=404)
    return _json(_item(request, values, {values["source_id"]} if values["clash"] else set()))


@csrf_exempt
@require_GET
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/v1/ (e.g. ``lieux/null``): a JSON 404, never the site's HTML page."""
    return _error({"id": _("Ressource introuvable : l'identifiant d'un lieu est un entier.")}, status=404)


# --- OpenAPI --------------------------------------------------------------------------------------


def _property(name: str) -> dict[str, Any]:
    column = BY_NAME[name]
    if column.kind == "number":
        return {
            "type": "number",
            "minimum": -90 if name == "latitude" else -180,
            "maximum": 90 if name == "latitude" else 180,
        }
    prop: dict[str, Any] = {"type": "string", "description": column.label}
    if column.kind == "date":
        prop["format"] = "date"
    if column.pattern is not None:
        prop["pattern"] = column.pattern.pattern
    if column.max_length and name == "presentation_resume":
        prop["maxLength"] = column.max_length
    if column.kind == "enum" and column.enum is not None:
        values = [v for v in column.enum.values if name != "formations_labels" or "(La Poste)" not in v]
        if name == "formations_labels":
            values.append("Étapes numériques(La Poste)")
        alternatives = "|".join(v.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.") for v in values)
        prop["pattern"] = f"^({alternatives})(\\|({alternatives}))*$"
        prop["description"] = f"{column.label} : valeurs séparées par « | » parmi {' ; '.join(values)}"
    return prop


def _territory_parameter() -> dict[str, Any]:
    return {
        "name": "territoire",
        "in": "query",
        "description": "Code INSEE d'une commune (5 caractères) ou d'un département, "
        "ou SIREN d'un EPCI (9 chiffres) : lieux situés dans ce territoire.",
        "schema": {"type": "string", "pattern": TERRITORY_PATTERN},
        "example": "46",
    }


def openapi_document() -> dict[str, Any]:
    required = [c.name for c in COLUMNS if c.required]
    lieu = {
        "type": "object",
        "description": f"Lieu au format JSON plat du standard de données des lieux de médiation numérique {SCHEMA_VERSION} "
        "(champs vides omis, valeurs multiples séparées par « | »), plus « url ».",
        "required": [*required, "url"],
        "properties": {
            **{c.name: _property(c.name) for c in COLUMNS},
            "url": {"type": "string", "format": "uri"},
        },
        "additionalProperties": False,
    }
    page = {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer", "minimum": 0},
            "next": {"type": ["string", "null"], "format": "uri"},
            "previous": {"type": ["string", "null"], "format": "uri"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Lieu"}},
        },
        "additionalProperties": False,
    }
    error = {
        "type": "object",
        "required": ["erreurs"],
        "properties": {"erreurs": {"type": "object", "additionalProperties": {"type": "string"}}},
    }

    def responses(schema: str, extra: dict[str, Any]) -> dict[str, Any]:
        content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
        return {"200": {"description": "Succès", "content": content}, **extra}

    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Erreur"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Maillage — lieux de médiation numérique (données ouvertes)",
            "version": "1.0.0",
            "description": "Lieux publiés du territoire au format du standard national "
            f"(schema.data.gouv.fr LaMednum/standard-mediation-num {SCHEMA_VERSION}). Aucune donnée personnelle : "
            "les médiateurs et gestionnaires n'y figurent jamais.",
            "license": {"name": "Licence Ouverte 2.0", "identifier": "etalab-2.0"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/lieux": {
                "get": {
                    "operationId": "listerLieux",
                    "summary": "Lieux publiés, paginés, triés par identifiant interne",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "description": f"Nombre de lieux par page (défaut {DEFAULT_LIMIT}).",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIMIT,
                                "default": DEFAULT_LIMIT,
                            },
                            "example": 2,
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "description": "Nombre de lieux à sauter (pagination ; suivre « next »).",
                            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
                            "example": 1,
                        },
                        _territory_parameter(),
                        {
                            "name": "service",
                            "in": "query",
                            "description": "Lieux proposant ce service (répétable : tous les services demandés).",
                            "schema": {"type": "string", "enum": list(Service.values)},
                            "explode": True,
                            "example": Service.ADMINISTRATIVE_PROCEDURES.value,
                        },
                        {
                            "name": "mis_a_jour_depuis",
                            "in": "query",
                            "description": "Lieux dont la date de mise à jour (date_maj) est postérieure ou égale.",
                            "schema": {"type": "string", "format": "date"},
                            "example": "2026-01-01",
                        },
                    ],
                    "responses": responses(
                        "PageLieux",
                        {
                            "400": {"description": "Paramètre invalide", "content": error_content},
                            "404": {"description": "Territoire inconnu", "content": error_content},
                        },
                    ),
                }
            },
            "/lieux/{id}": {
                "get": {
                    "operationId": "lireLieu",
                    "summary": "Un lieu publié",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "description": "Identifiant interne (voir « url » dans la liste).",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": responses(
                        "Lieu",
                        {"404": {"description": "Lieu introuvable ou non publié", "content": error_content}},
                    ),
                }
            },
            "/lieux.csv": {
                "get": {
                    "operationId": "exporterLieuxCsv",
                    "summary": "Tous les lieux publiés en un fichier CSV au standard (ordre des colonnes du schéma, « | »)",
                    "parameters": [_territory_parameter()],
                    "responses": {
                        "200": {
                            "description": "Fichier CSV",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "400": {
                            "description": "Code de territoire vide ou invalide",
                            "content": error_content,
                        },
                        "404": {"description": "Territoire inconnu", "content": error_content},
                    },
                }
            },
            "/lieux.json": {
                "get": {
                    "operationId": "exporterLieuxJson",
                    "summary": "Tous les lieux publiés en un tableau JSON au standard (forme plate, sans « url »)",
                    "parameters": [_territory_parameter()],
                    "responses": {
                        "200": {
                            "description": "Tableau JSON",
                            "content": {
                                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}
                            },
                        },
                        "400": {
                            "description": "Code de territoire vide ou invalide",
                            "content": error_content,
                        },
                        "404": {"description": "Territoire inconnu", "content": error_content},
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "Cette description OpenAPI 3.1",
                    "responses": {"200": {"description": "Succès", "content": {"application/json": {}}}},
                }
            },
        },
        "components": {"schemas": {"Lieu": lieu, "PageLieux": page, "Erreur": error}},
    }


@csrf_exempt
@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return _json(json.loads(json.dumps(openapi_document(), ensure_ascii=False)))
