"""The roadmap parser is total and bounded: whatever the input, it answers a French
``RoadmapImportError`` or a valid document — never another exception (issue 10)."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.roadmaps.exchange.importer import (
    MAX_DEPTH,
    RoadmapImportError,
    check,
    decode,
    parse_text,
    validate,
)
from tests.roadmaps.factories import sample

pytestmark = pytest.mark.slow  # make test-fast leaves it to make test and CI

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)


def _refused_or_valid(func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except RoadmapImportError as exc:
        assert exc.errors and all(isinstance(e, str) and e for e in exc.errors)


@FAST
@given(st.text(max_size=400), st.sampled_from(["f.yaml", "f.json", "f.yml"]))
def test_any_text_parses_or_is_refused(text, filename):
    _refused_or_valid(parse_text, text, filename=filename)


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_are_refused(raw):
    _refused_or_valid(decode, raw)


yaml_fragments = st.lists(
    st.sampled_from(
        [
            "a",
            ":",
            " ",
            "\n",
            "  ",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&x",
            "*x",
            "!!python/object",
            "'",
            '"',
            "#",
            "2024-13-45",
            "1e999",
            "9" * 40,
            "\t",
            "? ",
            "|",
            ">",
            "%YAML 1.1",
            "---",
            "...",
            "!x",
            "\x00",
            "0x1F",
            "0o17",
            ".inf",
            ".nan",
            "~",
            "é",
            "\ud7ff",
        ]
    ),
    max_size=40,
).map("".join)


@FAST
@given(yaml_fragments)
def test_yaml_shaped_garbage_is_refused_in_french(text):
    _refused_or_valid(parse_text, text, filename="f.yaml")


@FAST
@given(json_values)
def test_any_json_value_validates_or_is_refused(value):
    _refused_or_valid(validate, value)
    _refused_or_valid(parse_text, json.dumps(value), filename="f.json")


paths = st.sampled_from(
    [
        ("feuille_de_route",),
        ("feuille_de_route", "territoire"),
        ("feuille_de_route", "periode"),
        ("axes", 0),
        ("axes", 0, "actions", 0),
        ("axes", 0, "actions", 1, "budget", 0),
        ("axes", 0, "actions", 0, "indicateurs", 0, "mesures", 0),
        ("axes", 1, "actions", 0, "sous_actions"),
        ("gouvernance", 0, "reunions", 0, "presences", 0),
        ("versions", 0),
        ("diagnostic",),
        ("fonds_mutualise",),
    ]
)
keys = st.sampled_from(
    [
        "numero",
        "titre",
        "montant",
        "statut",
        "periode",
        "valeur",
        "membre",
        "code",
        "date",
        "porteurs",
        "territoires_cibles",
        "axes_fne",
        "chiffres_cles",
        "avancement",
        "nom",
        "x",
    ]
)


@FAST
@given(paths, keys, json_values)
def test_a_real_document_with_one_value_replaced_validates_or_is_refused(path, key, value):
    data = sample()
    data["format"] = "maillage/feuille-de-route@2"
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict):
        node[key] = value
    elif isinstance(node, list):
        node.append(value)
    _refused_or_valid(validate, data)


def test_deep_nesting_and_huge_numbers_are_refused_in_french():
    cases = [
        ("[" * 100_000 + "]" * 100_000, "deep.json"),
        ("a: " + "[" * 100_000, "deep.yaml"),
        ("- " * 5_000 + "x", "deep.yaml"),
        ('{"n": ' + "9" * 5_001 + "}", "big.json"),
        ("n: " + "9" * 5_001, "big.yaml"),
        ("n: 1" + "0" * 5_000 + ".5", "big.yaml"),
        ("x: " + "a" * 30_000, "long.yaml"),
        ('{"x": NaN}', "nan.json"),
        ("d: 2024-13-45", "date.yaml"),
        ("? [a, b]\n: c", "key.yaml"),
    ]
    for text, filename in cases:
        with pytest.raises(RoadmapImportError) as exc:
            parse_text(text, filename=filename)
        assert exc.value.errors[0].startswith("document : "), (filename, exc.value.errors)
    with pytest.raises(RoadmapImportError, match="imbrication trop profonde"):
        parse_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), filename="x.json")
    with pytest.raises(RoadmapImportError, match="30 chiffres"):
        parse_text("n: " + "9" * 5_001, filename="x.yaml")
    with pytest.raises(RoadmapImportError, match="trop volumineux"):
        decode(b"a" * (6 * 1024 * 1024))


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=string.printable + "éèàç«»’\u00a0", max_size=60), keys)
def test_import_with_odd_text_never_raises_anything_else(lot, text, key):
    data = sample()
    data["format"] = "maillage/feuille-de-route@2"
    data["axes"][0]["actions"][0][key] = text
    _refused_or_valid(check, data)
