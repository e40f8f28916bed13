"""Editable DOCX rendering of the bilan annuel with python-docx."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from maillage.roadmaps.reports.data import Report


def _n(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    text = f"{value:,}".replace(",", " ").replace(".", ",")
    return f"{text} {unit}".strip()


def _table(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text


def render_docx(report: Report) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10.5)
    document.core_properties.title = report.title
    document.core_properties.language = "fr-FR"
    roadmap = report.roadmap
    document.add_heading(report.title, level=0)
    document.add_paragraph(
        f"{roadmap.territory} · période {roadmap.period_label} · portée par {roadmap.carrier} · "
        f"document généré le {report.generated_on:%d/%m/%Y} par Maillage (modifiable)."
    )

    document.add_heading("Synthèse", level=1)
    document.add_paragraph(
        f"{len(report.sheets)} actions ; avancement moyen déclaré {_n(report.mean_progress)} %. "
        f"Indicateurs chiffrés ayant atteint leur cible : {report.indicators_met} sur {report.indicators_with_target}."
    )
    _table(document, ["Statut", "Actions"], [[label, str(n)] for label, n in report.status_counts if n])
    document.add_paragraph(
        f"Budget {report.year} (hors produits) : {_n(report.budget.eur_planned, '€')} prévus, "
        f"{_n(report.budget.eur_spent, '€')} réalisés ; {_n(report.budget.fte_planned, 'ETP')} prévus."
    )
    if report.budget.by_funder:
        _table(
            document,
            ["Financeur", "Prévu", "Réalisé"],
            [[name, _n(p, "€"), _n(s, "€")] for name, p, s in report.budget.by_funder],
        )
    if report.versions:
        document.add_heading("Versions et avenants", level=2)
        for v in report.versions:
            ref = f" ({v.reference})" if v.reference else ""
            changes = f" : {v.changes}" if v.changes else ""
            document.add_paragraph(
                f"v{v.number} — {v.decided_on:%d/%m/%Y}, {v.decided_by}{ref}{changes}", style="List Bullet"
            )

    document.add_heading("Fiches action", level=1)
    for sheet in report.sheets:
        a = sheet.action
        document.add_heading(f"Action {a.number} — {a.title}", level=2)
        document.add_paragraph(
            f"Axe {a.axis.number} · statut : {a.get_status_display()} · avancement {a.progress} % · "
            f"priorité {a.get_priority_display().lower()}"
        )
        document.add_paragraph(f"Porteurs : {', '.join(sheet.leads) or '—'}")
        if sheet.partners:
            document.add_paragraph(f"Partenaires : {', '.join(sheet.partners)}")
        if a.progress_note:
            document.add_paragraph(f"Point d'avancement : {a.progress_note}")
        if sheet.indicators:
            _table(
                document,
                ["Indicateur", "Valeur", "Cible", "Part de la cible"],
                [
                    [
                        s.indicator.label,
                        s.current_label,
                        s.target_label or "—",
                        f"{_n(s.percent)} %" if s.percent is not None else "—",
                    ]
                    for s in sheet.indicators
                ],
            )
        if sheet.budget_lines:
            document.add_paragraph()
            _table(
                document,
                ["Nature", "Libellé", "Prévu", "Réalisé", "Financeur"],
                [
                    [
                        b.get_nature_display(),
                        b.label or "—",
                        _n(b.planned, b.get_unit_display()),
                        _n(b.spent, b.get_unit_display()),
                        b.funder.name if b.funder else "—",
                    ]
                    for b in sheet.budget_lines
                ],
            )
        for u in sheet.updates:
            if u.note:
                document.add_paragraph(f"{u.created_at:%d/%m/%Y} — {u.note}", style="List Bullet")

    document.add_heading(f"Gouvernance en {report.year}", level=1)
    for activity in report.governance:
        rate = f"{_n(activity.rate)} %" if activity.rate is not None else "non renseigné"
        document.add_heading(activity.body.name, level=2)
        document.add_paragraph(f"{len(activity.meetings)} réunion(s) ; taux de présence {rate}.")
        for m in activity.meetings:
            line = f"{m.date:%d/%m/%Y}"
            if m.decisions:
                line += f" — décisions : {m.decisions}"
            document.add_paragraph(line, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
