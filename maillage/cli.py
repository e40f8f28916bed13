"""The ``maillage`` command: the project's manage.py, installed by ``pip install -e .``."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = [sys.argv[0], *[_underscore(a) if i == 0 else a for i, a in enumerate(sys.argv[1:])]]
    execute_from_command_line(argv)


def _underscore(command: str) -> str:
    """Accept ``maillage import-places`` as well as ``maillage import_places``."""
    return command if command.startswith("-") else command.replace("-", "_")


if __name__ == "__main__":
    main()
