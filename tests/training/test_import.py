"""The Aidants Connect habilitations list: all-or-nothing, French errors by line and field, idempotent."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from maillage.core.models import AuditLog
from maillage.training import importer
from maillage.training.models import Aidant, Habilitation, HabilitationStatus

HEADER = "nom;prenom;email;structure;siret;type_structure;commune;statut;date_formation;date_demande;date_habilitation;date_renouvellement\r\n"
GOOD = (
    HEADER
    + "Martin;Claire;claire.martin@exemple.fr;France Services de Figeac;12345678901234;France Services;46102;accordée;12/03/2025;01/03/2025;02/04/2025;02/04/2026\r\n"
    + "Vidal;Inès;ines.vidal@exemple.fr;Mairie de Figeac;;Mairie;;demandée;;05/05/2025;;\r\n"
)


@pytest.mark.django_db
def test_import_creates_then_is_idempotent(lot, figeac, lot_coordinator):
    report = importer.import_habilitations(
        actor=lot_coordinator, territory=lot, data=GOOD.encode(), filename="ac.csv"
    )
    assert (report.created, report.updated, report.unchanged, report.aidants_created) == (2, 0, 0, 2)
    claire = Aidant.objects.get(email_normalised="claire.martin@exemple.fr")
    assert (
        claire.commune == figeac and claire.epci == figeac.epci and claire.structure_kind == "france_services"
    )
    assert Habilitation.objects.get(aidant=claire).status == HabilitationStatus.GRANTED
    again = importer.import_habilitations(
        actor=lot_coordinator, territory=lot, data=GOOD.encode("cp1252"), filename="ac.csv"
    )
    assert (
        again.created,
        again.updated,
        again.unchanged,
        again.aidants_created,
        again.organisations_created,
    ) == (0, 0, 2, 0, 0)
    changed = GOOD.replace("demandée;;05/05/2025;;", "accordée;;05/05/2025;10/06/2025;10/06/2026")
    third = importer.import_habilitations(
        actor=lot_coordinator, territory=lot, data=changed.encode(), filename="ac.csv"
    )
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert AuditLog.objects.filter(object_type="training.Habilitation", action="import").count() == 3


@pytest.mark.django_db
def test_import_is_all_or_nothing_with_errors_by_line_and_field(lot, figeac, lot_coordinator):
    bad = (
        HEADER
        + "Martin;Claire;claire.martin@exemple.fr;France Services de Figeac;;;46102;accordée;;;02/04/2025;\r\n"
        + "Vidal;Inès;pas-un-email;Mairie;123;;;inconnu;;31/02/2025;;\r\n"
        + "Rigal;Paul;paul@exemple.fr;Mairie;;;;accordée;;;;\r\n"
    )
    with pytest.raises(importer.HabilitationImportError) as caught:
        importer.import_habilitations(
            actor=lot_coordinator, territory=lot, data=bad.encode(), filename="ac.csv"
        )
    errors = caught.value.errors
    assert any(e.startswith("Ligne 3, colonne « email »") for e in errors)
    assert any(e.startswith("Ligne 3, colonne « siret »") for e in errors)
    assert any(e.startswith("Ligne 3, colonne « statut »") for e in errors)
    assert any(e.startswith("Ligne 3, colonne « date_demande »") for e in errors)
    assert any(e.startswith("Ligne 4, colonne « date_habilitation »") for e in errors)
    assert not Aidant.objects.exists() and not Habilitation.objects.exists()
    outside = HEADER + "Martin;Claire;c@exemple.fr;FS;;;48095;demandée;;;;\r\n"
    with pytest.raises(importer.HabilitationImportError, match="hors du territoire"):
        importer.import_habilitations(
            actor=lot_coordinator, territory=lot, data=outside.encode(), filename="ac.csv"
        )
    with pytest.raises(importer.HabilitationImportError, match="Colonnes obligatoires absentes"):
        importer.import_habilitations(
            actor=lot_coordinator, territory=lot, data=b"nom;prenom\r\nA;B\r\n", filename="ac.csv"
        )


@pytest.mark.django_db
def test_import_refused_on_another_territory(lot, lozere_coordinator):
    with pytest.raises(PermissionDenied):
        importer.import_habilitations(
            actor=lozere_coordinator, territory=lot, data=GOOD.encode(), filename="ac.csv"
        )
