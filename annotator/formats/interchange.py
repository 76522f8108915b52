"""Shared by the exchange formats: what an exporter receives, the codebook as plain data,
safe names, and tokens split so that every span starts and ends on a token boundary."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from annotator.errors import AnnotatorError, BadInputError
from annotator.model import AttributeDef, Annotator, Codebook, Document, Label, Layer
from annotator.nlp.segmentation import Segmentation

# Name of the program in files that record who wrote them.
PROGRAM = "Discourse Annotator"


class ExportAnnotation(NamedTuple):
    """An annotation as exporters read it: the fields of model.Annotation that formats carry
    (a tuple, because an export builds hundreds of thousands of them)."""

    id: str
    document_id: str
    annotator: str
    layer: str
    label: str
    start: int | None
    end: int | None
    attributes: dict[str, Any]
    note: str
    created: str = ""  # ISO 8601 (UTC), when the annotation was made; "" if not known
    origin: str = ""  # the suggestion it began as ("rule:…", "model:…"); "" typed by hand

    @property
    def is_span(self) -> bool:
        """True for a span annotation, False for a document-level label."""
        return self.start is not None


@dataclass(slots=True)
class ExportDocument:
    """One document as an exporter sees it: metadata, text, selected annotations, tokens."""

    document: Document
    text: str
    annotations: list[ExportAnnotation]
    segmentation: Segmentation | None = None

    @property
    def spans(self) -> list[ExportAnnotation]:
        """The span annotations, in text order."""
        return [item for item in self.annotations if item.is_span]

    @property
    def labels(self) -> list[ExportAnnotation]:
        """The document-level labels."""
        return [item for item in self.annotations if not item.is_span]


@dataclass(slots=True)
class ExportContext:
    """What every exporter needs besides the documents: codebook, annotators, options, and a
    tally of what the format could not carry."""

    codebook: Codebook
    annotators: list[Annotator]
    layers: tuple[Layer, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    project_name: str = "corpus"
    tally: Counter[str] = field(default_factory=Counter)
    # document id -> annotator name -> "done" / "in_progress" / "not_started", for formats
    # that carry document status (every selected annotator of every selected document).
    statuses: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    remarks: list[str] = field(default_factory=list)

    def not_carried(self, what: str, count: int = 1) -> None:
        """Record `count` items the format could not carry, described by `what`."""
        if count:
            self.tally[what] += count

    def remark(self, line: str) -> None:
        """Record how the format carried something (a renaming, a stand-in), for the report."""
        if line not in self.remarks:
            self.remarks.append(line)

    def notes(self) -> list[str]:
        """The tally as sentences for the export report."""
        return [f"{what}: {count}" for what, count in self.tally.items()]

    def option(self, name: str, default: Any) -> Any:
        """A per-format option, or its default."""
        return self.options.get(name, default)


def codebook_to_dict(codebook: Codebook) -> dict[str, Any]:
    """The codebook as JSON-ready data (database ids left out)."""
    return {
        "name": codebook.name,
        "title": codebook.title,
        "description": codebook.description,
        "references": list(codebook.references),
        "layers": [
            {
                "name": layer.name, "kind": layer.kind, "granularity": layer.granularity,
                "overlap": layer.overlap, "multiple": layer.multiple, "description": layer.description,
                "labels": [
                    {"name": label.name, "description": label.description, "include": label.include,
                     "exclude": label.exclude, "examples": list(label.examples), "colour": label.colour,
                     "key": label.key, "parent": label.parent}
                    for label in layer.labels
                ],
                "attributes": [
                    {"name": item.name, "type": item.type, "choices": list(item.choices),
                     "minimum": item.minimum, "maximum": item.maximum, "description": item.description}
                    for item in layer.attributes
                ],
            }
            for layer in codebook.layers
        ],
    }


def codebook_from_dict(data: Any, origin: str) -> Codebook:
    """Rebuild a codebook written by codebook_to_dict; BadInputError if it is malformed."""
    from annotator.codebooks import validate_codebook
    from annotator.errors import CodebookError

    try:
        layers = []
        for layer in data["layers"]:
            labels = tuple(
                Label(str(item["name"]), item.get("description", ""), item.get("include", ""),
                      item.get("exclude", ""), tuple(item.get("examples", ())), item.get("colour", "#BBBBBB"),
                      item.get("key", ""), item.get("parent"))
                for item in layer["labels"]
            )
            attributes = tuple(
                AttributeDef(str(item["name"]), item.get("type", "text"), tuple(item.get("choices", ())),
                             item.get("minimum"), item.get("maximum"), item.get("description", ""))
                for item in layer.get("attributes", ())
            )
            layers.append(Layer(str(layer["name"]), layer.get("kind", "span"), layer.get("granularity", "token"),
                                layer.get("overlap", "allow"), bool(layer.get("multiple", True)),
                                layer.get("description", ""), labels, attributes))
        book = Codebook(str(data.get("name", "")), data.get("title", ""), data.get("description", ""),
                        tuple(data.get("references", ())), tuple(layers))
        validate_codebook(book, origin)
    except (KeyError, TypeError, AttributeError) as error:
        raise BadInputError(origin, f"the codebook record is malformed ({error!r})") from None
    except CodebookError as error:
        raise BadInputError(origin, f"the codebook record is invalid: {error}") from None
    return book


def safe_name(name: str, keep: str = "-_", fallback: str = "item") -> str:
    """`name` reduced to ASCII letters, digits and the characters in `keep` (others become
    "_"), for file names and type names of formats that allow no more."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(rf"[^A-Za-z0-9{re.escape(keep)}]+", "_", ascii_name).strip("_")
    return cleaned or fallback


