"""XLSX files laid out exactly as La Coop's « Liste des accompagnements » export
(``/work/shared/standards/coop-export.md``): export-information block, filters block (with or without
the optional « Bénéficiaires » / « Médiateurs » rows), header on row 22 to 24 inside an Excel table named
« Activités », one row per accompaniment (a workshop of N participants spans N rows sharing its ID CRA,
« Participants » = ``i/N``), labels never enum values, multi-valued cells joined by line breaks, « n/3 »
levels, « Oui »/« Non », « Non communiqué », real date cells. Self export (with « Bénéficiaire » and
« Notes supplémentaires ») and team export (four mediator columns after the third, without those two).
"""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table, TableStyleInfo

SELF_COLUMNS = [
    "Date",
    "Enregistré le",
    "Dernière modification le",
    "Type",
    "Participants",
    "Bénéficiaire",
    "Canaux d’accompagnement",
    "Nom du lieu",
    "Adresse",
    "Commune",
    "Code postal",
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
    "Code postal du bénéficiaire",
    "Code Insee du bénéficiaire",
    "Genre du bénéficiaire",
    "Tranche d’âge du bénéficiaire",
    "Statut du bénéficiaire",
    "Notes supplémentaires",
    "Source de la donnée",
    "ID CRA",
]
TEAM_EXTRA = ["Prénom du médiateur", "Nom du médiateur", "Rôle", "ID - Conum"]
FILTERS = [
    ("Période", "01.07.2025 - 30.06.2026"),
    ("Source", "-"),
    ("Lieux d’accompagnement", "-"),
    ("Communes", "-"),
    ("Départements", "-"),
    ("Type d’accompagnement", "-"),
    ("Rôle", "-"),
    ("Thématiques non administratives", "-"),
    ("Thématiques administratives", "-"),
    ("Tags", "-"),
]


def columns(*, team: bool = False, source: bool = True) -> list[str]:
    names = list(SELF_COLUMNS)
    if not source:
        names.remove("Source de la donnée")
    if team:
        names.remove("Bénéficiaire")
        names.remove("Notes supplémentaires")
        names[3:3] = TEAM_EXTRA
    return names


@dataclass
class Person:
    name: str = "Bénéficiaire anonyme"  # « Prénom Nom » for a followed person: never imported
    commune: str = ""
    postcode: str = ""
    insee: str = ""
    gender: str = "Non communiqué"
    age_band: str = "Non communiqué"
    status: str = "Non communiqué ou hétérogène"


@dataclass
class CoopActivity:
    """One CRA as the Coop exports it (labels, as written in the cells)."""

    date: date
    kind: str = "Accompagnement individuel"  # or « Atelier collectif »
    channel: str = "Lieu d’activité"
    place_name: str = ""
    address: str = ""
    commune: str = ""
    postcode: str = ""
    insee: str = ""
    duration: int = 45
    workshop_title: str = ""
    devices: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=lambda: ["E-mail"])
    tags: list[str] = field(default_factory=list)
    procedure_name: str = ""
    level: str = ""  # « n/3 » or empty
    reoriented: str = ""  # « Oui », « Non » or empty
    redirection: str = ""
    notes: str = ""
    people: list[Person] = field(default_factory=lambda: [Person()])
    mediator: tuple[str, str, str, str] = ("Camille", "Durand", "Médiateur", "")  # first, last, role, Conum
    source: str = "Coop"
    coop_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    recorded: datetime = datetime(2026, 1, 5, 10, 42)  # noqa: DTZ001 — the Coop writes local text
    modified: datetime | None = None


