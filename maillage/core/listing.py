"""Lists that scale: sortable columns, pagination and filters kept in the URL, exports of what is shown.

A view declares its columns (:class:`Column`: label, sort key → ``order_by`` fields), then::

    listing = Listing(request, columns, default_sort="-created")
    queryset = listing.sort(queryset)
    page = listing.paginate(queryset)
    if listing.export_format:  # ?format=csv|xlsx
        return listing.export(actor=request.user, rows=..., filename=..., headers=...)

The template gets ``listing.headers`` (label, link toggling the sort, ``aria-sort``) and
``listing.query_string`` (every current parameter but the page) for the pagination links, so that filters
and sort survive paging and sharing the link. Exports write the rows matching the filters (capped) and are
audited with the filters used.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from maillage.core.audit import record_change
from maillage.core.models import AuditAction

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
EXPORT_LIMIT = 50_000
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    label: Any  # str or lazy translation
    key: str = ""  # sort key in the URL (``tri``); empty: not sortable
    order_by: tuple[str, ...] = ()  # ascending order; descending reverses each field


def neutralise(value: Any) -> Any:
    """Cells starting with = + - @ become text in spreadsheets (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else "-" + field


class Listing:
    def __init__(
        self,
        request: HttpRequest,
        columns: Sequence[Column],
        *,
        default_sort: str,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.request = request
        self.columns = list(columns)
        self.by_key = {c.key: c for c in self.columns if c.key}
        raw = request.GET.get("tri", "") or default_sort
        key = raw.lstrip("-")
        if key not in self.by_key:
            raw, key = default_sort, default_sort.lstrip("-")
        self.sort_key = key
        self.descending = raw.startswith("-")
        size = request.GET.get("par_page", "")
        self.page_size = int(size) if size.isdigit() and int(size) in PAGE_SIZES else page_size
        fmt = request.GET.get("format", "")
        self.export_format = fmt if fmt in ("csv", "xlsx") else ""

    # --- sorting ---------------------------------------------------------------------------------

    def order_fields(self) -> list[str]:
        column = self.by_key[self.sort_key]
        fields = [_flip(f) if self.descending else f for f in column.order_by]
        return [*fields, "-pk" if self.descending else "pk"]

    def sort(self, queryset: Any) -> Any:
        return queryset.order_by(*self.order_fields())

    def _params(self, **overrides: str) -> str:
        params = self.request.GET.copy()
        for name in ("page", "format"):
            params.pop(name, None)
        for name, value in overrides.items():
            if value:
                params[name] = value
            else:
                params.pop(name, None)
        return params.urlencode()

    @property
    def query_string(self) -> str:
        """Current filters and sort, without page nor format: for pagination and export links."""
        return self._params()

    @property
    def headers(self) -> list[dict[str, Any]]:
        headers = []
        for column in self.columns:
            current = column.key and column.key == self.sort_key
            if not column.key:
                headers.append({"label": column.label, "url": "", "aria_sort": "", "current": False})
                continue
            next_value = column.key if (current and self.descending) or not current else "-" + column.key
            headers.append(
                {
                    "label": column.label,
                    "url": "?" + self._params(tri=next_value),
                    "aria_sort": ("descending" if self.descending else "ascending") if current else "",
                    "current": bool(current),
                    "hint": _("trier par ordre décroissant")
                    if current and not self.descending
                    else _("trier par ordre croissant"),
                }
            )
        return headers

    # --- pages -----------------------------------------------------------------------------------

    def paginate(self, queryset: Any) -> Page:
        paginator = Paginator(queryset, self.page_size)
        return paginator.get_page(self.request.GET.get("page"))

    def export_url(self, fmt: str) -> str:
        qs = self._params(format=fmt)
        return "?" + qs

    @property
    def csv_url(self) -> str:
        return self.export_url("csv")

    @property
    def xlsx_url(self) -> str:
        return self.export_url("xlsx")

    # --- exports ---------------------------------------------------------------------------------

    def export(
        self,
        *,
        actor: Any,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        filename: str,
        object_type: str,
        territory_code: str = "",
    ) -> HttpResponse:
        """The rows as CSV (UTF-8 with BOM, « ; ») or XLSX; audited with the filters used."""
        materialised = []
        for index, row in enumerate(rows):
            if index >= EXPORT_LIMIT:
                break
            materialised.append([neutralise(v) for v in row])
        record_change(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type=object_type,
            territory_code=territory_code,
            changes={"format": self.export_format, "rows": len(materialised), "filters": self._params()},
            message=f"Export {self.export_format.upper()} de {len(materialised)} ligne(s)",
        )
        if self.export_format == "xlsx":
            return xlsx_response(headers, materialised, filename)
        return csv_response(headers, materialised, filename)


def csv_response(headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(headers: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="Export")
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
