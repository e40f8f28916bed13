#!/usr/bin/env python3
"""Vendor pinned front-end libraries from the npm registry into maillage/static/vendor/.

Run by `make vendor`. Nothing is loaded from a CDN at run time: the copied files are committed.
Each package is fetched with `npm pack NAME@VERSION` (the registry tarball, integrity checked by npm),
unpacked in a temporary folder and only the listed files are copied, with the licence.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "maillage" / "static" / "vendor"

PACKAGES: dict[str, dict[str, object]] = {
    # name: version, target folder, files (globs relative to the package root)
    "leaflet": {
        "version": "1.9.4",
        "target": "leaflet",
        "files": ["dist/leaflet.js", "dist/leaflet.css", "dist/images/*.png", "LICENSE"],
    },
    "htmx.org": {"version": "2.0.8", "target": "htmx", "files": ["dist/htmx.min.js", "LICENSE"]},
    # Accessibility engine for the browser tests only: vendored next to them, never served.
    "axe-core": {
        "version": "4.14.1",
        "target": "axe-core",
        "root": "tests/browser/vendor",
        "files": ["axe.min.js", "LICENSE"],
    },
}


# A source map comment names a file we do not vendor: `collectstatic` with the manifest storage follows
# it and fails (MissingFileError), and browsers would request it. The comment is dropped on copy.
SOURCE_MAP = re.compile(rb"\n?(?://# sourceMappingURL=[^\n]*|/\*# sourceMappingURL=[^*]*\*/)\s*$")


def strip_source_map(path: Path) -> None:
    if path.suffix in {".js", ".css"}:
        data = path.read_bytes()
        stripped = SOURCE_MAP.sub(b"\n", data)
        if stripped != data:
            path.write_bytes(stripped)


def vendor(name: str, spec: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        output = subprocess.run(  # noqa: S603 — fixed argument list, names from PACKAGES
            ["npm", "pack", f"{name}@{spec['version']}", "--json", "--pack-destination", tmp],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        info = json.loads(output)[0]
        with tarfile.open(Path(tmp) / info["filename"]) as archive:
            archive.extractall(tmp, filter="data")
        package_root = Path(tmp) / "package"
        base = ROOT / str(spec["root"]) if "root" in spec else VENDOR
        target = base / str(spec["target"])
        shutil.rmtree(target, ignore_errors=True)
        for pattern in spec["files"]:  # type: ignore[attr-defined]
            for source in package_root.glob(str(pattern)):
                relative = source.relative_to(package_root)
                if relative.parts[0] == "dist":
                    relative = Path(*relative.parts[1:])
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
                strip_source_map(destination)
        (target / "VERSION").write_text(
            f"{name}@{spec['version']} {info.get('integrity', '')}\n", encoding="utf-8"
        )
        print(f"{name}@{spec['version']} → {target.relative_to(ROOT)}")


def main() -> None:
    for name, spec in PACKAGES.items():
        vendor(name, spec)


if __name__ == "__main__":
    main()
