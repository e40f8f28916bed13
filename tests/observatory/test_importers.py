"""maillage import-indicators: real file layouts, secrecy kept as missing, all-or-nothing, idempotent."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import CommandError, call_command

from maillage.core.models import AuditLog
from maillage.observatory.importers import ImportRejected, parse_file
from maillage.observatory.models import CommuneIndicator, FragilityScore, IndicatorImport, IndicatorSource
from maillage.observatory.services import import_indicators
from tests.observatory.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _value(commune, key):
    return CommuneIndicator.objects.get(commune=commune, key=key)


def test_insee_dossier_complet_columns_and_secrecy(lot_communes):
    result = import_indicators(FIXTURES / "dossier_complet_extrait.csv")
    assert result.dataset.source == IndicatorSource.INSEE
    assert result.dataset.vintage == "RP 2022, FiLoSoFi 2021"
    cahors = lot_communes["46042"]
    assert _value(cahors, "population_rp").value == 19340
    assert _value(cahors, "pop65p").value == pytest.approx(4876.2)
    assert _value(cahors, "poverty_rate").value == pytest.approx(18.1)
    assert _value(cahors, "single_households").value == pytest.approx(5212.6)
    # FiLoSoFi secrecy: empty cells (Albas) and « s » (Arcambal) are missing, not zero.
    for code in ("46001", "46011"):
        poverty = _value(lot_communes[code], "poverty_rate")
        assert poverty.value is None
        assert poverty.is_secret is True
    assert AuditLog.objects.filter(action="import", object_type="observatory.IndicatorImport").count() == 1


def test_arcep_fixed_and_mobile(lot_communes):
    fixed = import_indicators(FIXTURES / "commune_debit_filaire.csv")
    assert fixed.dataset.source == IndicatorSource.ARCEP_FIXED
    assert fixed.dataset.vintage == "2025-06-30 (filaire)"
    assert _value(lot_communes["46001"], "premises_thd30").value == 301
    mobile = import_indicators(FIXTURES / "couverture_4g_communes.csv")
    assert mobile.dataset.source == IndicatorSource.ARCEP_MOBILE
    assert _value(lot_communes["46011"], "mobile_4g_share").value == pytest.approx(76.0)


def test_caf_windows_1252_and_unknown_communes(lot_communes):
    result = import_indicators(FIXTURES / "RSACom2014.csv")
    assert result.dataset.source == IndicatorSource.CAF_RSA
    assert result.dataset.vintage == "CAF 2014"
    assert result.unknown_communes == ["64266"]  # not in the loaded territories: ignored and counted
    assert any("absentes du référentiel" in line for line in result.lines)
    assert _value(lot_communes["46042"], "rsa_households").value == 1102
    assert _value(lot_communes["46011"], "rsa_households").value is None
    aah = import_indicators(FIXTURES / "AAHCom2014.csv")
    assert aah.dataset.source == IndicatorSource.CAF_AAH
    assert _value(lot_communes["46102"], "aah_households").value == 166


def test_same_file_twice_changes_nothing(lot_communes):
    first = import_indicators(FIXTURES / "dossier_complet_extrait.csv")
    count = CommuneIndicator.objects.count()
    second = import_indicators(FIXTURES / "dossier_complet_extrait.csv")
    assert second.already_imported is True
    assert second.dataset.pk == first.dataset.pk
    assert "rien n'a changé" in second.lines[0]
    assert CommuneIndicator.objects.count() == count
    assert IndicatorImport.objects.count() == 1


def test_a_new_vintage_replaces_values(lot_communes, tmp_path):
    import_indicators(FIXTURES / "dossier_complet_extrait.csv")
    text = (FIXTURES / "dossier_complet_extrait.csv").read_text(encoding="utf-8").replace("19340", "19400")
    newer = tmp_path / "dossier_complet.csv"
    newer.write_text(text, encoding="utf-8")
    import_indicators(newer)
    assert _value(lot_communes["46042"], "population_rp").value == 19400
    assert IndicatorImport.objects.count() == 2


def test_bad_file_is_refused_whole_with_lines(lot_communes, tmp_path):
    lines = (FIXTURES / "dossier_complet_extrait.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("9672", "neuf mille", 1)
    lines.append("4610;12")
    bad = tmp_path / "dossier_complet.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        import_indicators(bad)
    errors = refused.value.errors
    assert "Ligne 3, colonne P22_POP : « neuf mille » n'est pas un nombre." in errors
    assert any(e.startswith("Ligne 6 : 2 colonnes au lieu de") for e in errors)
    assert CommuneIndicator.objects.count() == 0
    assert IndicatorImport.objects.count() == 0


def test_unknown_layout_and_duplicate_rows(tmp_path):
    unknown = tmp_path / "autre.csv"
    unknown.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        parse_file(unknown)
    assert "Type de fichier non reconnu" in refused.value.errors[0]
    duplicated = tmp_path / "commune_debit_filaire.csv"
    content = (FIXTURES / "commune_debit_filaire.csv").read_text(encoding="utf-8")
    duplicated.write_text(content + content.splitlines()[1] + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        parse_file(duplicated)
    assert refused.value.errors == ["Ligne 6 : la commune 46042 apparaît déjà ligne 2."]


def test_gzip_file_and_forced_source_mismatch(tmp_path):
    import gzip

    packed = tmp_path / "RSACom2014.csv.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "RSACom2014.csv").read_bytes()))
    assert parse_file(packed).source == IndicatorSource.CAF_RSA
    with pytest.raises(ImportRejected, match="ressemble à"):
        parse_file(packed, source=IndicatorSource.INSEE)


def test_command_imports_then_computes(lot_communes, tmp_path, capsys):
    call_command(
        "import_indicators",
        str(FIXTURES / "dossier_complet_extrait.csv"),
        str(FIXTURES / "commune_debit_filaire.csv"),
        str(FIXTURES / "couverture_4g_communes.csv"),
    )
    out = capsys.readouterr().out
    assert "Indices de fragilité recalculés (4 communes)" in out
    assert FragilityScore.objects.filter(method="ifn", territory=lot_communes["46042"]).exists()
    bad = tmp_path / "AAHCom2014.csv"
    shutil.copy(FIXTURES / "AAHCom2014.csv", bad)
    bad.write_bytes(bad.read_bytes().replace(b";402", b";-3"))
    with pytest.raises(CommandError, match="refusé"):
        call_command("import_indicators", str(bad))
    assert "valeur négative (-3)" in capsys.readouterr().err
