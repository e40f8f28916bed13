"""Dispatch ``python -m maillage.bench NAME`` to ``maillage.bench.NAME.run``."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path


def _names() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_") and m.name != "common"
    )


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    names = _names()
    if not argv or argv[0] in {"-h", "--help"}:
        print("Usage : python -m maillage.bench {all," + ",".join(names) + "} [options]")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_bench")
    import django

    django.setup()
    selected = names if argv[0] == "all" else [argv[0]]
    for name in selected:
        if name not in names:
            raise SystemExit(f"Banc d'essai inconnu : {name}. Disponibles : {', '.join(names)}")
        module = importlib.import_module(f"maillage.bench.{name}")
        parser = argparse.ArgumentParser(prog=f"python -m maillage.bench {name}")
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
        args = parser.parse_args(argv[1:] if argv[0] != "all" else [])
        print(f"=== {name} ===", flush=True)
        module.run(args)


if __name__ == "__main__":
    main()
