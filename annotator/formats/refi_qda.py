"""REFI-QDA (QDA-XML 1.0, the REFI-QDA standard 1.5): `.qdpx` projects and `.qdc` codebooks,
read by MAXQDA, ATLAS.ti, NVivo and QualCoder.

Mapping: each layer is a non-codable top-level Code (a category) with its labels as
codable child Codes (label parents nest further; colours kept); annotators are Users; each
document is a TextSource whose text is `sources/<guid>.txt` in the archive; each span is a
PlainTextSelection (its guid derived from the annotation id) with one Coding (whose guid is
the annotation id), the note as its Description and the annotation's creation time; title
is the source name and the other metadata are text Variables.

Document-level labels are PlainTextSelections covering the whole text: QualCoder, and by
the standard's examples other readers, read only the Codings of selections, so a Coding
of the TextSource itself would be lost. Such a selection's guid is derived from the
annotation id in its own way, so that this reader gives back a document label.

Code names are unique across the whole codebook (QualCoder's code table requires it): a
label whose name another layer's label also has is named "Layer: Label" (and the report
lists them); this reader takes the layer's name off again (the code's guid says it did).

Positions: the standard counts "characters" from 0 and QualCoder, the reference
implementation in Python, stores Python string indices, so positions here are code points
(an emoji counts one).

Not carried: attribute values (QDA-XML has no coding attributes).
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from annotator.errors import BadInputError
from annotator.formats.base import ImportedDocument, ImportedLabel, ImportedSpan, ReadOptions
from annotator.formats.interchange import PROGRAM, ExportAnnotation, ExportContext, ExportDocument, OutputFiles
from annotator.formats.safe_archive import SafeZip, parse_xml
from annotator.formats.text_io import assign_metadata, check_length, decode_bytes, normalise_with_offsets
from annotator.model import Codebook, Layer

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
_NAMESPACE = uuid.UUID("6f1c2a4e-5d3b-4c1a-9e8f-2b7d6a5c4e3f")  # for guids derived from names
META_VARIABLES = ("source", "author", "date", "url", "language")


def guid(*parts: str) -> str:
    """A stable GUID for a named thing (layer, label, user, variable)."""
    return str(uuid.uuid5(_NAMESPACE, "\x00".join(parts)))


def selection_guid(annotation_id: str, whole_document: bool = False) -> str:
    """The guid of the PlainTextSelection of an annotation (a span, or a document label
    written as a selection of the whole text)."""
    return str(uuid.uuid5(_NAMESPACE, ("document label\x00" if whole_document else "") + annotation_id))


def code_names(layers: tuple[Layer, ...]) -> dict[tuple[str, str], str]:
    """The code name of each (layer, label): the label's name, or "Layer: Label" where
    labels of two layers share a name (compared ignoring case, as some readers do)."""
    pairs = [(layer.name, label.name) for layer in layers for label in layer.labels]
    count = Counter(label.casefold() for _, label in pairs)
    names: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for layer, label in pairs:  # plain names first, so that a qualified one never takes one
        if count[label.casefold()] == 1:
            names[(layer, label)] = label
            used.add(label.casefold())
    for layer, label in pairs:
        if (layer, label) in names:
            continue
        base = candidate = f"{layer}: {label}"
        number = 2
        while candidate.casefold() in used:
            candidate, number = f"{base} ({number})", number + 1
        names[(layer, label)] = candidate
        used.add(candidate.casefold())
    return names


def _stamp(annotation: ExportAnnotation, fallback: str) -> str:
    """The annotation's creation time as xs:dateTime in UTC ("…Z"), which QualCoder needs on
    every selection; `fallback` if it has none."""
    try:
        made = datetime.fromisoformat(annotation.created)
    except (TypeError, ValueError):
        return fallback
    if made.tzinfo is None:
        made = made.replace(tzinfo=timezone.utc)
    return made.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _codes(parent: ET.Element, layers: tuple[Layer, ...], tag: str) -> None:
    """Layers as non-codable codes, their labels as codable children (nested by parent),
    named uniquely (code_names)."""
    names = code_names(layers)
    codes = ET.SubElement(parent, tag("Codes"))
    for layer in layers:
        top = ET.SubElement(codes, tag("Code"), guid=guid("layer", layer.name), name=layer.name, isCodable="false")
        if layer.description:
            ET.SubElement(top, tag("Description")).text = layer.description
        made: dict[str | None, ET.Element] = {None: top}
        pending = list(layer.labels)
        while pending:
            waiting = []
            for label in pending:
                if label.parent not in made:
                    waiting.append(label)
                    continue
                code = ET.SubElement(made[label.parent], tag("Code"), guid=guid("label", layer.name, label.name),
                                     name=names[(layer.name, label.name)], isCodable="true",
                                     color=label.colour.upper())
                if label.description:
                    ET.SubElement(code, tag("Description")).text = label.description
                made[label.name] = code
            if len(waiting) == len(pending):  # a parent that is not in the layer: attach to the layer
                made[waiting[0].parent] = top
            pending = waiting


def _tagger(namespace: str) -> Any:
    return lambda name: f"{{{namespace}}}{name}"


def _write_tree(root: ET.Element, handle: Any) -> None:
    ET.indent(root)
    ET.ElementTree(root).write(handle, encoding="utf-8", xml_declaration=True)


def codebook_element(codebook: Codebook, layers: tuple[Layer, ...]) -> ET.Element:
    """The .qdc document of the layers."""
    ET.register_namespace("", CODEBOOK_NS)
    tag = _tagger(CODEBOOK_NS)
    root = ET.Element(tag("CodeBook"), origin=PROGRAM)
    _codes(root, layers, tag)
    return root


def write_qdc(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write the codebook alone as a .qdc file (the documents are not read)."""
    with files.file(out).open("wb") as handle:
        _write_tree(codebook_element(context.codebook, context.layers), handle)
    _report_renamed(context)
    context.not_carried("label guidelines other than the description (include, exclude, examples, keys)",
                        sum(1 for layer in context.layers for label in layer.labels
                            if label.include or label.exclude or label.examples or label.key))


