"""The keys a codebook file may use, and the limits on it (shared by reading, checking and writing)."""

from __future__ import annotations

import re

from annotator.model import Label

FORMAT_VERSION = 1
DEFAULT_CODEBOOK = "news-discourse"
MAX_CODEBOOK_BYTES = 1024 * 1024

CODEBOOK_KEYS = ("name", "title", "description", "version", "references", "layers", "relations")
LAYER_KEYS = (
    "name", "kind", "granularity", "overlap", "multiple", "description", "labels", "attributes",
)
LABEL_KEYS = ("name", "key", "colour", "description", "include", "exclude", "examples", "parent", "patterns")
ATTRIBUTE_KEYS = ("name", "type", "choices", "minimum", "maximum", "description")
RELATION_KEYS = (
    "name", "key", "colour", "directed", "from", "to", "from_labels", "to_labels", "description", "include",
    "exclude", "examples", "attributes",
)

_DEFAULT_COLOUR = Label(name="").colour
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")

