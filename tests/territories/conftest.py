from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "territories-sample.json"


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample_document() -> dict[str, Any]:
    """A fresh, editable copy of the sample file's content."""
    return copy.deepcopy(json.loads(SAMPLE.read_text(encoding="utf-8")))


@pytest.fixture
def write_document(tmp_path):
    """Write a (modified) document as a territories file and return its path."""

    def write(document: dict[str, Any], name: str = "territories-test.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    return write
