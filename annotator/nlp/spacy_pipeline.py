"""Tokens and sentences with spaCy, imported lazily so that start-up never pays for it."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..errors import AnnotatorError
from .segmentation import Segmentation

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

_PIPELINES: dict[tuple[str, str | None], Any] = {}
BATCH_SIZE = 64
# spaCy's language codes: ISO 639-1/3 and "xx" (multi-language); never a path or a region tag.
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def pipeline(language: str, model: str | None = None) -> Language:
    """The spaCy pipeline for `language`: blank + sentencizer, or an installed trained one."""
    key = (language, model)
    if key in _PIPELINES:
        return _PIPELINES[key]
    import spacy

    if model:
        try:
            nlp = spacy.load(model, exclude=["ner", "lemmatizer", "textcat"])
        except OSError as error:
            raise AnnotatorError(f"spaCy pipeline {model!r} is not installed: {error}") from None
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
    else:
        try:
            nlp = spacy.blank(language)
        except (ImportError, KeyError) as error:
            raise AnnotatorError(f"spaCy has no language {language!r}: {error}") from None
        nlp.add_pipe("sentencizer")
    _PIPELINES[key] = nlp
    return nlp


def tokenizer_language(tag: str) -> str:
    """The language of a tag as pages and corpora give it (de-AT, en_US, zh-Hant-TW): its
    primary subtag in lower case, the code spaCy's languages go by (BCP 47, RFC 5646 §2.1)."""
    return re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()


def unknown_language(language: str) -> str:
    """The one line that refuses a language code spaCy does not know."""
    return f'language "{language}" is not one spaCy knows (use a code like en, de, fr)'


def _known_without_spacy(language: str) -> bool:
    """True if spaCy ships the language (a folder spacy/lang/<code>/) or a plug-in registers it,
    found without importing spaCy (which takes seconds)."""
    spec = importlib.util.find_spec("spacy")  # finds a top-level package without running it
    folders = spec.submodule_search_locations if spec else None
    if any((Path(folder) / "lang" / language / "__init__.py").is_file() for folder in folders or ()):
        return True
    return any(entry.name == language for entry in importlib.metadata.entry_points(group="spacy_languages"))


def check_language(language: str) -> None:
    """Raise AnnotatorError unless spaCy knows the language code, mostly without importing spaCy.

    A code spaCy ships or a plug-in registers is accepted at once; another code of two or
    three letters (spaCy maps some, like "fra" to fr) is left to spaCy itself; anything
    else is refused. Whether the language's own dependencies are installed (Japanese needs
    SudachiPy) shows when a text is segmented at import, which names the documents."""
    if not _LANGUAGE_CODE.fullmatch(language):
        raise AnnotatorError(unknown_language(language))
    if _known_without_spacy(language):
        return
    try:
        pipeline(language)
    except AnnotatorError:
        raise AnnotatorError(unknown_language(language)) from None


def describe(nlp: Language) -> str:
    """A record of the pipeline used, stored with each document."""
    import spacy

    meta = nlp.meta
    name = f"{meta.get('lang', '?')}_{meta.get('name', 'pipeline')}"
    version = meta.get("version", "")
    pipes = "+".join(nlp.pipe_names)
    return f"spaCy {spacy.__version__}; {name} {version}; {pipes}".strip()


def _whitespace_table() -> Any:
    """Which code points str.isspace() accepts, up to U+3000 (the last one there is);
    the entry after it stands for every higher code point."""
    import numpy as np

    table = np.zeros(0x3002, dtype=bool)
    table[[c for c in range(0x3001) if chr(c).isspace()]] = True
    return table


_WHITESPACE: Any = None


def token_rows(doc: Any, exact_space: bool = False) -> bytes:
    """What segment_blobs needs of a parsed Doc, as bytes that travel cheaply between
    processes: per token its start, whether a space follows and whether it starts a
    sentence (int32 triples); with `exact_space` also spaCy's own IS_SPACE (quadruples),
    for pipelines whose tokenizer may not be spaCy's rule-based one."""
    import numpy as np
    from spacy.attrs import IDX, IS_SPACE, SENT_START, SPACY

    columns = [IDX, SPACY, SENT_START, IS_SPACE] if exact_space else [IDX, SPACY, SENT_START]
    return doc.to_array(columns).view(np.int64).astype(np.int32).tobytes()


def segment_blobs(rows: bytes, text: str, exact_space: bool = False) -> tuple[bytes, bytes]:
    """Token and sentence offsets of `text` from its token_rows, as the two blobs the
    project stores (see Segmentation): whitespace tokens left out, every sentence from its
    first to its last other token. (One text of segment_blobs_many.)"""
    return segment_blobs_many([rows], [text], exact_space)[0]


