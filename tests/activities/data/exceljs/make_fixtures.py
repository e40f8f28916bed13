"""Regenerate the exceljs-written Coop exports of this folder (see README.md).

python tests/activities/data/exceljs/make_fixtures.py /path/with/node_modules/exceljs
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from tests.activities.coop_files import realistic, sheet_rows  # noqa: E402
from tests.activities.test_exceljs_export import COMMUNES, FIXTURES  # noqa: E402


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def main(node_modules: str) -> None:
    for name, (options, layout) in FIXTURES.items():
        rows, header = sheet_rows(realistic(COMMUNES, **options), **layout)
        payload = json.dumps({"rows": [[_json(v) for v in row] for row in rows], "header": header})
        subprocess.run(  # noqa: S603 — our own script and file names
            ["node", str(HERE / "build.cjs"), str(HERE / name)],  # noqa: S607
            input=payload.encode(),
            check=True,
            env={**os.environ, "NODE_PATH": node_modules},
        )
        print(name, (HERE / name).stat().st_size, "octets")


if __name__ == "__main__":
    main(sys.argv[1])
