"""Actions, budget lines and indicators of a roadmap as a spreadsheet (XLSX or ODS): coordinators live
in spreadsheets. One row per item, numbers as numbers, unknown cells left empty (never 0)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from maillage.roadmaps.models import Action, ActionLead, BudgetLine, Indicator, Roadmap

Sheet = tuple[str, list[str], list[list[Any]]]


def _value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def sheets(roadmap: Roadmap) -> list[Sheet]:
    actions = list(
        Action.objects.filter(roadmap=roadmap)
        .select_related("axis", "objective", "parent")
        .prefetch_related(
            Prefetch("leads", queryset=ActionLead.objects.select_related("organisation")),
            "partners",
            Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("funder")),
            Prefetch("indicators", queryset=Indicator.objects.prefetch_related("measurements")),
        )
        .order_by("position", "number")
    )
    terms = roadmap.terms
    action_rows = []
    budget_rows = []
    indicator_rows = []
    for a in actions:
        action_rows.append(
            [
                a.axis.number,
                a.label,
                a.parent.label if a.parent else None,
                a.title,
                "; ".join(str(lead) for lead in a.leads.all()),
                "; ".join(o.name for o in a.partners.all()),
                str(a.get_status_display()) if a.status else None,
                a.progress,
                str(a.get_priority_display()) if a.priority else None,
                str(a.get_maturity_display()) if a.maturity else None,
                "oui" if a.started_before else "non",
                a.calendar or None,
                a.start_date,
                a.end_date,
                a.last_update_at.date() if a.last_update_at else None,
            ]
        )
        for b in a.budget_lines.all():
            budget_rows.append(
                [
                    a.label,
                    str(b.get_nature_display()),
                    b.label or None,
                    b.year,
                    str(b.get_unit_display()),
                    _value(b.planned),
                    _value(b.spent),
                    b.funder.name if b.funder else None,
                ]
            )
        for i in a.indicators.all():
            values = [m.value for m in i.measurements.all() if m.value is not None]
            current = (sum(values) if i.aggregation == "somme" else values[-1]) if values else None
            indicator_rows.append(
                [
                    a.label,
                    i.label,
                    str(i.get_kind_display()),
                    i.unit or None,
                    _value(i.baseline),
                    _value(i.target),
                    i.target_text or None,
                    i.target_date,
                    i.metric_key or None,
                    _value(current) if not i.metric_key else None,
                ]
            )
    return [
        (
            terms["actions"].capitalize()[:31],
            [
                "Axe",
                "N°",
                "Parent",
                "Intitulé",
                "Porteurs",
                "Partenaires",
                "Statut",
                "Avancement (%)",
                "Priorité",
                "Maturité",
                "Déjà engagée",
                "Calendrier",
                "Début",
                "Fin",
                "Dernière mise à jour",
            ],
            action_rows,
        ),
        (
            "Budget",
            ["N°", "Nature", "Libellé", "Année", "Unité", "Prévu", "Réalisé", "Financeur"],
            budget_rows,
        ),
        (
            "Indicateurs",
            [
                "N°",
                "Indicateur",
                "Type",
                "Unité",
                "Valeur initiale",
                "Cible",
                "Cible (texte)",
                "Échéance",
                "Calculé depuis",
                "Valeur saisie à date",
            ],
            indicator_rows,
        ),
    ]


def to_xlsx(roadmap: Roadmap) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets(roadmap):
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    workbook.properties.title = roadmap.title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_ods(roadmap: Roadmap) -> bytes:
    from datetime import date

    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TextProperties
    from odf.table import Table, TableCell, TableHeaderRows, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    bold = Style(name="entete", family="table-cell")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)

    def cell(value: Any, style: Any = None) -> Any:
        if value is None:
            return TableCell()
        if isinstance(value, bool) or not isinstance(value, int | float | date):
            c = TableCell(valuetype="string", stylename=style) if style else TableCell(valuetype="string")
            c.addElement(P(text=str(value)))
            return c
        if isinstance(value, date):
            c = TableCell(valuetype="date", datevalue=value.isoformat())
            c.addElement(P(text=value.strftime("%d/%m/%Y")))
            return c
        c = TableCell(valuetype="float", value=str(value))
        c.addElement(P(text=str(value).replace(".", ",")))
        return c

    for title, header, rows in sheets(roadmap):
        table = Table(name=title)
        head = TableHeaderRows()
        tr = TableRow()
        for h in header:
            tr.addElement(cell(h, bold))
        head.addElement(tr)
        table.addElement(head)
        for row in rows:
            tr = TableRow()
            for value in row:
                tr.addElement(cell(value))
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()
