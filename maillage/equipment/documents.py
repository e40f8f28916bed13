"""Documents of the loop: asset labels (QR code, no personal data), the gift or loan agreement, and the
experiment's bilan (PDF tagged PDF/UA, DOCX). PDFs are rendered by WeasyPrint without any fetch."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core.pdf import render_tagged_pdf
from maillage.equipment.models import Device, DeviceState
from maillage.equipment.selectors import Figures


def scan_url(device: Device) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("equipment:scan", args=[device.asset_tag])


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no external file, no script)."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=3, border=2, xmldecl=False, svgns=True, nl=False
    )
    return buffer.getvalue().decode()


def labels_pdf(devices: list[Device]) -> bytes:
    labels = [{"device": d, "qr": qr_svg(scan_url(d))} for d in devices]
    html = render_to_string(
        "equipment/pdf/labels.html", {"labels": labels, "title": _("Étiquettes d'inventaire")}
    )
    return render_tagged_pdf(html)


def agreement_pdf(allocation: Any, *, person_name: str = "") -> bytes:
    """The agreement in two copies: the structure's copy never carries the person's name; the person's
    copy carries what the mediator types at printing time (it is not stored)."""
    context = {
        "allocation": allocation,
        "device": allocation.device,
        "person_name": person_name.strip()[:120],
        "printed_on": timezone.localdate(),
        "title": _("Convention de %(kind)s de matériel informatique")
        % {
            "kind": allocation.get_agreement_kind_display().lower()
            if allocation.agreement_kind
            else _("don ou de prêt")
        },
    }
    return render_tagged_pdf(render_to_string("equipment/pdf/agreement.html", context))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %".replace(".", ",")


def _euros(value: Decimal | None) -> str:
    if value is None:
        return _("non renseigné")
    return f"{value:,.2f} €".replace(",", " ").replace(".", ",")


def bilan_context(*, territory: Any, fig: Figures, donations: list[Any]) -> dict[str, Any]:
    return {
        "territory": territory,
        "fig": fig,
        "donations": donations,
        "states": [(DeviceState(k).label, v) for k, v in fig.by_state.items()],
        "loss_ratio": _percent(fig.loss_ratio),
        "loss_ratio_declared": _percent(fig.loss_ratio_declared),
        "parts_cost": _euros(fig.parts_cost_known),
        "average_parts_cost": _euros(fig.average_parts_cost),
        "average_minutes": None if fig.average_minutes is None else round(fig.average_minutes),
        "printed_on": timezone.localdate(),
        "title": _("Bilan de la boucle de reconditionnement — %(name)s") % {"name": territory.name},
    }


def bilan_pdf(context: dict[str, Any]) -> bytes:
    return render_tagged_pdf(render_to_string("equipment/pdf/bilan.html", context))


def bilan_docx(context: dict[str, Any]) -> bytes:
    from docx import Document

    fig: Figures = context["fig"]
    doc = Document()
    doc.core_properties.title = context["title"]
    doc.core_properties.language = "fr-FR"
    doc.add_heading(context["title"], level=0)
    doc.add_paragraph(_("Données au %(date)s.") % {"date": context["printed_on"].strftime("%d/%m/%Y")})

    def table(caption: str, header: tuple[str, str], rows: list[tuple[Any, Any]]) -> None:
        doc.add_heading(caption, level=2)
        if not rows:
            doc.add_paragraph(_("Aucune donnée."))
            return
        t = doc.add_table(rows=1, cols=2)
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        tr_pr = t.rows[0]._tr.get_or_add_trPr()
        marker = OxmlElement("w:tblHeader")
        marker.set(qn("w:val"), "true")
        tr_pr.append(marker)
        for label, value in rows:
            cells = t.add_row().cells
            cells[0].text = str(label)
            cells[1].text = str(value)

    doc.add_heading(_("Chiffres clés"), level=1)
    table(
        _("La boucle en chiffres"),
        (_("Indicateur"), _("Valeur")),
        [
            (
                _("Appareils annoncés (dons initiaux)"),
                fig.declared if fig.declared is not None else _("non renseigné"),
            ),
            (_("Appareils reçus"), fig.received),
            (_("Appareils reconditionnés"), fig.refurbished),
            (_("Appareils remis"), fig.given),
            (_("dont ordinateurs"), fig.given_computers),
            (_("Appareils mis au rebut"), fig.scrapped),
            (_("Taux de perte (rebut / reçus)"), context["loss_ratio"]),
            (_("Perte par rapport au don initial"), context["loss_ratio_declared"]),
            (_("Coût des pièces (connu)"), context["parts_cost"]),
            (_("Coût moyen des pièces par appareil réparé"), context["average_parts_cost"]),
            (
                _("Temps moyen par appareil (minutes)"),
                context["average_minutes"] if context["average_minutes"] is not None else _("non renseigné"),
            ),
            (_("Suivis à six mois faits"), fig.follow_ups_done),
        ],
    )
    table(_("Stock par état"), (_("État"), _("Appareils")), context["states"])
    table(_("Collecte par type"), (_("Type"), _("Appareils")), fig.by_kind)
    table(_("Collecte par donateur"), (_("Donateur"), _("Appareils")), fig.by_donor)
    table(_("Motifs de mise au rebut"), (_("Motif"), _("Appareils")), fig.scrap_reasons)
    doc.add_heading(_("Personnes équipées"), level=1)
    table(_("Par EPCI"), (_("EPCI"), _("Personnes")), fig.people_by_epci)
    table(_("Par commune"), (_("Commune"), _("Personnes")), fig.people_by_commune)
    table(_("Par critère de priorité"), (_("Critère"), _("Personnes")), fig.people_by_criterion)
    doc.add_heading(_("Suivi à six mois"), level=1)
    table(_("Utilisation de l'appareil"), (_("Réponse"), _("Personnes")), fig.still_used)
    table(_("Problèmes rencontrés"), (_("Problème"), _("Personnes")), fig.problems)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
