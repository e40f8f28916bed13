"""Load the first diagnostic grid (2026.1) from maillage/pathways/grids/2026.1.json.

Grid files are immutable once published: a change is a new file and a new version, loaded by
``maillage load-diagnostic-grid <version> --current`` (or a new data migration).
"""

import json
from pathlib import Path

from django.db import migrations

VERSION = "2026.1"


def load(apps, schema_editor):
    DiagnosticGrid = apps.get_model("pathways", "DiagnosticGrid")
    path = Path(__file__).resolve().parent.parent / "grids" / f"{VERSION}.json"
    definition = json.loads(path.read_text(encoding="utf-8"))
    if not DiagnosticGrid.objects.filter(version=VERSION).exists():
        DiagnosticGrid.objects.filter(is_current=True).update(is_current=False)
        DiagnosticGrid.objects.create(
            version=VERSION, title=definition["title"], definition=definition, is_current=True
        )


def unload(apps, schema_editor):
    apps.get_model("pathways", "DiagnosticGrid").objects.filter(version=VERSION, diagnostics=None).delete()


class Migration(migrations.Migration):
    dependencies = [("pathways", "0001_diagnostic_grid_and_diagnostics")]

    operations = [migrations.RunPython(load, unload)]