def _row(activity: CoopActivity, person: Person, index: int, names: list[str]) -> list[object]:
    workshop = activity.kind == "Atelier collectif"
    first, last, role, conum = activity.mediator
    values = {
        "Date": activity.date,
        "Enregistré le": f"{activity.recorded:%d/%m/%Y à %H:%M}",
        "Dernière modification le": f"{activity.modified:%d/%m/%Y à %H:%M}" if activity.modified else "",
        "Prénom du médiateur": first,
        "Nom du médiateur": last,
        "Rôle": role,
        "ID - Conum": conum,
        "Type": activity.kind,
        "Participants": f"{index}/{len(activity.people)}" if workshop else 1,
        "Bénéficiaire": person.name,
        "Canaux d’accompagnement": activity.channel,
        "Nom du lieu": activity.place_name,
        "Adresse": activity.address,
        "Commune": activity.commune,
        "Code postal": activity.postcode,
        "Code Insee": activity.insee,
        "Durée (min)": activity.duration,
        "Nom de l’atelier": activity.workshop_title,
        "Matériel numérique utilisé": "\n".join(activity.devices),
        "Thématique(s) d’accompagnement": "\n".join(activity.themes),
        "Tags": "\n".join(activity.tags),
        "Nom de la démarche administrative": activity.procedure_name,
        "Niveau d’autonomie (ou de l’atelier)": activity.level,
        "Bénéficiaire réorienté": "" if workshop else activity.reoriented,
        "Structure de redirection": activity.redirection,
        "Commune du bénéficiaire": person.commune,
        "Code postal du bénéficiaire": person.postcode,
        "Code Insee du bénéficiaire": person.insee,
        "Genre du bénéficiaire": person.gender,
        "Tranche d’âge du bénéficiaire": person.age_band,
        "Statut du bénéficiaire": person.status,
        "Notes supplémentaires": activity.notes,
        "Source de la donnée": activity.source,
        "ID CRA": activity.coop_id,
    }
    return [values[name] for name in names]


def sheet_rows(
    activities: list[CoopActivity],
    *,
    team: bool = False,
    beneficiary_filter: bool = False,
    mediator_filter: bool = False,
    source: bool = True,
    exporter: tuple[str, str, str] = ("Durand", "Camille", "Médiateur"),
) -> tuple[list[list[object]], int]:
    """Every row of the sheet from row 1, and the header's row number: what any writer (openpyxl here,
    exceljs in ``tests/activities/data/exceljs/``) lays out. Data rows most recent first (as the Coop
    sorts them)."""
    names = columns(team=team, source=source)
    total = sum(len(a.people) for a in activities)
    rows: list[list[object]] = [["Informations export"]]
    rows += [
        [label, value]
        for label, value in (
            ("Nom", exporter[0]),
            ("Prénom", exporter[1]),
            ("Rôle", exporter[2]),
            ("Total", total),
            ("Date d'export", "30/06/2026"),
            ("Heure d'export", "10:42"),
        )
    ]
    rows += [[], ["Filtres"]]
    rows += [[label, value] for label, value in FILTERS]
    if beneficiary_filter:
        rows.append(["Bénéficiaires", "Bénéficiaire anonyme"])
    if mediator_filter:
        rows.append(["Médiateurs", "Camille Durand, Ali Benali"])
    rows += [[], [""], names]
    header = len(rows)
    for activity in sorted(activities, key=lambda a: a.date, reverse=True):
        for index, person in enumerate(activity.people, start=1):
            rows.append(_row(activity, person, index, names))
    return rows, header


