"""Reader for JSON Lines (.jsonl, .json): native, doccano and Prodigy records.

The dialect is told apart line by line:

- doccano: a "label" list (`[[start, end, "LABEL"], …]` for spans, or `["LABEL", …]` for
  document labels), an "entities" list of `{"start_offset", "end_offset", "label"}` or of
  `[start, end, "LABEL"]` (intent detection, with document labels in "cats"), or doccano
  1.x's "annotations" list of `{"label_name", "start_offset", "end_offset", "user_name"}`
  (no offsets: a document label), whose user is the annotator ("user_name", else "doccano
  user N"); a label given by its id alone (older exports) is refused, as its name is not in
  the file. Every other key except "text", "id" and "relations" is metadata.
  doccano's "relations" ({"from_id", "to_id", "type"} between its entities) become relations
  (the import counts those it cannot store; see ops/import_links.py).
- Prodigy: an "answer" or keys starting with "_" (`_input_hash`, `_task_hash`, …); the
  annotator is `_annotator_id` (else `_session_id`) as Prodigy writes it, dataset prefix and
  all ("news_ner-ada": the dataset's name is not in the file, and a session name may hold a
  "-"), so that two annotators' answers on one task stay apart; --annotator only names tasks
  without one;
  `{"start", "end", "label"}` spans (`token_start`/`token_end` are Prodigy's token indices,
  not needed), a text-classification "label" string, accepted choice "options" (by "id")
  and an optional "meta"; only answers "accept" are imported: "reject" and "ignore" are
  counted in the import report.
- native (anything else), as in DESIGN.md: "id", "text", "meta", "spans" with layer,
  label, annotator, attributes, note and id, document "labels", and each annotator's
  "status" on the document ({"ada": "done", "ben": "in_progress"}), and "relations"
  between its spans ({"id", "type", "from", "to", "annotator", "attributes", "note"}, ends
  by span id): a relation whose end is not a span of the record, or whose ends belong to
  different annotators, refuses the file with its line and the relation named (the
  codebook's rule is checked when they are stored, RelationStore.insert_imported).

Offsets are validated against the text as written, then line endings are normalised
and the offsets moved so every span keeps its characters. A .json file holding one
JSON array of such records, or one record over several lines, is read as well. One bad
record refuses the whole file.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import (
    ImportedDocument, ImportedLabel, ImportedSpan, ReadOptions, is_uuid, is_whole_number,
)
from annotator.formats.text_io import (
    ReadDocument,
    assign_metadata,
    check_length,
    decode_bytes,
    first_line_title,
    normalise_with_offsets,
    read_file_bytes,
)

@dataclasses.dataclass(slots=True)
class NativeDocument(ReadDocument):
    """A native JSONL record: a ReadDocument with the relations between its spans."""

    relations: list[dict[str, Any]] = dataclasses.field(default_factory=list)


_DOCCANO_NOT_META = frozenset({"text", "label", "entities", "relations", "id", "meta", "cats", "annotations"})
_SKIPPED_ANSWERS = frozenset({"reject", "ignore"})


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a record sits in the file: its line, or its position in a JSON array."""

    path: Path
    line: int | None = None
    item: int | None = None

    def error(self, problem: str) -> BadInputError:
        """A BadInputError naming the file and this place."""
        if self.item is not None:
            return BadInputError(self.path, f"record {self.item}: {problem}")
        return BadInputError(self.path, problem, line=self.line)

    @property
    def origin(self) -> str:
        """The place as shown in messages and stored as a document's origin."""
        if self.item is not None:
            return f"{self.path}, record {self.item}"
        return f"{self.path}, line {self.line}"


