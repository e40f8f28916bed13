"""The bilan annuel as a list of blocks (headings, paragraphs, tables, charts), built once from the
``Report`` and rendered by three writers (HTML → PDF, DOCX, ODT): the same content in every format."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from maillage.core.metrics import get_metric
from maillage.roadmaps.models import NationalTarget
from maillage.roadmaps.reports.data import UNKNOWN, ActionSheet, Budget, BudgetTable, Money, Report


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    label: str = ""  # bold prefix (« Porteurs »)
    style: str = ""  # "" | "meta" | "lead"


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    footer: list[str] | None = None
    numeric: tuple[int, ...] = ()  # right-aligned columns
    row_headers: bool = True  # the first cell of a row names it
    widths: tuple[int, ...] = ()  # column widths in % for the PDF (even columns when empty)


@dataclass
class Chart:
    """A small bar chart of an indicator's series; ``alt`` is its full text equivalent."""

    title: str
    alt: str
    points: list[tuple[str, float]]
    target: float | None = None


@dataclass
class Group:
    """Blocks kept together on a page when possible (one action sheet)."""

    blocks: list[Any] = field(default_factory=list)
    kind: str = "sheet"


@dataclass
class PageBreak:
    pass


@dataclass
class Document:
    title: str
    lang: str
    subject: str
    blocks: list[Any]


def num(value: Any, unit: str = "") -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        value = int(value) if value.is_integer() else round(value, 2)
    if isinstance(value, int):
        text = f"{value:,}".replace(",", "\u202f")
    elif isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", "\u202f").replace(".", ",")
    else:
        text = str(value)
    return f"{text}\u00a0{unit}".strip() if unit else text


def money(m: Money, unit: str = "€") -> str:
    if not m.is_known:
        return UNKNOWN
    text = num(m.total, unit)
    if m.unknown:
        text += f" (+ {m.unknown} non chiffrée{'s' if m.unknown > 1 else ''})"
    return text


def _budget_table(caption: str, first: str, table: BudgetTable, unit: str = "€") -> Table:
    return Table(
        caption=caption,
        header=[first, "Prévu", "Réalisé"],
        rows=[[r.label, money(r.planned, unit), money(r.spent, unit)] for r in table.rows],
        footer=["Total", money(table.total.planned, unit), money(table.total.spent, unit)],
        numeric=(1, 2),
    )


def _percent(value: float | None) -> str:
    return f"{num(value)}\u00a0%" if value is not None else UNKNOWN


