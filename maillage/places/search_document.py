"""The words a place can be found by, as people search: « impots », « CAF », « France Services »…

A place's ``search_document`` is computed in Python when it is written (``Place.save()``,
``Place.sync_search_columns()``, the import) from its name, commune, postcode, address, services,
publics, programmes, specific support, labels and presentations, plus the everyday words people use for
each value of the national standard (« impôts », « carte grise » for « Aide aux démarches
administratives »…). Every word is folded (no accents, no case, no punctuation) and reduced to its stem
by the Snowball French stemmer — the algorithm of PostgreSQL's ``french`` configuration — so that
accents and plurals are ignored: « Impôts », « impots » and « impôt » are the same word. The stemmer is
PyStemmer's C build of that algorithm (``snowballstemmer`` uses it when installed: the same stems, ~20×
less CPU than its pure-Python code — measured on the 190 000 distinct words of a 25 000-place import).

The query gets the same treatment (:func:`query_terms`), each term matching the start of a word:

* PostgreSQL: ``search_vector @@ to_tsquery('simple', 'impot:* & caf:*')``, where ``search_vector`` is
  the stored ``search_document::tsvector`` (the words are already folded and stemmed: the cast only
  splits them) backed by a GIN index;
* SQLite: ``search_document LIKE '% impot%'`` for each term (the document starts with a space).

Both databases return the same places for the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import snowballstemmer

from maillage.places.normalize import fold

#: Words that say nothing about a place (dropped from documents and queries).
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "mon",
        "ou",
        "par",
        "pour",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "un",
        "une",
        "vos",
        "votre",
        "nous",
        "vous",
        "qui",
        "que",
        "est",
        "sont",
    ]
)
MAX_DESCRIPTION = 3000  # characters of each presentation taken into the document

#: Everyday words for the standard's values (what people type when they need that help).
SYNONYMS: dict[str, str] = {
    # services
    "Aide aux démarches administratives": (
        "démarches en ligne papiers impôts déclaration de revenus CAF allocations ANTS carte grise permis de "
        "conduire carte d'identité passeport France Travail Pôle emploi Ameli sécurité sociale retraite MSA "
        "préfecture logement"
    ),
    "Maîtrise des outils numériques du quotidien": (
        "ordinateur smartphone téléphone portable tablette internet courriel e-mail messagerie initiation "
        "atelier débutant"
    ),
    "Accès internet et matériel informatique": (
        "wifi connexion ordinateur en libre accès imprimante impression scanner photocopie"
    ),
    "Utilisation sécurisée du numérique": "sécurité arnaque fraude hameçonnage mot de passe cybersécurité",
    "Insertion professionnelle via le numérique": "emploi CV candidature recherche d'emploi France Travail",
    "Parentalité et éducation avec le numérique": "parents enfants école Pronote ENT écrans",
    "Loisirs et créations numériques": "photo vidéo jeux création impression 3D",
    "Compréhension du monde numérique": "intelligence artificielle IA réseaux sociaux",
    "Acquisition de matériel informatique à prix solidaire": "ordinateur reconditionné pas cher",
    # publics
    "Seniors": "personnes âgées retraités",
    "Jeunes": "jeunesse adolescents",
    "Familles et/ou enfants": "parents",
    # programmes
    "Conseillers numériques": "conseiller numérique",
    "Point d'accès numérique CAF": "CAF allocations familiales",
    "Relais numérique (Emmaüs Connect)": "Emmaüs",
    # specific support
    "Surdité": "sourd malentendant",
    "Déficience visuelle": "aveugle malvoyant",
    "Handicaps moteurs": "fauteuil roulant handicap",
    "Handicaps mentaux": "handicap",
    "Illettrisme": "lecture écriture",
}

_STEMMER = snowballstemmer.stemmer("french")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball French stem of a folded word (« impots » → « impot », « mediatheques » → « mediathequ »)."""
    if word.isdigit() or len(word) < 3:
        return word
    return str(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    """Folded, stemmed, meaningful words of ``text``."""
    return [stem(w) for w in fold(text).split() if w not in STOP_WORDS and len(w) > 1]


@lru_cache(maxsize=4096)
def _value_words(value: str) -> tuple[str, ...]:
    """The words of a standard value and of its everyday synonyms (cached: values repeat)."""
    return tuple(words(f"{value} {SYNONYMS.get(value, '')}"))


#: Fields whose values (standard enumerations) bring their synonyms.
VALUE_FIELDS = ("services", "publics", "national_programmes", "specific_support", "labels", "other_labels")
TEXT_FIELDS = ("name", "commune_name", "postcode", "address", "summary", "description")


@lru_cache(maxsize=65_536)
def _text_words(text: str) -> tuple[str, ...]:
    """``words`` of a field's text, cached: communes, addresses and presentations repeat across an
    import of 25 000 places."""
    return tuple(words(text))


def build(values: Any) -> str:
    """The ``search_document`` of a place from its field values (a mapping of attnames, ``.get``)."""
    seen: dict[str, None] = {}
    for name in TEXT_FIELDS:
        seen.update(dict.fromkeys(_text_words(str(values.get(name) or "")[:MAX_DESCRIPTION])))
    for name in VALUE_FIELDS:
        for value in values.get(name) or []:
            seen.update(dict.fromkeys(_value_words(str(value))))
    return f" {' '.join(seen)} " if seen else ""


def query_terms(text: str) -> list[str]:
    """The stemmed terms of a search text, each to match the start of a word of the document."""
    terms: dict[str, None] = {}
    for word in fold(text).split():
        if word in STOP_WORDS or (len(word) < 2 and not word.isdigit()):
            continue
        terms.setdefault(stem(word), None)
    return list(terms)


def tsquery(terms: Iterable[str]) -> str:
    """``impot:* & caf:*`` (terms are folded ``[a-z0-9]+``: nothing to escape)."""
    return " & ".join(f"{term}:*" for term in terms)