def read_jsonl(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read every record of a JSON Lines file (or a JSON array) as a document."""
    options = options or ReadOptions()
    content = decode_bytes(read_file_bytes(path), path)
    documents: list[ReadDocument] = []
    skipped: Counter[str] = Counter()
    relation_ids: dict[str, str] = {}  # a relation id -> where it was first given
    for place, record in _records(path, content):
        document = _read_record(record, place, options)
        if isinstance(document, str):
            skipped[document] += 1
        else:
            documents.append(document)
            _check_relation_ids(document, place, relation_ids)
    if not documents:
        reason = f' ({sum(skipped.values())} answered "reject" or "ignore")' if skipped else ""
        raise BadInputError(path, f"has no documents to import{reason}")
    for answer, count in skipped.items():  # said once per file, on its first document
        documents[0].not_carried[f'Prodigy tasks answered "{answer}" (only "accept" is imported)'] += count
    return documents


def _check_relation_ids(document: ReadDocument, place: _Place, seen: dict[str, str]) -> None:
    """Refuse a relation id the file already gave another relation (on this line or another):
    one id is one relation, and neither copy could be stored without losing the other."""
    for link in getattr(document, "relations", None) or []:
        ident = link.get("id")
        if not ident:
            continue
        here = f"relation {link['number']} ({link['type']})"
        where = f"record {place.item}, {here}" if place.item is not None else f"line {place.line}, {here}"
        if ident in seen:
            raise place.error(f"{here}: its id {ident} is also the id of {seen[ident]}; "
                              "a relation id is given once")
        seen[ident] = where


def _read_record(record: Any, place: _Place, options: ReadOptions) -> ReadDocument | str:
    """Turn one parsed record into a document; a Prodigy answer other than "accept" gives
    that answer instead."""
    if not isinstance(record, dict):
        raise place.error(f"is not a JSON object but {_json_kind(record)}")
    if _is_prodigy(record) and record.get("answer") in _SKIPPED_ANSWERS:
        return str(record["answer"])
    text = record.get("text")
    if not isinstance(text, str):
        raise place.error('has no "text" string')
    if not text.strip():
        raise place.error('has an empty "text"')
    status: dict[str, str] = {}
    links: list[dict[str, Any]] = []
    relations = 0
    if _is_doccano(record):
        spans, labels, meta, doccano_ids = _doccano_parts(record, place)
        links, relations = _doccano_relations(record.get("relations"), doccano_ids, place)
    elif _is_prodigy(record):
        spans = _spans(record.get("spans"), place, native=False)
        labels = _prodigy_labels(record, place)
        who = _prodigy_annotator(record, place)
        for annotation in (*spans, *labels):
            annotation.annotator = who
        meta = _object(record.get("meta"), "meta", place)
        relations = len(record["relations"]) if isinstance(record.get("relations"), list) else 0
    else:
        spans = _spans(record.get("spans"), place, native=True)
        labels = _labels(record.get("labels"), place)
        meta = _object(record.get("meta"), "meta", place)
        status = _status(record.get("status"), place)
        links = _relations(record.get("relations"), spans, place)
    _check_offsets(spans, text, place)
    text, spans = normalise_with_offsets(text, spans)
    try:
        check_length(text, place.path)
    except BadInputError as error:
        raise place.error(error.problem) from None
    for annotation in (*spans, *labels):
        annotation.annotator = annotation.annotator or options.default_annotator
        annotation.layer = annotation.layer or options.default_layer
    document = (NativeDocument(text=text, origin=place.origin, spans=spans, labels=labels, status=status,
                               relations=links) if links else
                ReadDocument(text=text, origin=place.origin, spans=spans, labels=labels, status=status))
    if relations:
        document.not_carried["doccano relations naming an entity the record lacks"] += relations
    assign_metadata(document, meta)
    _assign_id(document, record.get("id"))
    document.title = document.title or first_line_title(text)
    return document


def _records(path: Path, content: str) -> Iterator[tuple[_Place, Any]]:
    """Parse the file: a JSON value per non-blank line, or (.json) one array or record."""
    if path.suffix.lower() == ".json":
        whole = _whole_json(path, content)
        if isinstance(whole, list):
            for index, value in enumerate(whole, start=1):
                yield _Place(path, item=index), value
            return
        if isinstance(whole, dict):
            yield _Place(path, line=1), whole
            return
    # Split on LF only: str.splitlines would also split at U+2028 inside JSON strings.
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        place = _Place(path, line=number)
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as error:
            raise place.error(f"is not valid JSON ({_json_problem(error)})") from error
        yield place, value


def _whole_json(path: Path, content: str) -> Any:
    """The file parsed as one JSON value, or None if it is not one (e.g. JSON Lines)."""
    stripped = content.strip()
    if not stripped.startswith(("[", "{")):
        return None
    try:
        return json.loads(stripped)
    except RecursionError as error:
        raise BadInputError(path, "is not valid JSON (nested too deeply)") from error
    except ValueError as error:
        if stripped.startswith("["):  # JSON Lines never starts with an array
            raise BadInputError(path, f"is not valid JSON ({_json_problem(error)})") from error
        return None


def _is_prodigy(record: dict[str, Any]) -> bool:
    """True for a record written by Prodigy (an answer or underscore-prefixed keys)."""
    return "answer" in record or any(str(key).startswith("_") for key in record)


def _is_doccano(record: dict[str, Any]) -> bool:
    """True for a record written by doccano ("label", "entities", "cats" or "annotations" list)."""
    return any(isinstance(record.get(key), list) for key in ("label", "entities", "cats", "annotations"))


def _prodigy_annotator(record: dict[str, Any], place: _Place) -> str | None:
    """Who answered a Prodigy task: its `_annotator_id`, else its `_session_id` (None if neither)."""
    for key in ("_annotator_id", "_session_id"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if value is not None and not isinstance(value, str):
            raise place.error(f'"{key}" is {_json_kind(value)}, not a string')
    return None


def _doccano_parts(
    record: dict[str, Any], place: _Place
) -> tuple[list[ImportedSpan], list[ImportedLabel], dict[str, Any]]:
    """Spans, document labels and metadata of a doccano record."""
    spans: list[ImportedSpan] = []
    labels: list[ImportedLabel] = []
    doccano_ids: dict[Any, ImportedSpan] = {}
    for number, entry in enumerate(record.get("label") or [], start=1):
        if isinstance(entry, str):
            labels.append(ImportedLabel(label=_label_name(entry, f"label {number}", place)))
        elif isinstance(entry, list) and len(entry) == 3:
            start, end, name = entry
            spans.append(_new_span(start, end, name, f"span {number}", place))
        else:
            raise place.error(f'label {number} is neither [start, end, "LABEL"] nor a name')
    for number, entry in enumerate(_array(record.get("entities"), "entities", place), start=len(spans) + 1):
        if isinstance(entry, list) and len(entry) == 3:  # intent detection: [start, end, "LABEL"]
            spans.append(_new_span(*entry, f"span {number}", place))
        elif isinstance(entry, dict):
            span = _new_span(entry.get("start_offset"), entry.get("end_offset"), entry.get("label"),
                             f"span {number}", place)
            if isinstance(entry.get("id"), (int, str)) and not isinstance(entry.get("id"), bool):
                doccano_ids[entry["id"]] = span  # relations name it by doccano's id
            spans.append(span)
        else:
            raise place.error(f'span {number} is neither {{"start_offset", "end_offset", "label"}} '
                              'nor [start, end, "LABEL"]')
    for number, entry in enumerate(_array(record.get("cats"), "cats", place), start=1):
        labels.append(ImportedLabel(label=_label_name(entry, f"category {number}", place)))
    for number, entry in enumerate(_array(record.get("annotations"), "annotations", place), start=1):
        _doccano_annotation(entry, number, place, spans, labels)
    meta = {key: value for key, value in record.items() if key not in _DOCCANO_NOT_META}
    meta.update(_object(record.get("meta"), "meta", place))
    return spans, labels, meta, doccano_ids


def _doccano_relations(value: Any, ids: dict[Any, ImportedSpan], place: _Place) -> tuple[list[dict[str, Any]], int]:
    """doccano's relations ({"id", "from_id", "to_id", "type"}) between its entities, ends by the
    ids the spans were given; the import carries what it can (lenient) and counts the rest. A
    relation naming an entity the record lacks is counted here."""
    links: list[dict[str, Any]] = []
    unread = 0
    for number, entry in enumerate(_array(value, "relations", place), start=1):
        if not isinstance(entry, dict):
            raise place.error(f"relation {number} is not a JSON object")
        kind = entry.get("type")
        ends = [ids.get(entry.get("from_id")), ids.get(entry.get("to_id"))]
        if not isinstance(kind, str) or not kind.strip() or ends[0] is None or ends[1] is None:
            unread += 1
            continue
        for span in ends:  # an end gets an id of ours, under which the import stores it
            span.id = span.id or str(uuid.uuid4())
        links.append({"type": kind.strip(), "from": ends[0].id, "to": ends[1].id, "attributes": {}, "note": "",
                      "number": number, "lenient": "doccano relations"})
    return links, unread


def _doccano_annotation(entry: Any, number: int, place: _Place, spans: list[ImportedSpan],
                        labels: list[ImportedLabel]) -> None:
    """One entry of doccano 1.x's "annotations": a span (with offsets) or a document label."""
    if not isinstance(entry, dict):
        raise place.error(f"annotation {number} is not a JSON object")
    name = entry.get("label_name", entry.get("label"))
    if not isinstance(name, str) and is_whole_number(name):
        raise place.error(f'annotation {number} gives label {name} by its id only, without "label_name" '
                          "(export again from doccano 1.x or later, which writes label names)")
    user = entry.get("user_name")
    if not isinstance(user, str) or not user.strip():
        user = f"doccano user {entry['user']}" if is_whole_number(entry.get("user")) else None
    if "start_offset" in entry or "end_offset" in entry:
        span = _new_span(entry.get("start_offset"), entry.get("end_offset"), name, f"annotation {number}", place)
        span.annotator = user
        spans.append(span)
    else:
        labels.append(ImportedLabel(label=_label_name(name, f"annotation {number}", place), annotator=user))


def _spans(value: Any, place: _Place, native: bool) -> list[ImportedSpan]:
    """Native or Prodigy spans; only native spans carry layer, annotator, note and id."""
    spans: list[ImportedSpan] = []
    for number, entry in enumerate(_array(value, "spans", place), start=1):
        name = f"span {number}"
        if not isinstance(entry, dict):
            raise place.error(f"{name} is not a JSON object")
        span = _new_span(entry.get("start"), entry.get("end"), entry.get("label"), name, place)
        if native:
            span.layer = _optional_text(entry.get("layer"), f"{name} layer", place)
            span.annotator = _optional_text(entry.get("annotator"), f"{name} annotator", place)
            span.attributes = _object(entry.get("attributes"), f"{name} attributes", place)
            span.note = _optional_text(entry.get("note"), f"{name} note", place) or ""
            span.origin = _optional_text(entry.get("origin"), f"{name} origin", place) or ""
            span.id = _uuid(entry.get("id"), name, place)
        spans.append(span)
    return spans


def _relations(value: Any, spans: list[ImportedSpan], place: _Place) -> list[dict[str, Any]]:
    """Native relations between the record's spans, ends by span id (see the module docstring)."""
    by_id = {span.id: span for span in spans if span.id}
    found: list[dict[str, Any]] = []
    for number, entry in enumerate(_array(value, "relations", place), start=1):
        if not isinstance(entry, dict):
            raise place.error(f"relation {number} is not a JSON object")
        kind = _label_name(entry.get("type"), f"relation {number} type", place)
        name = f"relation {number} ({kind})"
        ends = []
        for key in ("from", "to"):
            ident = _uuid(entry.get(key), f'{name} "{key}"', place)
            if ident is None:
                raise place.error(f'{name} has no "{key}" (the id of one of the record\'s spans)')
            if ident not in by_id:
                raise place.error(f'{name}: its "{key}" end {ident} is not a span of this record')
            ends.append(by_id[ident])
        annotator = _optional_text(entry.get("annotator"), f"{name} annotator", place)
        owners = {span.annotator for span in ends} | ({annotator} if annotator else set())
        if len(owners) > 1:
            raise place.error(f"{name}: its ends and annotator are not one annotator's "
                              f"({', '.join(sorted(str(owner) for owner in owners))})")
        found.append({"id": _uuid(entry.get("id"), name, place), "type": kind, "from": ends[0].id,
                      "to": ends[1].id, "attributes": _object(entry.get("attributes"), f"{name} attributes", place),
                      "note": _optional_text(entry.get("note"), f"{name} note", place) or "", "number": number})
    return found


def _prodigy_labels(record: dict[str, Any], place: _Place) -> list[ImportedLabel]:
    """Document labels of an accepted Prodigy task: a text-classification "label" (when the
    task has no spans, whose labels it would name), and the accepted choice options."""
    labels = []
    if isinstance(record.get("label"), str) and not record.get("spans"):
        labels.append(ImportedLabel(label=_label_name(record["label"], "label", place)))
    accepted = record.get("accept")
    if isinstance(accepted, list):
        options = {option.get("id"): option for option in _array(record.get("options"), "options", place)
                   if isinstance(option, dict)}
        for number, ident in enumerate(accepted, start=1):
            if not isinstance(ident, str | int) or isinstance(ident, bool):
                raise place.error(f'accepted option {number} is {_json_kind(ident)}, not an option id')
            name = ident if isinstance(ident, str) else str(options.get(ident, {}).get("text", ident))
            labels.append(ImportedLabel(label=_label_name(name, f"accepted option {number}", place)))
    return labels


# How a native file may spell each status (DESIGN.md: not started / in progress / done).
_STATUS_WORDS = ("not started", "not_started", "in progress", "in_progress", "done")


def _status(value: Any, place: _Place) -> dict[str, str]:
    """Each annotator's status on the document: {"ada": "done", "ben": "in_progress"}."""
    status = _object(value, "status", place)
    for name, word in status.items():
        if not name.strip():
            raise place.error('"status" names an annotator with an empty name')
        if not isinstance(word, str) or word.strip().lower() not in _STATUS_WORDS:
            raise place.error(f'the status of {name} is {json.dumps(word, ensure_ascii=False)}; it must be '
                              '"not started", "in progress" or "done"')
    return {name.strip(): word.strip().lower() for name, word in status.items()}


def _labels(value: Any, place: _Place) -> list[ImportedLabel]:
    """Native document-level labels."""
    labels: list[ImportedLabel] = []
    for number, entry in enumerate(_array(value, "labels", place), start=1):
        name = f"label {number}"
        if not isinstance(entry, dict):
            raise place.error(f"{name} is not a JSON object")
        labels.append(
            ImportedLabel(
                label=_label_name(entry.get("label"), name, place),
                layer=_optional_text(entry.get("layer"), f"{name} layer", place),
                annotator=_optional_text(entry.get("annotator"), f"{name} annotator", place),
                attributes=_object(entry.get("attributes"), f"{name} attributes", place),
                note=_optional_text(entry.get("note"), f"{name} note", place) or "",
                origin=_optional_text(entry.get("origin"), f"{name} origin", place) or "",
                id=_uuid(entry.get("id"), name, place),
            )
        )
    return labels


def _new_span(start: Any, end: Any, label: Any, name: str, place: _Place) -> ImportedSpan:
    """A span with integer offsets and a label name (bounds are checked later)."""
    label_name = _label_name(label, name, place)
    if not is_whole_number(start) or not is_whole_number(end):
        raise place.error(
            f"{name} (label {label_name}) has offsets {json.dumps(start)} and "
            f"{json.dumps(end)}; both must be whole numbers"
        )
    return ImportedSpan(start=start, end=end, label=label_name)


def _check_offsets(spans: list[ImportedSpan], text: str, place: _Place) -> None:
    """Refuse a span that is empty, reversed or reaches outside the text."""
    for number, span in enumerate(spans, start=1):
        where = f"span {number} ({span.start}–{span.end}, label {span.label})"
        if span.start < 0:
            raise place.error(f"{where} starts before the text")
        if span.start >= span.end:
            raise place.error(f"{where} does not end after it starts")
        if span.end > len(text):
            raise place.error(f"{where} ends after the text ({len(text)} characters)")


def _assign_id(document: ImportedDocument, value: Any) -> None:
    """Keep a UUID document id; any other id is kept in `extra` as "id"."""
    if value is None or value == "":
        return
    if isinstance(value, str) and is_uuid(value):
        document.id = value
    else:
        document.extra.setdefault("id", value)


def _uuid(value: Any, name: str, place: _Place) -> str | None:
    """A span or label id: absent, or a UUID string."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and is_uuid(value):
        return value
    raise place.error(f"{name} has id {json.dumps(value)}, which is not a UUID")


def _label_name(value: Any, name: str, place: _Place) -> str:
    """A label name: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise place.error(f"{name} has no label name")
    return value.strip()


def _optional_text(value: Any, name: str, place: _Place) -> str | None:
    """An optional string field."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise place.error(f"{name} is {_json_kind(value)}, not a string")
    return value


def _object(value: Any, name: str, place: _Place) -> dict[str, Any]:
    """An optional JSON object field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise place.error(f'"{name}" is {_json_kind(value)}, not a JSON object')
    return value


def _array(value: Any, name: str, place: _Place) -> list[Any]:
    """An optional JSON array field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise place.error(f'"{name}" is {_json_kind(value)}, not a JSON array')
    return value



def _json_kind(value: Any) -> str:
    """What kind of JSON value this is, for messages."""
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return kinds.get(type(value), "a value")


def _json_problem(error: Exception) -> str:
    """A short description of a JSON parse error."""
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)
