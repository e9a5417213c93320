"""Turning what the user typed into search terms, and terms into each engine's query syntax.

Only letters and digits ever reach the engine: every word or phrase is split into tokens of
``[^\\W_]+`` and re-quoted, so quotes, apostrophes, operators and SQL are searched for as plain
text (``O'Brien`` becomes the phrase "o brien", which is how both engines index it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[^\W_]+")
_PIECE = re.compile(r'"([^"]*)("?)|(\S+)')
# Typing "f" must not ask for every word starting with f (slow on a million incidents, useless
# to read): the unfinished last word becomes a prefix from its third character.
PREFIX_MIN = 3


@dataclass(frozen=True)
class Term:
    """Tokens that must appear next to each other; ``prefix``: the last one may continue."""

    tokens: tuple[str, ...]
    prefix: bool = False


def parse(text: str, *, prefix_last: bool = False) -> list[Term]:
    """``"a phrase"``, ``word`` and ``word*``; all terms must match.

    ``prefix_last`` treats an unfinished last word as a prefix, for search as you type.
    """
    terms: list[Term] = []
    for match in _PIECE.finditer(text):
        phrase, closed, word = match.groups()
        raw = phrase if word is None else word
        tokens = tuple(t.lower() for t in _TOKEN.findall(raw))
        if not tokens:
            continue
        prefix = word is not None and word.endswith("*")
        if (
            prefix_last
            and match.end() == len(text)
            and (word is not None or not closed)
            and len(tokens[-1]) >= PREFIX_MIN
        ):
            prefix = True
        terms.append(Term(tokens, prefix))
    return terms


def fts5_query(terms: list[Term]) -> str:
    """SQLite FTS5 MATCH syntax: quoted phrases, ``*`` for a prefix, implicit AND."""
    parts = []
    for term in terms:
        quoted = '"' + " ".join(t.replace('"', '""') for t in term.tokens) + '"'
        parts.append(quoted + (" *" if term.prefix else ""))
    return " ".join(parts)


def tsquery(terms: list[Term]) -> str:
    """PostgreSQL ``to_tsquery`` syntax: ``<->`` between phrase words, ``:*`` for a prefix, ``&``."""
    parts = []
    for term in terms:
        lexemes = ["'" + t.replace("'", "''").replace("\\", "\\\\") + "'" for t in term.tokens]
        if term.prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)
