"""CSV / XLSX of an observatory's communes (public figures only: no personal data)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.translation import gettext as _

from maillage.observatory.access import KIND_LABELS, KINDS
from maillage.observatory.fragility import IFN_KEYS, IFN_LABELS
from maillage.observatory.selectors import Report


def header() -> list[str]:
    columns = [
        _("code INSEE"),
        _("commune"),
        _("population"),
        _("surface (km²)"),
        _("densité (hab./km²)"),
        _("indice de fragilité numérique"),
    ]
    columns += [str(IFN_LABELS[k]) for k in IFN_KEYS]
    columns.append(_("indice de rupture inspiré de Compas (/25)"))
    columns += [_("lieux « %(kind)s » dans la commune") % {"kind": KIND_LABELS[k]} for k in KINDS]
    columns += [_("distance « %(kind)s » (km)") % {"kind": KIND_LABELS[k]} for k in KINDS]
    columns.append(_("fragile et éloignée"))
    return columns


def rows(report: Report) -> list[list[Any]]:
    out: list[list[Any]] = []
    for r in report.rows:
        line: list[Any] = [r.code, r.name, r.population, r.area_km2, r.density, r.ifn]
        line += [r.ifn_scores.get(k) for k in IFN_KEYS]
        line.append(r.compas)
        line += [r.places.get(k, 0) for k in KINDS]
        line += [r.distances.get(k) for k in KINDS]
        line.append(_("oui") if r.fragile_far else _("non"))
        out.append(line)
    return out


def to_csv(report: Report) -> bytes:
    """Semicolon-separated UTF-8 with BOM (opens as is in spreadsheets); empty cell = missing value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header())
    for line in rows(report):
        writer.writerow(
            ["" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v for v in line]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Communes")[:31]
    sheet.append(header())
    for line in rows(report):
        sheet.append(line)
    sheet.freeze_panes = "C2"
    sources = workbook.create_sheet(_("Sources")[:31])
    sources.append([_("source"), _("millésime"), _("importé le")])
    for label, vintage, imported_at in report.sources:
        sources.append([label, vintage, imported_at.strftime("%d/%m/%Y")])
    sources.append([_("Indice affiché"), report.method_label, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
