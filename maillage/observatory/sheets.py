"""The EPCI sheet (PDF tagged PDF/UA-1 with WeasyPrint, and DOCX) and the département's book of sheets.

Content of the Lot diagnostic's sheets (communes, population, density, poverty rate, unemployment, share
of seniors, IFN, France Services and places of mediation, map of the communes), computed and dated, plus
places and mediators, accompaniments and their trend, orientations and unmet needs, the fragile-and-far
communes, and the roadmap actions the roadmaps app attaches to the EPCI.

The book is generated synchronously by ``department_book_pdf`` (one function, so that it can move to the
background-job API once that API exists in main).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from maillage.observatory import selectors
from maillage.observatory.access import KIND_LABELS, KINDS
from maillage.observatory.fragility import IFN_KEYS, IFN_LABELS
from maillage.observatory.svg import report_map
from maillage.places.selectors import public_places
from maillage.territories.models import Territory

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Pas d'accès réseau pour les fiches : {url}")


@dataclass
class SheetData:
    territory: Territory
    department: Territory | None
    report: selectors.Report
    department_summary: selectors.Summary | None
    activity: selectors.Activity
    places: list[Any]
    actions: list[Any]
    fragile_far: list[selectors.CommuneRow]
    svg: str
    generated_at: Any


def sheet_data(epci: Territory, *, user: Any, department_report: selectors.Report | None = None) -> SheetData:
    report = selectors.build_report(epci, with_outlines=True, children=False)
    department = Territory.objects.filter(pk=epci.department_id).first() if epci.department_id else None
    if department_report is None and department is not None:
        department_report = selectors.build_report(department, method=report.method, children=False)
    places = list(
        public_places()
        .in_territory(epci)
        .order_by("commune_name", "name")
        .values("name", "commune_name", "national_programmes", "mobility")
    )
    return SheetData(
        territory=epci,
        department=department,
        report=report,
        department_summary=department_report.summary if department_report else None,
        activity=selectors.activity_figures(epci, report.summary.population),
        places=places,
        actions=selectors.roadmap_actions(user, epci),
        fragile_far=sorted((r for r in report.rows if r.fragile_far), key=lambda r: -(r.ifn or 0)),
        svg=report_map(report, "ifn", id_prefix=f"m{epci.code}", legend_side=True),
        generated_at=timezone.localtime(),
    )


def _context(data: list[SheetData], title: str) -> dict[str, Any]:
    return {
        "sheets": [
            {**sheet.__dict__, "svg": mark_safe(sheet.svg)}  # noqa: S308 — every text escaped by svg.render
            for sheet in data
        ],
        "title": title,
        "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "ifn_keys": [(k, IFN_LABELS[k]) for k in IFN_KEYS],
        "generated_at": timezone.localtime(),
    }


def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_refuse_fetch, base_url="/")
    return document.write_pdf(pdf_variant="pdf/ua-1")  # type: ignore[no-any-return]


def sheet_html(epci: Territory, *, user: Any) -> str:
    data = sheet_data(epci, user=user)
    title = _("Fiche EPCI — %(name)s") % {"name": epci.name}
    return render_to_string("observatory/sheet_pdf.html", _context([data], title))


def sheet_pdf(epci: Territory, *, user: Any) -> bytes:
    return _pdf(sheet_html(epci, user=user))


def department_book_pdf(department: Territory, *, user: Any) -> bytes:
    """All the EPCI sheets of a département as one PDF (synchronous; see the module docstring)."""
    department_report = selectors.build_report(department, children=False)
    epcis = Territory.objects.epcis().filter(department=department).order_by("name")
    data = [sheet_data(epci, user=user, department_report=department_report) for epci in epcis]
    title = _("Diagnostic par EPCI — %(name)s") % {"name": department.name}
    return _pdf(render_to_string("observatory/sheet_pdf.html", {**_context(data, title), "book": department}))


# --- DOCX ------------------------------------------------------------------------------------------------


def _n(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return _("n.d.")
    text = number_format(value, digits, force_grouping=True)
    return f"{text} {unit}".strip()


def sheet_docx(epci: Territory, *, user: Any) -> bytes:
    from docx import Document
    from docx.shared import Pt

    data = sheet_data(epci, user=user)
    s = data.report.summary
    document = Document()
    document.core_properties.title = _("Fiche EPCI — %(name)s") % {"name": epci.name}
    document.core_properties.language = "fr-FR"
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading(_("Dispositifs d'inclusion numérique — %(name)s") % {"name": epci.name}, 0)
    document.add_paragraph(
        _("Fiche calculée par Maillage le %(date)s à partir des données importées (sources en fin de fiche).")
        % {"date": data.generated_at.strftime("%d/%m/%Y")}
    )

    def table(header: list[str], rows: list[list[str]]) -> None:
        t = document.add_table(rows=1, cols=len(header))
        t.style = "Light Grid Accent 1"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            for cell, text in zip(t.add_row().cells, row, strict=True):
                cell.text = text

    document.add_heading(_("Le territoire"), 1)
    rates = s.rates
    table(
        [_("Indicateur"), _("Valeur")],
        [
            [_("Communes"), str(s.communes)],
            [_("Population (populations légales)"), _n(s.population, 0)],
            [_("Surface"), _n(s.area_km2, 1, "km²")],
            [_("Densité"), _n(s.density, 1, "hab./km²")],
            [_("Taux de pauvreté"), _n(rates["poverty_rate"][0], 1, "%")],
            [_("Taux de chômage (15–64 ans)"), _n(rates["unemployment"][0], 1, "%")],
            [_("Part des 60 ans et plus"), _n(rates["older60"][0], 1, "%")],
            [_("Part des 65 ans et plus"), _n(rates["older65"][0], 1, "%")],
            [_("Part des ménages d'une personne"), _n(rates["single_households"][0], 1, "%")],
            [_("Indice de fragilité numérique (1–10)"), _n(s.ifn, 1)],
        ],
    )
    document.add_paragraph(str(data.report.method_label))
    table(
        [_("Sous-indice"), _("EPCI"), _("Département")],
        [
            [
                str(label),
                _n(s.ifn_scores.get(key), 1),
                _n(data.department_summary.ifn_scores.get(key) if data.department_summary else None, 1),
            ]
            for key, label in IFN_LABELS.items()
        ],
    )
    document.add_heading(_("L'offre d'accompagnement"), 1)
    table(
        [_("Type de lieu"), _("Lieux"), _("Pour 10 000 habitants")],
        [[str(KIND_LABELS[k]), str(s.places[k]), _n(s.places_per_10k[k], 2)] for k in KINDS],
    )
    document.add_paragraph(
        _("Part de la population à moins de %(km)s km d'un lieu : %(share)s.")
        % {"km": _n(data.report.near_km, 0), "share": _n(s.near_share, 1, "%")}
    )
    for place in data.places:
        document.add_paragraph(f"{place['name']} — {place['commune_name']}", style="List Bullet")
    a = data.activity
    document.add_heading(_("Médiateurs, accompagnements, orientations"), 1)
    table(
        [_("Indicateur"), _("Valeur"), _("Pour 1 000 habitants")],
        [
            [
                _("Médiateur·rices et aidant·es recensé·es"),
                _n(a.mediators, 0),
                _n(a.per_1000(a.mediators), 2),
            ],
            [
                _("Habilité·es Aidants Connect"),
                _n(a.aidants_connect, 0),
                _n(a.per_1000(a.aidants_connect), 2),
            ],
            [
                _("Accompagnements (12 derniers mois)"),
                _n(a.accompaniments, 0),
                _n(a.per_1000(a.accompaniments), 2),
            ],
            [_("Accompagnements (12 mois précédents)"), _n(a.accompaniments_previous, 0), ""],
            [_("Évolution"), _n(a.trend, 1, "%"), ""],
            [_("Orientations proposées"), _n(a.referrals, 0), ""],
            [_("Besoins non satisfaits"), _n(a.unmet_needs, 0), ""],
        ],
    )
    document.add_heading(_("Communes fragiles et éloignées"), 1)
    if data.fragile_far:
        table(
            [_("Commune"), _("Population"), _("IFN"), _("Lieu le plus proche")],
            [
                [r.name, _n(r.population, 0), _n(r.ifn, 1), _n(r.distances.get("mediation"), 1, "km")]
                for r in data.fragile_far
            ],
        )
    else:
        document.add_paragraph(_("Aucune commune ne dépasse les deux seuils."))
    document.add_heading(_("Actions de feuille de route"), 1)
    if data.actions:
        for action in data.actions:
            document.add_paragraph(
                f"{action.roadmap.title} — {action.number}. {action.title}", style="List Bullet"
            )
    else:
        document.add_paragraph(
            _(
                "Aucune action de feuille de route n'est rattachée à cet EPCI dans Maillage (les actions d'une "
                "feuille de route départementale ne désignent pas d'EPCI cible)."
            )
        )
    document.add_heading(_("Sources"), 1)
    for label, vintage, imported_at in data.report.sources:
        document.add_paragraph(
            f"{label} — {vintage} (importé le {imported_at:%d/%m/%Y})", style="List Bullet"
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