def segment_blobs_many(rows: Sequence[bytes], texts: Sequence[str],
                       exact_space: bool = False) -> list[tuple[bytes, bytes]]:
    """segment_blobs of several texts, computed together.

    Done on whole arrays with few numpy calls for the whole batch, since each call costs
    more than the work it does for one short text: a token ends where the next begins
    (the text's end for its last), less its trailing space (SPACY). spaCy's rule-based
    tokenizer splits the text wherever whitespace meets other characters (str.isspace),
    so a token is whitespace if its first character is; with `exact_space` the rows carry
    spaCy's IS_SPACE instead. Each text's first token starts a sentence, so no sentence
    runs from one text into the next.
    """
    import numpy as np

    global _WHITESPACE
    width = 4 if exact_space else 3
    table = np.frombuffer(b"".join(rows), dtype=np.int32).reshape(-1, width)
    counts = np.array([len(r) // (4 * width) for r in rows], dtype=np.int64)
    if not len(table):
        return [(b"", b"")] * len(rows)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    firsts_of_text = np.cumsum(counts) - counts  # each text's first row
    has_rows = counts > 0
    document = np.repeat(np.arange(len(rows)), counts)  # the text of every row
    starts = table[:, 0].astype(np.int64)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[(firsts_of_text + counts - 1)[has_rows]] = lengths[has_rows]  # a text's last token ends with it
    ends -= table[:, 1]
    if exact_space:
        keep = (table[:, 3] == 0) & (ends > starts)
    else:
        if _WHITESPACE is None:
            _WHITESPACE = _whitespace_table()
        code_points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype="<u4")
        text_base = np.cumsum(lengths) - lengths  # where each text starts in code_points
        first_chars = code_points.take(text_base[document] + np.minimum(starts, lengths[document] - 1))
        keep = ~_WHITESPACE.take(np.minimum(first_chars, 0x3001)) & (ends > starts)
    sentence = table[:, 2] == 1
    sentence[firsts_of_text[has_rows]] = True
    sentence = sentence.cumsum()[keep]  # sentence number of every kept token
    kept_document = document[keep]
    count = len(sentence)
    tokens = np.empty((count, 2), dtype="<u4")
    tokens[:, 0] = starts[keep]
    tokens[:, 1] = ends[keep]
    if count:
        later = np.flatnonzero(sentence[1:] != sentence[:-1]) + 1  # where each later sentence starts
        sentences = np.empty((len(later) + 1, 2), dtype="<u4")
        sentences[0, 0] = tokens[0, 0]
        sentences[1:, 0] = tokens[later, 0]
        sentences[:-1, 1] = tokens[later - 1, 1]
        sentences[-1, 1] = tokens[-1, 1]
        sentence_document = kept_document[np.concatenate(([0], later))]
    else:
        sentences = np.empty((0, 2), dtype="<u4")
        sentence_document = kept_document
    token_bytes, sentence_bytes = tokens.tobytes(), sentences.tobytes()
    token_ends = np.cumsum(np.bincount(kept_document, minlength=len(rows))) * 8
    sentence_ends = np.cumsum(np.bincount(sentence_document, minlength=len(rows))) * 8
    out = []
    token_start = sentence_start = 0
    for token_end, sentence_end in zip(token_ends.tolist(), sentence_ends.tolist()):
        out.append((token_bytes[token_start:token_end], sentence_bytes[sentence_start:sentence_end]))
        token_start, sentence_start = token_end, sentence_end
    return out


@dataclass(frozen=True, slots=True)
class Segmented:
    """The segmentation of one text as the project stores it (see Segmentation), or the
    reason it could not be segmented."""

    tokens: bytes
    sentences: bytes
    tokenizer: str
    error: str | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.tokens) // 8

    @property
    def n_sentences(self) -> int:
        return len(self.sentences) // 8

    def segmentation(self) -> Segmentation:
        return Segmentation.from_blobs(self.tokens, self.sentences)


Parsed = tuple[bytes, str, bool]  # token_rows, pipeline description, exact_space


def segment_items(
    items: list[tuple[str, str]], model: str | None, finished: bool = False
) -> list[Parsed | Segmented | str]:
    """Parse (language, text) pairs, one nlp.pipe batch per language; each result is
    (token_rows, pipeline description, exact_space) or an error message, or with
    `finished` the Segmented itself. (finish turns rows into offsets where the result is
    used, so a worker process and the app can share that work as their loads allow.) A
    trained pipeline (`model`) gets spaCy's own IS_SPACE, since its tokenizer may not be
    the rule-based one."""
    results: list[Parsed | Segmented | str] = [""] * len(items)
    exact = model is not None
    by_language: dict[str, list[int]] = {}
    for index, (language, _) in enumerate(items):
        by_language.setdefault(tokenizer_language(language), []).append(index)
    for language, places in by_language.items():
        try:
            nlp = pipeline(language, model)
        except AnnotatorError as error:
            reason = str(error) if model else unknown_language(language)
            for index in places:
                results[index] = reason
            continue
        described = describe(nlp)
        texts = [items[index][1] for index in places]
        done = 0
        try:
            for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
                results[places[done]] = (token_rows(doc, exact), described, exact)
                done += 1
        except Exception:  # noqa: BLE001 - find the text at fault, keep the others
            for k in range(done, len(places)):
                try:
                    results[places[k]] = (token_rows(nlp(texts[k]), exact), described, exact)
                except Exception as error:  # noqa: BLE001
                    results[places[k]] = f"spaCy cannot segment it ({type(error).__name__}: {error})"
    if finished:
        return list(finish_many(results, [text for _, text in items]))
    return results


def finish(result: Parsed | Segmented | str, text: str) -> Segmented:
    """The Segmented of one text from what segment_items gave for it."""
    if isinstance(result, Segmented):
        return result
    if isinstance(result, str):
        return Segmented(b"", b"", "", result)
    rows, described, exact = result
    return Segmented(*segment_blobs(rows, text, exact), described)


def finish_many(results: Sequence[Parsed | Segmented | str], texts: Sequence[str]) -> list[Segmented]:
    """finish for several texts, their offsets computed together (segment_blobs_many)."""
    done: list[Segmented | None] = [r if isinstance(r, Segmented) else None for r in results]
    for exact in (False, True):
        places = [i for i, r in enumerate(results) if isinstance(r, tuple) and r[2] is exact]
        if places:
            blobs = segment_blobs_many([results[i][0] for i in places], [texts[i] for i in places], exact)
            for i, (tokens, sentences) in zip(places, blobs):
                done[i] = Segmented(tokens, sentences, results[i][1])
    return [d if d is not None else finish(r, t) for d, r, t in zip(done, results, texts)]