def coop_export(activities: list[CoopActivity], **layout: object) -> bytes:
    """The bytes of an export written with openpyxl (``layout``: the options of :func:`sheet_rows`)."""
    rows, header = sheet_rows(activities, **layout)  # type: ignore[arg-type]
    names = rows[header - 1]
    book = Workbook()
    sheet = book.active
    sheet.title = "Activités"
    bold = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for cell in (sheet["A1"], sheet["A9"], *sheet[header]):
        cell.font = bold
    date_column = names.index("Date") + 1
    for line in range(header + 1, len(rows) + 1):
        sheet.cell(row=line, column=date_column).number_format = "dd/mm/yyyy"
    end_column = sheet.cell(row=header, column=len(names)).column_letter
    table = Table(displayName="Activites", ref=f"A{header}:{end_column}{max(len(rows), header + 1)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def header_row(*, beneficiary_filter: bool = False, mediator_filter: bool = False) -> int:
    return 22 + int(beneficiary_filter) + int(mediator_filter)


# --- A realistic export -----------------------------------------------------------------------

THEMES = [
    "Diagnostic numérique",
    "Prendre en main du matériel",
    "Navigation sur internet",
    "E-mail",
    "Bureautique",
    "Réseaux sociaux communication",
    "Santé",
    "Banque et achats en ligne",
    "Prévention en sécurité numérique",
    "Intelligence artificielle (IA)",
]
ADMIN_THEME = "Aide aux démarches administratives"
SUB_THEMES = ["Papiers - Élections - Citoyenneté", "Social - Santé", "Logement", "Argent - Impôts"]
DEVICES = ["Ordinateur", "Téléphone", "Tablette", "Autre", "Pas de matériel"]
TAGS = ["Séniors", "Quartier prioritaire, Figeac", "France Services", "Été 2026", "« Café » numérique"]
GENDERS = ["Masculin", "Féminin", "Non communiqué"]
AGES = [
    "Moins de 12 ans",
    "12 - 17 ans",
    "18 - 24 ans",
    "25 - 39 ans",
    "40 - 59 ans",
    "60 - 69 ans",
    "70 ans et plus",
    "Non communiqué",
]
STATUSES = ["Scolarisé", "Sans emploi", "En emploi", "Retraité", "Non communiqué ou hétérogène"]
REDIRECTIONS = [
    "Administration (mairie, préfecture…)",
    "Structure d’aide sociale (maison des solidarités, centre social…)",
    "Structure d’insertion professionnelle (France Travail, mission locale, chambre de commerce…)",
    "Autre",
]


def realistic(
    communes: list[tuple[str, str, str]],
    *,
    count: int = 150,
    seed: int = 11,
    mediators: list[tuple[str, str, str, str]] | None = None,
) -> list[CoopActivity]:
    """``count`` CRAs in the Coop's shapes: individuals (followed or anonymous), workshops of 2 to 9
    rows, every channel, accents, line breaks, commas inside tags, empty optional cells.
    ``communes``: (name, postcode, INSEE code) known to the test database."""
    rng = random.Random(seed)
    mediators = mediators or [("Camille", "Durand", "Médiateur", "")]
    out = []
    for _n in range(count):
        workshop = rng.random() < 0.2
        name, postcode, insee = rng.choice(communes)
        channel = rng.choice(["Lieu d’activité", "À domicile", "À distance", "Autre lieu"])
        if workshop:
            channel = rng.choice(["Lieu d’activité", "Autre lieu"])
        themes = rng.sample(THEMES, rng.choice([1, 1, 2, 3]))
        procedure = ""
        if rng.random() < 0.3:
            themes.append(ADMIN_THEME)
            themes += rng.sample(SUB_THEMES, rng.choice([0, 1, 2]))
            procedure = rng.choice(["", "Demande de carte grise", "Dossier MDPH, renouvellement"])
        people = []
        for _ in range(rng.randint(2, 9) if workshop else 1):
            anonymous = workshop or rng.random() < 0.7
            has_residence = rng.random() < 0.6 and not (workshop and anonymous)
            home = rng.choice(communes)
            people.append(
                Person(
                    name="Bénéficiaire anonyme" if anonymous else "Zéphyrine Martin-Ébrard",
                    commune=home[0] if has_residence else "",
                    postcode=home[1] if has_residence else "",
                    insee=home[2] if has_residence else "",
                    gender=rng.choice(GENDERS),
                    age_band=rng.choice(AGES),
                    status=rng.choice(STATUSES),
                )
            )
        reoriented = "" if workshop else rng.choice(["", "Oui", "Non", "Non"])
        out.append(
            CoopActivity(
                date=date(2026, 6, 28) - timedelta(days=rng.randrange(360)),
                kind="Atelier collectif" if workshop else "Accompagnement individuel",
                channel=channel,
                place_name=f"Médiathèque de {name}" if channel == "Lieu d’activité" else "",
                address="2 rue de l’Église" if channel == "Lieu d’activité" else "",
                commune=name,
                postcode=postcode,
                insee=insee,
                duration=rng.choice([15, 30, 45, 60, 90, 120, 150]),
                workshop_title=rng.choice(["Arnaques en ligne", "Découvrir l’ordinateur", ""])
                if workshop
                else "",
                devices=rng.sample(DEVICES[:4], rng.choice([0, 1, 2]))
                or rng.choice([[], ["Pas de matériel"]]),
                themes=themes,
                tags=rng.sample(TAGS, rng.choice([0, 0, 1, 2, 3])),
                procedure_name=procedure,
                level=rng.choice(["", "1/3", "2/3", "3/3"]),
                reoriented=reoriented,
                redirection=rng.choice(REDIRECTIONS) if reoriented == "Oui" and rng.random() < 0.8 else "",
                notes="Rappeler Mme Martin au 06 12 34 56 78" if rng.random() < 0.2 else "",
                people=people,
                mediator=rng.choice(mediators),
                source=rng.choice(["Coop", "Coop", "V1"]),
                modified=datetime(2026, 2, 1, 9, 5) if rng.random() < 0.3 else None,  # noqa: DTZ001
                coop_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            )
        )
    return out