def _report_renamed(context: ExportContext) -> None:
    """Name, in the report, the codes qualified with their layer."""
    renamed = [name for (_, label), name in code_names(context.layers).items() if name != label]
    if renamed:
        context.remark("codes renamed so that every code name is unique (readers such as QualCoder require it): "
                       + "; ".join(renamed))


def _selection(source: ET.Element, tag: Any, item: ExportDocument, annotation: ExportAnnotation,
               now: str) -> None:
    """The PlainTextSelection of a span, or of the whole text for a document label, with
    the note as its Description and one Coding of the label's code."""
    whole = not annotation.is_span
    start, end = (0, len(item.text)) if whole else (annotation.start, annotation.end)
    user = guid("user", annotation.annotator)
    name = f"{annotation.layer}: {annotation.label}" if whole else item.text[start:end][:60]
    stamp = _stamp(annotation, now)
    selection = ET.SubElement(
        source, tag("PlainTextSelection"), guid=selection_guid(annotation.id, whole), name=name,
        startPosition=str(start), endPosition=str(end), creatingUser=user, creationDateTime=stamp)
    if annotation.note:
        ET.SubElement(selection, tag("Description")).text = annotation.note
    coding = ET.SubElement(selection, tag("Coding"), guid=annotation.id, creatingUser=user, creationDateTime=stamp)
    ET.SubElement(coding, tag("CodeRef"), targetGUID=guid("label", annotation.layer, annotation.label))