def build_document(report: Report) -> Document:
    r = report
    roadmap = r.roadmap
    terms = r.terms
    blocks: list[Any] = []
    add = blocks.append

    # 1. cover
    add(Heading(1, r.title))
    add(Para(f"{roadmap.territory.name} · période {roadmap.period_label} · année {r.year}", style="lead"))
    add(Para(", ".join(r.carriers), label="Porté par"))
    adoption = str(roadmap.get_status_display())
    if roadmap.adopted_on:
        adoption += f" le {roadmap.adopted_on:%d/%m/%Y}"
    elif roadmap.submitted_on:
        adoption += f" (soumise le {roadmap.submitted_on:%d/%m/%Y})"
    add(Para(adoption, label="Feuille de route"))
    add(
        Para(
            f"données arrêtées au {r.data_date:%d/%m/%Y} ; document généré le {r.generated_on:%d/%m/%Y} "
            "par Maillage. Une valeur « non renseigné » n'a pas été donnée : ce n'est pas un zéro.",
            label="Date des données",
            style="meta",
        )
    )

    # 2. one-page summary
    add(Heading(2, "Synthèse"))
    n_sub = f" et {r.sub_actions_count} {terms['sub_actions']}" if r.sub_actions_count else ""
    kpis = [
        [f"{terms['actions'].capitalize()}", f"{r.actions_count}{n_sub}"],
        [
            "Avancement moyen déclaré",
            f"{_percent(r.mean_progress)}"
            + (f" ({r.progress_known} renseignés)" if r.mean_progress is not None else ""),
        ],
        [
            "Indicateurs à la cible",
            f"{r.indicators_met} sur {r.indicators_with_target} ayant une cible"
            if r.indicators_total
            else "aucun indicateur défini",
        ],
        [
            f"Budget {r.year} (charges)",
            f"{money(r.budget.by_nature.total.spent)} réalisés sur {money(r.budget.by_nature.total.planned)} prévus"
            if r.budget.lines
            else UNKNOWN,
        ],
    ]
    add(Table("Chiffres clés de l'année", ["Repère", "Valeur"], kpis))
    add(
        Table(
            "Avancement par statut",
            ["Statut", "Nombre"],
            [[k, str(v)] for k, v in r.status_counts],
            numeric=(1,),
        )
    )
    add(Para("", label="Ce qui a avancé"))
    add(Bullets(r.moved))
    add(Para("", label="Ce qui est en retard"))
    add(Bullets(r.late or ["Rien de signalé en retard."]))
    add(Para("", label="Décisions attendues du comité de pilotage"))
    add(Bullets(r.decisions or ["Aucune décision particulière n'est requise par les données."]))

    # 3. the territory's figures Maillage holds, by EPCI
    add(PageBreak())
    add(Heading(2, "Le territoire en chiffres"))
    tf = r.territory
    if tf.columns:
        add(
            Para(
                f"Chiffres {r.year} tenus à jour dans Maillage (annuaire des lieux, comptes rendus d'activité, "
                "diagnostics et orientations) — répartition territoriale.",
                style="meta",
            )
        )
        groups = [
            ("Lieux et médiateurs", [c for c in tf.columns if c[0].startswith("places.")]),
            (
                "Activité des médiateurs (comptes rendus)",
                [c for c in tf.columns if c[0].startswith("activities.")],
            ),
            ("Diagnostics et orientations", [c for c in tf.columns if c[0].startswith("pathways.")]),
        ]
        for title, chunk in groups:
            if not chunk:
                continue
            indexes = [tf.columns.index(c) for c in chunk]
            rows = [[name, *(num(values[i]) for i in indexes)] for name, values in tf.rows]
            add(
                Table(
                    caption=f"{title} en {r.year} : " + " ; ".join(f"{c[1]} = {c[2].lower()}" for c in chunk),
                    header=["Territoire", *(c[1] for c in chunk)],
                    rows=rows,
                    footer=[tf.total[0], *(num(tf.total[1][i]) for i in indexes)] if tf.total else None,
                    numeric=tuple(range(1, len(chunk) + 1)),
                )
            )
    if r.diagnostic or roadmap.diagnostic:
        add(Heading(3, "Rappel du diagnostic"))
        if roadmap.diagnostic:
            add(Para(roadmap.diagnostic))
        if r.diagnostic:
            add(_figures_table("Chiffres clés du diagnostic", r.diagnostic))
    if r.previous:
        add(Heading(3, "Résultats de la stratégie précédente (valeurs de référence)"))
        add(_figures_table("Résultats de la stratégie précédente", r.previous))

    # 4. per axis (several actions per page: a page break only before the first axis)
    add(PageBreak())
    for section in r.axes:
        add(Heading(2, f"Axe {section.axis.number} — {section.axis.title}"))
        charges = section.budget.by_nature.total
        spending = (
            f"charges {r.year} : {money(charges.spent)} réalisés sur {money(charges.planned)} prévus"
            if charges.planned.is_known or charges.spent.is_known
            else f"budget {r.year} non renseigné"
        )
        add(
            Para(
                f"{len(section.sheets)} {terms['actions']} ; avancement moyen déclaré "
                f"{_percent(section.mean_progress)} ; {spending}.",
                style="meta",
            )
        )
        for sheet in section.sheets:
            add(_sheet(sheet, terms["action"], r.year, level=3))
            for sub in sheet.sub_sheets:
                add(_sheet(sub, terms["sub_action"], r.year, level=4))

    # 5. budget
    add(PageBreak())
    add(Heading(2, f"Budget {r.year}"))
    b = r.budget
    if not b.lines and not r.fund:
        add(Para(f"Aucune ligne budgétaire n'est renseignée pour {r.year}."))
    else:
        add(
            Para(
                "Les charges sont présentées par nature puis par financeur : les deux tableaux ont le même total. "
                "Les recettes (subventions, fonds propres) sont présentées à part, avec leur propre total.",
                style="meta",
            )
        )
        add(_budget_table("Charges par nature", "Nature", b.by_nature))
        add(_budget_table("Charges par financeur", "Financeur", b.by_funder))
        if b.income_by_funder.rows:
            add(_budget_table("Recettes et cofinancements par financeur", "Financeur", b.income_by_funder))
        if b.fte.planned.is_known or b.fte.spent.is_known or b.fte.planned.unknown:
            add(
                Para(
                    f"{money(b.fte.planned, 'ETP')} prévus, {money(b.fte.spent, 'ETP')} réalisés.",
                    label="Ressources humaines",
                )
            )
    if r.fund:
        total = Money()
        for f in r.fund:
            total.add(f.amount)
        add(
            Table(
                "Fonds mutualisé",
                ["Financeur", "Fonds", "Montant"],
                [
                    [f.funder.name, f.fund + (f" ({f.year})" if f.year else ""), num(f.amount, "€")]
                    for f in r.fund
                ],
                footer=["Total", "", money(total)],
                numeric=(2,),
            )
        )

    # 6. governance, COPIL first
    add(Heading(2, f"Gouvernance en {r.year}"))
    if not r.governance:
        add(Para("Aucune instance de gouvernance n'est déclarée."))
    for activity in r.governance:
        body = activity.body
        add(Heading(3, body.name))
        facts = [f"{len(activity.meetings)} réunion(s) en {r.year}"]
        if activity.rate is not None:
            facts.append(f"taux de présence {num(activity.rate)} %")
        if body.frequency:
            facts.append(f"fréquence prévue : {body.frequency}")
        add(Para(" ; ".join(facts) + "."))
        if activity.meetings:
            rows = []
            for m in activity.meetings:
                attendances = list(m.attendances.all())
                present = sum(1 for a in attendances if a.status == "present")
                rows.append(
                    [
                        f"{m.date:%d/%m/%Y}",
                        f"{present} / {len(attendances)}" if attendances else UNKNOWN,
                        m.decisions or "—",
                    ]
                )
            add(Table(f"Réunions — {body.name}", ["Date", "Présents", "Décisions"], rows))

    # 7. annexes
    add(PageBreak())
    add(Heading(2, "Annexes"))
    add(Heading(3, "Tableau des indicateurs"))
    rows = []
    for sheet in r.sheets:
        for s in [sheet, *sheet.sub_sheets]:
            for st in s.indicators:
                ind = st.indicator
                rows.append(
                    [
                        f"{s.label}. {ind.label}",
                        num(ind.baseline, ind.unit) if ind.baseline is not None else "—",
                        st.target_label or "—",
                        st.current_label,
                        _percent(st.percent) if st.percent is not None else "—",
                        _source(ind),
                    ]
                )
    if rows:
        add(
            Table(
                "Indicateurs : valeur initiale, cible, valeur à date",
                ["Indicateur", "Initiale", "Cible", "Valeur", "Part de la cible", "Source"],
                rows,
                # room for the long texts (name, source): fewer lines in narrow columns
                widths=(30, 8, 9, 18, 9, 26),
            )
        )
    else:
        add(Para("Aucun indicateur n'est défini."))
    add(Heading(3, "Versions et avenants"))
    if r.versions:
        add(
            Table(
                "Versions et avenants",
                ["Version", "Date", "Instance", "Ce qui change"],
                [
                    [
                        f"v{v.number}",
                        f"{v.decided_on:%d/%m/%Y}",
                        v.decided_by + (f" ({v.reference})" if v.reference else ""),
                        v.changes or "—",
                    ]
                    for v in r.versions
                ],
            )
        )
    else:
        add(Para("Aucune version enregistrée."))
    if r.concertation:
        add(Heading(3, "Concertation"))
        add(
            Table(
                "Phases de la concertation",
                ["Phase", "Période", "Participants", "Enquête"],
                [
                    [
                        c.title,
                        c.period or "—",
                        (num(c.participant_count) + " · " if c.participant_count is not None else "")
                        + (", ".join(c.participants) or ("" if c.participant_count is not None else "—")),
                        (c.survey or "—")
                        + (f" ({num(c.respondents)} répondants)" if c.respondents is not None else ""),
                    ]
                    for c in r.concertation
                ],
            )
        )
    return Document(title=r.title, lang="fr-FR", subject=f"Bilan annuel {r.year}", blocks=blocks)


