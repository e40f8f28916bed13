"""Statistics as CSV / XLSX files and as accessible SVG charts (geometry computed here)."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from maillage.activities.selectors import CrossTab, Stats

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Cells starting with = + - @ become text in spreadsheets (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def rows_for(stats: Stats, table: CrossTab | None) -> list[list[Any]]:
    out: list[list[Any]] = [
        [_("Périmètre"), stats.scope.label],
        [_("Période"), f"{stats.start:%d/%m/%Y} – {stats.end:%d/%m/%Y}"],
        [],
        [_("Indicateur"), _("Valeur")],
        [_("Activités"), stats.activities],
        [_("Accompagnements individuels"), stats.individual],
        [_("Ateliers collectifs"), stats.collective],
        [_("Participations aux ateliers"), stats.workshop_participants],
        [_("Accompagnements"), stats.accompaniments],
        [_("Personnes accompagnées"), stats.people],
        [],
        [_("Dimension"), _("Valeur"), _("Activités"), _("Accompagnements")],
    ]
    for row in stats.by_month:
        out.append([_("Mois"), row.label, row.activities, row.accompaniments])
    for breakdown in stats.breakdowns:
        for row in breakdown.rows:
            out.append(
                [breakdown.label, row.label, "" if breakdown.person else row.activities, row.accompaniments]
            )
    if table is not None:
        out += [[], [f"{table.label_a} × {table.label_b}", *table.columns, _("Total")]]
        for label, cells, total in table.rows:
            out.append([label, *cells, total])
        out.append([_("Total"), *table.column_totals, sum(table.column_totals)])
    return out


def _filename(stats: Stats, ext: str) -> str:
    return f"statistiques-activite-{stats.scope.kind}-{stats.start:%Y%m%d}-{stats.end:%Y%m%d}.{ext}"


def csv_response(stats: Stats, table: CrossTab | None) -> HttpResponse:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    for row in rows_for(stats, table):
        writer.writerow([neutralise(str(v)) if isinstance(v, str) else v for v in row])
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(stats, "csv")}"'
    return response


def xlsx_response(stats: Stats, table: CrossTab | None) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Statistiques"
    for row in rows_for(stats, table):
        # openpyxl writes str as text cells; neutralise anyway so a re-export to CSV stays safe.
        sheet.append([neutralise(str(v)) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(stats, "xlsx")}"'
    return response


TABLE_LIMIT = 50  # longest lists (communes, places) show their top 50; exports have them all
BAR_HEIGHT = 22
LABEL_WIDTH = 230
CHART_WIDTH = 560


def _bars(rows: list[Any], limit: int = 12) -> list[dict[str, Any]]:
    rows = rows[:limit]
    peak = max((r.accompaniments for r in rows), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 70
    bars = []
    for index, row in enumerate(rows):
        bars.append(
            {
                "label": row.label if len(row.label) <= 30 else row.label[:29] + "…",
                "value": row.accompaniments,
                "y": index * (BAR_HEIGHT + 6),
                "text_y": index * (BAR_HEIGHT + 6) + 15,
                "width": max(1, round(span * row.accompaniments / peak)) if row.accompaniments else 0,
                "value_x": LABEL_WIDTH
                + (round(span * row.accompaniments / peak) if row.accompaniments else 0)
                + 6,
            }
        )
    return bars


def charts(stats: Stats) -> list[dict[str, Any]]:
    result = []
    if stats.by_month:
        result.append(
            {
                "id": "mois",
                "title": _("Accompagnements par mois"),
                "bars": _bars(stats.by_month, limit=60),
                "rows": stats.by_month,
                "hidden": 0,
                "limited": False,
                "person": False,
                "dimension": _("Mois"),
            }
        )
    for breakdown in stats.breakdowns:
        if not breakdown.rows:
            continue
        shown = breakdown.rows[:TABLE_LIMIT]
        # Long lists arrive already cut to TABLE_LIMIT by the selector: say so when they are full.
        limited = (
            breakdown.dimension in ("commune", "place", "residence", "tag") and len(shown) == TABLE_LIMIT
        )
        result.append(
            {
                "id": breakdown.dimension,
                "title": _("Accompagnements par %(d)s") % {"d": breakdown.label.lower()},
                "bars": _bars(breakdown.rows),
                "rows": shown,
                "hidden": len(breakdown.rows) - len(shown),
                "limited": limited,
                "person": breakdown.person,
                "dimension": breakdown.label,
            }
        )
    for chart in result:
        chart["height"] = len(chart["bars"]) * (BAR_HEIGHT + 6) + 4  # type: ignore[arg-type]
        chart["label_width"] = LABEL_WIDTH
        chart["label_x"] = LABEL_WIDTH - 8
        chart["width"] = CHART_WIDTH
    return result


BAR = (
    '<text x="{0}" y="{1}" text-anchor="end" class="bar-label">{2}</text><rect x="{3}" y="{4}" '
    'width="{5}" height="22" rx="2" fill="#0b5e55"></rect><text x="{6}" y="{1}" class="bar-value">{7}</text>'
)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def charts_html(charts_: list[dict[str, Any]]) -> SafeString:
    """The charts of the statistics page (SVG bars and their data table), built in Python: a page has
    17 charts with up to 50 rows each and the template engine was half of the page's time. The
    markup is the one the template wrote (every text escaped by ``format_html``)."""
    first_values = gettext("(premières valeurs ; toutes dans le tableau)")
    activities_label, accompaniments_label = gettext("Activités"), gettext("Accompagnements")
    sections = []
    for chart in charts_:
        key, title = chart["id"], str(chart["title"])
        # The bars and rows (most of the markup) with the standard library's escape, the same
        # five characters as ``format_html`` (Django's ``escape`` is ``html.escape``), without
        # its per-value SafeString round trips.
        label_x, label_width = chart["label_x"], chart["label_width"]
        bars = mark_safe(  # noqa: S308 — every value below is escaped
            "".join(
                BAR.format(
                    label_x,
                    bar["text_y"],
                    _esc(bar["label"]),
                    label_width,
                    bar["y"],
                    bar["width"],
                    bar["value_x"],
                    _esc(bar["value"]),
                )
                for bar in chart["bars"]
            )
        )
        if chart["person"]:
            head = format_html(
                '<th scope="col">{}</th><th scope="col" class="num">{}</th>',
                chart["dimension"],
                accompaniments_label,
            )
            body = mark_safe(  # noqa: S308 — every value is escaped
                "".join(
                    f'<tr><th scope="row">{_esc(row.label)}</th><td class="num">{_esc(row.accompaniments)}</td></tr>'
                    for row in chart["rows"]
                )
            )
        else:
            head = format_html(
                '<th scope="col">{}</th><th scope="col" class="num">{}</th><th scope="col" class="num">{}</th>',
                chart["dimension"],
                activities_label,
                accompaniments_label,
            )
            body = mark_safe(  # noqa: S308 — every value is escaped
                "".join(
                    f'<tr><th scope="row">{_esc(row.label)}</th><td class="num">{_esc(row.activities)}</td>'
                    f'<td class="num">{_esc(row.accompaniments)}</td></tr>'
                    for row in chart["rows"]
                )
            )
        notes = []
        if chart["limited"]:
            notes.append(
                format_html(
                    '<p class="hint">{}</p>',
                    gettext("Les %(n)s premières valeurs ; toutes figurent dans les exports.")
                    % {"n": len(chart["rows"])},
                )
            )
        if chart["hidden"]:
            notes.append(
                format_html(
                    '<p class="hint">{}</p>',
                    ngettext(
                        "Et %(counter)s autre valeur, dans les exports.",
                        "Et %(counter)s autres valeurs, dans les exports.",
                        chart["hidden"],
                    )
                    % {"counter": chart["hidden"]},
                )
            )
        sections.append(
            format_html(
                '<section class="chart card" aria-labelledby="titre-{key}">\n  <h2 id="titre-{key}">{title}</h2>\n'
                '  <svg role="img" aria-labelledby="svg-{key}" viewBox="0 0 {width} {height}" '
                'preserveAspectRatio="xMinYMin meet" class="bar-chart" focusable="false">\n'
                '    <title id="svg-{key}">{title}{more}</title>\n    {bars}\n  </svg>\n'
                '  <div class="table-scroll" tabindex="0" role="region" aria-labelledby="legende-{key}">\n'
                '  <table>\n    <caption id="legende-{key}">{caption}</caption>\n'
                "    <thead><tr>{head}</tr></thead>\n    <tbody>{body}</tbody>\n  </table>\n  </div>\n"
                "  {notes}\n</section>",
                key=key,
                title=title,
                width=chart["width"],
                height=chart["height"],
                more=" " + first_values if len(chart["bars"]) < len(chart["rows"]) else "",
                bars=bars,
                caption=gettext("Données : %(t)s") % {"t": title},
                head=head,
                body=body,
                notes=mark_safe("\n  ".join(notes)),  # noqa: S308 — each note built by format_html
            )
        )
    return mark_safe("\n".join(sections))  # noqa: S308 — each section built by format_html


# --- A mediator's own activity list ------------------------------------------------------------

LIST_HEADERS = [
    "ID CRA",
    "Date",
    "Type",
    "Participants",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Commune",
    "Code Insee",
    "Durée (min)",
    "Nom de l’atelier",
    "Matériel numérique utilisé",
    "Thématique(s) d’accompagnement",
    "Tags",
    "Nom de la démarche administrative",
    "Niveau d’autonomie (ou de l’atelier)",
    "Bénéficiaire réorienté",
    "Structure de redirection",
    "Commune du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Source de la donnée",
]
_AUTONOMY_SCORE = {"entierement_accompagne": "1/3", "partiellement_autonome": "2/3", "autonome": "3/3"}
_LEVEL_SCORE = {"debutant": "1/3", "intermediaire": "2/3", "avance": "3/3"}


def _people(activity: Any) -> list[tuple[Any, str, str, str]]:
    """(residence commune, gender, age band, status) per person: the accompaniments, then the anonymous
    workshop participants rebuilt from their counts (each category keeps its exact totals)."""
    from maillage.activities.choices import NOT_GIVEN

    people = [
        (p.residence_commune, p.gender, p.age_band, p.social_status) for p in activity.accompaniments.all()
    ]
    anonymous = activity.participants_count - len(people)
    if anonymous > 0:
        columns = {}
        for dimension in ("gender", "age_band", "social_status"):
            values = [
                c.value
                for c in sorted(activity.participant_counts.all(), key=lambda c: c.value)
                if c.dimension == dimension
                for _ in range(c.count)
            ][:anonymous]
            columns[dimension] = values + [NOT_GIVEN] * (anonymous - len(values))
        people += [
            (None, g, a, s)
            for g, a, s in zip(columns["gender"], columns["age_band"], columns["social_status"], strict=True)
        ]
    return people or [(None, NOT_GIVEN, NOT_GIVEN, NOT_GIVEN)]


def activity_rows(activities: Any) -> Any:
    """One row per accompaniment, as the Coop exports them (a workshop of N people spans N rows sharing
    its « ID CRA »), with its column names and value formats (labels, one value per line in a
    multi-valued cell, « n/3 »): the file imports back unchanged (idempotent on « ID CRA »)."""
    from maillage.activities.choices import AgeBand, Gender, SocialStatus

    genders, ages, statuses = (dict(c.choices) for c in (Gender, AgeBand, SocialStatus))
    for a in activities:
        individual = a.kind == "individuel"
        people = _people(a)
        common = [
            a.get_place_type_display(),
            a.place.name if a.place_id and a.place else "",
            a.commune.name if a.commune_id and a.commune else "",
            a.commune.code if a.commune_id and a.commune else "",
            a.duration_minutes,
            a.workshop_title,
            "\n".join(a.device_labels()),
            "\n".join([*a.theme_labels(), *a.procedure_labels()]),
            "\n".join(a.tags or []),
            a.procedure_details,
            _AUTONOMY_SCORE.get(a.autonomy, "") if individual else _LEVEL_SCORE.get(a.workshop_level, ""),
            "" if a.oriented is None else (_("Oui") if a.oriented else _("Non")),
            a.get_orientation_display() if a.orientation else "",
        ]
        for index, (residence, gender, age, status) in enumerate(people, start=1):
            yield [
                a.coop_id or f"maillage-{a.pk}",
                a.date,
                a.get_kind_display(),
                1 if individual else f"{index}/{len(people)}",
                *common,
                residence.name if residence else "",
                residence.code if residence else "",
                str(genders.get(gender, gender)),
                str(ages.get(age, age)),
                str(statuses.get(status, status)),
                a.get_source_display(),
            ]


def activities_response(activities: Any, fmt: str, stem: str) -> HttpResponse:
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, delimiter=";")
        writer.writerow(LIST_HEADERS)
        for row in activity_rows(activities):
            row[1] = f"{row[1]:%d/%m/%Y}"
            writer.writerow([neutralise(v) for v in row])
        response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Activités")
        sheet.append(LIST_HEADERS)
        for row in activity_rows(activities):
            sheet.append([neutralise(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
