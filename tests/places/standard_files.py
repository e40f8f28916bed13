"""Helpers to build standard CSV/JSON files in tests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from maillage.places.interop.standard import COLUMN_NAMES

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE_CSV = FIXTURES / "lieux-mediation-numerique.exemple-valide.csv"
SCHEMA = FIXTURES / "lieux-mediation-numerique.schema.json"


def row(**overrides: Any) -> dict[str, str]:
    base = {
        "id": "lieu-1",
        "pivot": "21460102100013",
        "nom": "Médiathèque de Figeac",
        "commune": "Figeac",
        "code_postal": "46100",
        "code_insee": "46102",
        "adresse": "2 BOULEVARD PASTEUR",
        "complement_adresse": "",
        "latitude": "44.6086",
        "longitude": "2.0317",
        "typologie": "BIB|MUNI",
        "telephone": "+33565340000",
        "courriels": "mediatheque@ville-figeac.fr",
        "site_web": "https://www.ville-figeac.fr/",
        "horaires": "Tu-Sa 10:00-12:30,14:00-18:00",
        "presentation_resume": "Ateliers numériques et aide aux démarches.",
        "presentation_detail": "",
        "source": "Lot Numérique",
        "itinerance": "Fixe",
        "structure_parente": "",
        "date_maj": "2026-09-01",
        "services": "Aide aux démarches administratives|Maîtrise des outils numériques du quotidien",
        "publics_specifiquement_adresses": "",
        "prise_en_charge_specifique": "Surdité",
        "frais_a_charge": "Gratuit",
        "dispositif_programmes_nationaux": "Conseillers numériques",
        "formations_labels": "",
        "autres_formations_labels": "",
        "modalites_acces": "Se présenter|Téléphoner",
        "modalites_accompagnement": "Accompagnement individuel|Dans un atelier collectif",
        "fiche_acces_libre": "",
        "prise_rdv": "",
    }
    base.update(overrides)
    return base


def to_csv(
    rows: list[dict[str, str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    columns: tuple[str, ...] | list[str] = COLUMN_NAMES,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def to_json(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps(rows, ensure_ascii=False).encode()
