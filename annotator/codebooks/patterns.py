"""A label's rule patterns: phrases and spaCy token patterns, checked without loading spaCy."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterator

from annotator.model import Codebook



# ---------------------------------------------------------------- rule patterns

# spaCy's token attributes and operators (spacy.schemas.TokenPattern, Matcher docs): checked
# here without importing spaCy, so that a codebook with a typo is refused as it is read.
TOKEN_ATTRIBUTES = frozenset({
    "ORTH", "TEXT", "LOWER", "POS", "TAG", "MORPH", "DEP", "LEMMA", "SHAPE", "ENT_TYPE", "ENT_IOB", "ENT_ID",
    "ENT_KB_ID", "NORM", "LENGTH", "SPACY", "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER",
    "IS_TITLE", "IS_PUNCT", "IS_SPACE", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT",
    "IS_CURRENCY", "IS_STOP", "IS_SENT_START", "SENT_START", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL", "OP", "_",
})
TOKEN_PREDICATES = frozenset({"IN", "NOT_IN", "IS_SUBSET", "IS_SUPERSET", "INTERSECTS", "REGEX", "FUZZY",
                              *(f"FUZZY{n}" for n in range(1, 10)), "==", "!=", ">=", "<=", ">", "<"})
_OPERATOR = re.compile(r"[+*?!]|\{\d*(,\d*)?\}")


def is_token_pattern(pattern: str) -> bool:
    """True for a spaCy Matcher token pattern (a JSON array), False for a phrase."""
    return pattern.lstrip().startswith("[")


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a label's rule pattern (None: a usable phrase or token pattern).

    A phrase is matched on tokens ignoring case; a pattern that starts with "[" is a spaCy
    Matcher token pattern written as JSON, e.g. [{"LOWER": "tax"}, {"LOWER": {"IN": ["cut", "cuts"]}}].
    """
    shown = pattern if len(pattern) <= 60 else pattern[:59] + "…"
    if not pattern.strip():
        return "a pattern is empty"
    if "\n" in pattern or "\r" in pattern:
        return f"pattern {shown!r} spans several lines; write one pattern per line"
    if not is_token_pattern(pattern):
        return None
    try:
        tokens = json.loads(pattern)
    except ValueError as error:
        return f"pattern {shown} is not valid JSON ({error.args[0].split(':')[0]}); token patterns are JSON arrays"
    if not isinstance(tokens, list) or not tokens or not all(isinstance(token, dict) for token in tokens):
        return f'pattern {shown} must be an array of token objects, like [{{"LOWER": "tax"}}]'
    for token in tokens:
        for key, value in token.items():
            attribute = key.upper()
            if attribute not in TOKEN_ATTRIBUTES:
                close = difflib.get_close_matches(attribute, sorted(TOKEN_ATTRIBUTES), n=1, cutoff=0.6)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                return f'pattern {shown}: "{key}" is not a spaCy token attribute{hint}'
            if attribute == "OP":
                if not isinstance(value, str) or not _OPERATOR.fullmatch(value):
                    return f'pattern {shown}: operator {json.dumps(value)} is not one of +, *, ?, !, {{n}}, {{n,m}}'
            elif isinstance(value, dict) and attribute != "_":
                for predicate in value:
                    if predicate.upper() not in TOKEN_PREDICATES:
                        return f'pattern {shown}: "{predicate}" is not a spaCy pattern predicate (IN, NOT_IN, REGEX…)'
            elif not isinstance(value, (str, int, float, bool, dict)):
                return f'pattern {shown}: the value of "{key}" must be a string, number, true/false or an object'
    return None


def pattern_problems(codebook: Codebook) -> Iterator[tuple[str, str, str, str]]:
    """(layer, label, pattern, problem) of every pattern of the codebook that is not usable."""
    for layer in codebook.layers:
        for label in layer.labels:
            for pattern in label.patterns:
                if (problem := pattern_problem(pattern)) is not None:
                    yield layer.name, label.name, pattern, problem


def _pattern_line(text: str, layer: str, label: str, pattern: str) -> int | None:
    """The line (from 1) of `pattern` among the patterns of `label` in `layer` in the TOML
    text, else that label's `patterns =` line; None when neither is found."""
    table, names, key_line, inside = "", {"[[layers]]": None, "[[layers.labels]]": None}, None, False
    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[["):
            table, inside = stripped.replace(" ", ""), False
            names.update({"[[layers.labels]]": None} if table == "[[layers]]" else {})
        elif table in names and stripped.startswith("name") and "=" in stripped:
            names[table] = _toml_value(stripped.split("=", 1)[1])
        elif table == "[[layers.labels]]" and (names["[[layers]]"], names[table]) == (layer, label):
            if stripped.startswith("patterns") and "=" in stripped:
                key_line, inside, stripped = number, True, stripped.split("=", 1)[1].strip().removeprefix("[")
            for candidate in (stripped, stripped.removesuffix("]")) if inside else ():
                items = _toml_value(f"[\n{candidate}\n]")
                if isinstance(items, list) and pattern in items:
                    return number
    return key_line


def _toml_value(text: str) -> object:
    """The value of a TOML value written alone (None when it is not one)."""
    try:
        return tomllib.loads(f"v = {text.strip()}").get("v")
    except tomllib.TOMLDecodeError:
        return None