def _source(indicator: Any) -> str:
    if indicator.metric_key:
        metric = get_metric(indicator.metric_key)
        return f"calculé par Maillage ({metric.label if metric else indicator.metric_key})"
    parts = ["saisi"]
    if indicator.national_target:
        parts.append(f"contribue à : {NationalTarget(indicator.national_target).label}")
    return " ; ".join(parts)


def _figures_table(caption: str, figures: list[Any]) -> Table:
    return Table(
        caption,
        ["Chiffre clé", "Valeur", "Source", "Millésime"],
        [
            [
                k.label + (f" ({k.scope})" if k.scope else ""),
                num(k.value, k.unit) if k.value is not None else (k.value_text or UNKNOWN),
                k.source or "—",
                k.vintage or "—",
            ]
            for k in figures
        ],
    )


def _sheet(sheet: ActionSheet, term: str, year: int, *, level: int) -> Group:
    a = sheet.action
    g = Group(kind="sheet" if level == 3 else "sub-sheet")
    add = g.blocks.append
    add(Heading(level, f"{term.capitalize()} {sheet.label} — {a.title}"))
    facts = [
        f"statut : {sheet.status.lower() if sheet.status != UNKNOWN else UNKNOWN}",
        f"avancement : {sheet.progress}",
    ]
    if a.started_before:
        facts.append("déjà engagée avant la feuille de route")
    if a.priority:
        facts.append(f"priorité {a.get_priority_display().lower()}")
    if a.fne_axes:
        facts.append("axe(s) France Numérique Ensemble " + ", ".join(str(n) for n in a.fne_axes))
    if a.introduced_by_id and a.introduced_by:
        facts.append(f"ajoutée par l'avenant du {a.introduced_by.decided_on:%d/%m/%Y}")
    add(Para(" · ".join(facts)))
    add(Para(", ".join(sheet.leads) or UNKNOWN, label="Porteurs"))
    if sheet.partners:
        add(Para(", ".join(sheet.partners), label="Partenaires"))
    if sheet.territories:
        add(Para(", ".join(sheet.territories), label="Territoires ciblés"))
    if a.calendar or a.start_date or a.end_date:
        when = a.calendar
        if a.start_date:
            when += f" (du {a.start_date:%d/%m/%Y}" + (f" au {a.end_date:%d/%m/%Y})" if a.end_date else ")")
        add(Para(when.strip(), label="Calendrier"))
    done: list[str] = []
    done += [f"Étape réalisée : {t}" for t in sheet.steps_done]
    done += [f"Jalon atteint le {m.done_on:%d/%m/%Y} : {m.title}" for m in sheet.milestones_met]
    done += [f"{u.created_at:%d/%m/%Y} — {u.note}" for u in sheet.updates[-3:]]
    if done:
        add(Para("", label=f"Fait en {year}"))
        add(Bullets(done))
    if sheet.milestones_late:
        add(
            Para(
                "; ".join(f"{m.title} (prévu le {m.due_on:%d/%m/%Y})" for m in sheet.milestones_late),
                label="En retard",
            )
        )
    if sheet.indicators:
        add(
            Table(
                f"Indicateurs — {term} {sheet.label}",
                ["Indicateur", "Valeur", "Cible", "Part de la cible"],
                [
                    [
                        s.indicator.label,
                        s.current_label + (f" ({s.last_period})" if s.last_period else ""),
                        s.target_label or "—",
                        _percent(s.percent) if s.percent is not None else "—",
                    ]
                    for s in sheet.indicators
                ],
                numeric=(3,),
            )
        )
        for s in sheet.indicators:
            points = [(label, float(v)) for label, v in s.series if isinstance(v, int | float | Decimal)]
            if len(points) >= 2:
                target = float(s.indicator.target) if s.indicator.target is not None else None
                unit = s.indicator.unit
                alt = f"{s.indicator.label} : " + " ; ".join(
                    f"{label} : {num(v, unit)}" for label, v in points
                )
                if target is not None:
                    alt += f" (cible {num(target, unit)})"
                add(Chart(title=s.indicator.label, alt=alt, points=points[-12:], target=target))
    if sheet.budget.lines:
        add(_budget_lines(sheet, term, year))
    return g


def _budget_lines(sheet: ActionSheet, term: str, year: int) -> Table:
    rows = []
    for line in sheet.lines:
        unit = "ETP" if line.unit == "etp" else "€"
        rows.append(
            [
                (line.label or line.get_nature_display()) + (f" ({line.year})" if line.year else ""),
                str(line.get_nature_display()),
                num(line.planned, unit),
                num(line.spent, unit),
                line.funder.name if line.funder else UNKNOWN,
            ]
        )
    budget: Budget = sheet.budget
    return Table(
        f"Budget {year} — {term} {sheet.label}",
        ["Ligne", "Nature", "Prévu", "Réalisé", "Financeur"],
        rows,
        footer=[
            "Total des charges",
            "",
            money(budget.by_nature.total.planned),
            money(budget.by_nature.total.spent),
            "",
        ],
        numeric=(2, 3),
    )