def unique_names(names: Iterable[str], make: Any = safe_name) -> dict[str, str]:
    """A distinct safe name for each given name (numbered when two reduce to the same)."""
    result: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        if name in result:
            continue
        base = make(name)
        candidate, number = base, 2
        while candidate.lower() in used:
            candidate, number = f"{base}_{number}", number + 1
        used.add(candidate.lower())
        result[name] = candidate
    return result


def split_tokens(tokens: Iterable[tuple[int, int]], boundaries: Iterable[int]) -> list[tuple[int, int]]:
    """Tokens cut at every boundary that falls strictly inside one (span edges inside words)."""
    cuts = sorted(set(boundaries))
    pieces: list[tuple[int, int]] = []
    for start, end in tokens:
        at = bisect_left(cuts, start + 1)
        while at < len(cuts) and cuts[at] < end:
            pieces.append((start, cuts[at]))
            start = cuts[at]
            at += 1
        pieces.append((start, end))
    return pieces


def covering_pieces(text: str, tokens: Iterable[tuple[int, int]], boundaries: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive pieces covering the whole text: the tokens and the gaps between them,
    each cut at every boundary inside it."""
    pieces: list[tuple[int, int]] = []
    position = 0
    for start, end in tokens:
        if start > position:
            pieces.append((position, start))
        pieces.append((start, end))
        position = end
    if position < len(text):
        pieces.append((position, len(text)))
    return split_tokens(pieces, boundaries)


def utf16_offsets(text: str) -> list[int]:
    """For each code-point index 0..len(text), the UTF-16 code-unit index."""
    result = [0] * (len(text) + 1)
    units = 0
    for index, char in enumerate(text):
        result[index] = units
        units += 2 if ord(char) > 0xFFFF else 1
    result[len(text)] = units
    return result


def iter_lines(content: str) -> Iterator[tuple[int, str]]:
    """(line number from 1, line) for a text split on LF only (a CR before LF dropped)."""
    for number, line in enumerate(content.split("\n"), start=1):
        yield number, line.removesuffix("\r")


class OutputFiles:
    """Files and folders an export writes, first under temporary names beside their final
    place, moved there only when everything is written (a failed or cancelled export
    leaves no half-written output)."""

    def __init__(self) -> None:
        self._planned: list[tuple[Path, Path, bool]] = []

    def file(self, final: Path) -> Path:
        """A temporary path to write the file that ends up at `final`."""
        handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        os.close(handle)
        self._planned.append((Path(name), final, False))
        return Path(name)

    def folder(self, final: Path) -> Path:
        """A temporary empty folder to fill, which ends up at `final`."""
        if final.exists() and (not final.is_dir() or any(final.iterdir())):
            raise AnnotatorError(f"{final}: exists and is not an empty folder; choose a new folder")
        name = tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
        self._planned.append((Path(name), final, True))
        return Path(name)

    @property
    def finals(self) -> list[Path]:
        """Where the outputs go."""
        return [final for _, final, _ in self._planned]

    def commit(self) -> None:
        """Move every temporary output to its final place, all or none.

        Each earlier output about to be replaced is first kept aside (a hard link, or a
        rename where the file system has no links) and each empty folder noted; if a move
        fails (a folder where a file goes, a permission), the outputs already moved go back
        to their temporary names, the earlier ones are put back, and the error is raised with
        the temporaries left for discard(). Only a crash in between can leave a mix, and then
        every earlier output is still there under a `.<name>.<pid>-<random>.old` name.
        """
        done: list[_Move] = []
        try:
            for temporary, final, is_folder in self._planned:
                move = _Move(temporary, final)
                move.keep_aside(is_folder)
                try:
                    os.replace(temporary, final)
                except BaseException:
                    move.put_back_unmoved()
                    raise
                done.append(move)
        except BaseException:
            for move in reversed(done):
                move.undo()
            raise
        for move in done:
            move.forget_earlier()
        self._planned.clear()

    def discard(self) -> None:
        """Remove every temporary output."""
        for temporary, _, is_folder in self._planned:
            if is_folder:
                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink(missing_ok=True)
        self._planned.clear()


@dataclass(slots=True)
class _Move:
    """One output moved into place by OutputFiles.commit, with what it replaces kept aside."""

    temporary: Path
    final: Path
    earlier: Path | None = None  # the earlier output, kept under another name until the commit is whole
    linked: bool = False  # `earlier` is a second link (the final name still holds it until replaced)
    was_empty_folder: bool = False

    def keep_aside(self, is_folder: bool) -> None:
        """Keep what `final` holds so that it can be put back (an empty folder is only noted)."""
        final = self.final
        if not os.path.lexists(final):
            return
        if final.is_dir() and not final.is_symlink():
            if is_folder:  # an empty folder, as OutputFiles.folder required
                final.rmdir()
                self.was_empty_folder = True
            return  # a folder where a file goes: the move fails, and nothing was touched
        while True:
            aside = final.with_name(f".{final.name}.{os.getpid()}-{secrets.token_hex(4)}.old")
            try:
                os.link(final, aside, follow_symlinks=False)  # the final name keeps its file meanwhile
                self.linked = True
            except FileExistsError:
                continue
            except OSError:  # no hard links here (FAT, some shares): reserve a name, then rename
                try:
                    os.close(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                except FileExistsError:
                    continue
                try:
                    os.replace(final, aside)
                except BaseException:
                    aside.unlink(missing_ok=True)
                    raise
            self.earlier = aside
            return

    def put_back_unmoved(self) -> None:
        """After the move of this output failed: restore what was kept aside for it."""
        with suppress(OSError):
            if self.earlier is not None:
                if self.linked:
                    self.earlier.unlink()
                else:
                    os.replace(self.earlier, self.final)
            elif self.was_empty_folder:
                os.mkdir(self.final)

    def undo(self) -> None:
        """Take this output back to its temporary name and put the earlier one back."""
        with suppress(OSError):
            os.replace(self.final, self.temporary)
        with suppress(OSError):
            if self.earlier is not None:
                os.replace(self.earlier, self.final)
            elif self.was_empty_folder:
                os.mkdir(self.final)

    def forget_earlier(self) -> None:
        """The commit is whole: drop the earlier output kept aside."""
        if self.earlier is not None:
            with suppress(OSError):
                self.earlier.unlink()