def write_qdpx(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write the .qdpx archive: project.qde and the texts under sources/."""
    ET.register_namespace("", PROJECT_NS)
    tag = _tagger(PROJECT_NS)
    root = ET.Element(tag("Project"), name=context.project_name, origin=PROGRAM)
    users = ET.SubElement(root, tag("Users"))
    for person in context.annotators:
        ET.SubElement(users, tag("User"), guid=guid("user", person.name), name=person.name)
    book = ET.SubElement(root, tag("CodeBook"))
    _codes(book, context.layers, tag)
    variables = ET.SubElement(root, tag("Variables"))
    for name in META_VARIABLES:
        ET.SubElement(variables, tag("Variable"), guid=guid("variable", name), name=name, typeOfVariable="Text")
    sources = ET.SubElement(root, tag("Sources"))
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    _report_renamed(context)
    with zipfile.ZipFile(files.file(out), "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in documents:
            document = item.document
            context.not_carried("relations between spans (the format has no links; JSONL, CSV, brat and Parquet carry them)", len(context.option("relations", {}).get(document.id, [])))
            source = ET.SubElement(sources, tag("TextSource"), guid=document.id, name=document.title,
                                   plainTextPath=f"internal://{document.id}.txt")
            archive.writestr(f"sources/{document.id}.txt", item.text.encode("utf-8"))
            for annotation in item.spans + item.labels:
                _selection(source, tag, item, annotation, now)
            if item.labels:
                context.remark("document labels: each is the coding of a selection covering the whole text "
                               "(readers that code text selections, QualCoder among them, read only those)")
            for name in META_VARIABLES:
                if getattr(document, name):
                    value = ET.SubElement(source, tag("VariableValue"))
                    ET.SubElement(value, tag("VariableRef"), targetGUID=guid("variable", name))
                    ET.SubElement(value, tag("TextValue")).text = getattr(document, name)
            context.not_carried("attribute values (QDA-XML codings have no attributes)",
                                sum(1 for a in item.annotations if a.attributes))
            context.not_carried("free metadata keys", len(document.meta))
        with archive.open("project.qde", "w") as handle:
            _write_tree(root, handle)


# ----- reading ----------------------------------------------------------------------------------


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child) == name]


def _clean_guid(value: str | None) -> str | None:
    return value.strip("{}").lower() if value else None


def read_qdpx(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read the text sources of a .qdpx project with their codings."""
    options = options or ReadOptions()
    path = Path(path)
    with SafeZip(path) as archive:
        qde = next((name for name in archive.names if name.lower().endswith(".qde")), None)
        if qde is None:
            raise BadInputError(path, "holds no project.qde (not a REFI-QDA project)")
        origin = f"{path}!{qde}"
        root = parse_xml(archive.read(qde), origin)
        if _local(root) != "Project":
            raise BadInputError(origin, f"the root element is {_local(root)}, not Project")
        users = {_clean_guid(user.get("guid")): user.get("name") or "" for group in _children(root, "Users")
                 for user in _children(group, "User")}
        codes: dict[str | None, tuple[str | None, str]] = {}
        for book in _children(root, "CodeBook"):
            for group in _children(book, "Codes"):
                for code in _children(group, "Code"):
                    _collect_codes(code, None, codes)
        variables = {_clean_guid(v.get("guid")): v.get("name") or "" for group in _children(root, "Variables")
                     for v in _children(group, "Variable")}
        documents = []
        for group in _children(root, "Sources"):
            for source in _children(group, "TextSource"):
                documents.append(_read_source(archive, source, origin, users, codes, variables, options))
    if not documents:
        raise BadInputError(path, "has no text sources")
    return documents


def _collect_codes(code: ET.Element, layer: str | None, found: dict[str | None, tuple[str | None, str]]) -> None:
    name = code.get("name") or ""
    codable = (code.get("isCodable") or "true").lower() == "true"
    if layer is None and not codable:  # a non-codable top-level code is a layer
        for child in _children(code, "Code"):
            _collect_codes(child, name, found)
        return
    ident = _clean_guid(code.get("guid"))
    found[ident] = (layer, _unqualified(layer, name, ident))
    for child in _children(code, "Code"):
        _collect_codes(child, layer, found)


def _unqualified(layer: str | None, name: str, ident: str | None) -> str:
    """A code name this program qualified with its layer ("Layer: Label", code_names) given
    back as the label's name; the guid, derived from layer and label, tells it apart from a
    label that is named so."""
    if layer is None or not name.startswith(f"{layer}: "):
        return name
    bare = name[len(layer) + 2 :]
    for label in (bare, re.sub(r" \(\d+\)$", "", bare)):
        if guid("label", layer, label) == ident:
            return label
    return name


def _read_source(archive: SafeZip, source: ET.Element, origin: str, users: dict, codes: dict, variables: dict,
                 options: ReadOptions) -> ImportedDocument:
    name = source.get("name") or ""
    where = f"{origin}, source {name or source.get('guid')}"
    content = _children(source, "PlainTextContent")
    text_path = source.get("plainTextPath") or ""
    if content:
        raw = content[0].text or ""
    elif text_path.startswith("internal://"):
        member = "sources/" + text_path[len("internal://"):]
        if member not in archive.names:
            raise BadInputError(where, f"its text {member} is missing from the archive")
        raw = decode_bytes(archive.read(member), f"{archive.path}!{member}")
    else:
        raise BadInputError(where, f"its text is outside the archive ({text_path or 'no path'})")
    spans: list[ImportedSpan] = []
    labels: list[ImportedLabel] = []
    for selection in _children(source, "PlainTextSelection"):
        try:
            start, end = int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
        except ValueError:
            raise BadInputError(where, f"selection {selection.get('guid')} has no whole-number positions") from None
        if not 0 <= start < end <= len(raw):
            raise BadInputError(where, f"selection {start}–{end} is outside the text (0–{len(raw)} characters)")
        note = "".join(d.text or "" for d in _children(selection, "Description"))
        for coding in _children(selection, "Coding"):
            layer, label = _code_of(coding, codes, where)
            who = users.get(_clean_guid(coding.get("creatingUser") or selection.get("creatingUser")))
            ident = _clean_guid(coding.get("guid"))
            if ident and _clean_guid(selection.get("guid")) == selection_guid(ident, whole_document=True):
                labels.append(ImportedLabel(label, layer, who or options.default_annotator, {}, note, ident))
                continue
            spans.append(ImportedSpan(start, end, label, layer, who or options.default_annotator, {}, note,
                                      _clean_guid(coding.get("guid"))))
    for coding in _children(source, "Coding"):  # a Coding of the source itself (earlier exports)
        layer, label = _code_of(coding, codes, where)
        who = users.get(_clean_guid(coding.get("creatingUser")))
        labels.append(ImportedLabel(label, layer, who or options.default_annotator, id=_clean_guid(coding.get("guid"))))
    text, spans = normalise_with_offsets(raw, spans)
    check_length(text, where)
    document = ImportedDocument(text=text, origin=where, title=name, spans=spans, labels=labels,
                                id=_clean_guid(source.get("guid")))
    meta = {}
    for value in _children(source, "VariableValue"):
        refs = _children(value, "VariableRef")
        key = variables.get(_clean_guid(refs[0].get("targetGUID"))) if refs else None
        texts = [child.text for child in value if _local(child) != "VariableRef"]
        if key and texts and texts[0]:
            meta[key] = texts[0]
    assign_metadata(document, meta)
    return document


def _code_of(coding: ET.Element, codes: dict, where: str) -> tuple[str | None, str]:
    refs = _children(coding, "CodeRef")
    target = _clean_guid(refs[0].get("targetGUID")) if refs else None
    if target not in codes:
        raise BadInputError(where, f"a coding refers to code {target}, which is not in the codebook")
    return codes[target]
