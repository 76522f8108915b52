"""UIMA CAS XMI for INCEpTION, written and read with dkpro-cassis.

Export: a ZIP with `TypeSystem.xml` and one `.xmi` per document. Each layer becomes an
INCEpTION custom layer type `webanno.custom.<Layer>`: span layers derive from
uima.tcas.Annotation, document layers from uima.cas.AnnotationBase; features `label`,
`annotator`, `annotationId`, `note` and one feature per attribute (String, Integer or
Boolean). The layer's real name is kept in the type's description. Title, id, URL and
language go to DKPro's DocumentMetaData; on reading, a language that names none
("x-unspecified", INCEpTION's default) leaves the document the project's language.

Relations (issue 16): one type per relation type of the codebook, shaped as INCEpTION reads a
relation layer (its TypeSystemAnalysis): a direct subtype of uima.tcas.Annotation whose only
non-primitive features are `Governor` (the source span) and `Dependent` (the target), both of
one range, with begin/end those of the Dependent as INCEpTION writes them; features
`annotator`, `annotationId`, `note` and one per attribute. One type per relation type, not one
type with a `type` feature, because an INCEpTION relation layer is what a relation type is here:
its own features (attributes differ between types) and its own attachment (the range of
Governor/Dependent is the span layer's type when the relation type joins one layer, else
uima.tcas.Annotation, since INCEpTION attaches a relation layer to a single span layer).

Offsets: XMI counts UTF-16 code units (Java strings); cassis converts from and to Python
code points when it writes and reads, so an emoji stays one character here (tested).

Import: `.xmi` (with TypeSystem.xml beside it) or a `.zip` of them. Every XML part is
first parsed with defusedxml (no DTD, no entities) and the archive checked (no path
traversal, bounded size); only then does cassis read it. Types of this program are read
back exactly; other `webanno.custom.*` span or document types are read with their first
string feature as the label (the type's name when it has none). INCEpTION's built-in span
layers (named entity, part of speech, lemma, chunk, …: BUILTIN_SPAN_LAYERS, and their
subtypes) become layers named after them, their value the label and their other set
features attributes. A relation type (Governor and Dependent) between two spans read becomes
a relation: ours with its type, id, note and attributes, another's (an INCEpTION relation layer)
typed with the layer's name and its set features as attributes; the import adds a type the
codebook lacks with --add-labels, else counts it (ops/import_links.py). Every other type (tokens
and sentences, which spaCy recomputes, dependencies between tokens, relations whose ends are
not read, chains) is counted by name for the import report. CR and CRLF line
ends are normalised with the offsets moved, as for every other format.
"""

from __future__ import annotations

import dataclasses
import io
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from annotator.errors import BadInputError
from annotator.formats.base import MAX_FILE_BYTES, ImportedDocument, ImportedLabel, ImportedSpan, ReadOptions
from annotator.formats.interchange import (
    PROGRAM,
    ExportContext,
    ExportDocument,
    OutputFiles,
    safe_name,
    unique_names,
)
from annotator.formats.safe_archive import SafeZip, parse_xml
from annotator.formats.text_io import (
    ReadDocument,
    assign_metadata,
    check_length,
    first_line_title,
    normalise_with_offsets,
    read_file_bytes,
)
from annotator.model import Layer, RelationType

LAYER_MARK = f"{PROGRAM} layer: "
RELATION_MARK = f"{PROGRAM} relation: "
ATTRIBUTE_MARK = f"{PROGRAM} attribute: "
METADATA_TYPE = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
FIXED_FEATURES = ("label", "annotator", "annotationId", "note")
_RESERVED = {"begin", "end", "sofa", *FIXED_FEATURES}
GOVERNOR, DEPENDENT = "Governor", "Dependent"  # INCEpTION's names for a relation's source and target
RELATION_FEATURES = ("annotator", "annotationId", "note")
_RELATION_RESERVED = _RESERVED | {GOVERNOR, DEPENDENT}
_RANGE = {"int": "uima.cas.Integer", "bool": "uima.cas.Boolean"}
_DKPRO = "de.tudarmstadt.ukp.dkpro.core.api."
# INCEpTION's built-in span layers: UIMA type -> (layer name, the feature holding the label).
BUILTIN_SPAN_LAYERS: dict[str, tuple[str, str]] = {
    _DKPRO + "ner.type.NamedEntity": ("Named entity", "value"),
    _DKPRO + "lexmorph.type.pos.POS": ("Part of speech", "PosValue"),
    _DKPRO + "segmentation.type.Lemma": ("Lemma", "value"),
    _DKPRO + "segmentation.type.Stem": ("Stem", "value"),
    _DKPRO + "lexmorph.type.morph.MorphologicalFeatures": ("Morphological features", "value"),
    _DKPRO + "syntax.type.chunk.Chunk": ("Chunk", "chunkValue"),
    _DKPRO + "coref.type.CoreferenceLink": ("Coreference", "referenceType"),
    _DKPRO + "semantics.type.SemPred": ("Semantic predicate", "category"),
    _DKPRO + "semantics.type.SemArg": ("Semantic argument", ""),
    _DKPRO + "transform.type.SofaChangeAnnotation": ("Orthography correction", "value"),
    _DKPRO + "anomaly.type.GrammarAnomaly": ("Grammar anomaly", "description"),
    _DKPRO + "anomaly.type.SpellingAnomaly": ("Spelling anomaly", "description"),
    "de.tudarmstadt.ukp.clarin.webanno.api.type.SurfaceForm": ("Surface form", "value"),
}
# Counted under this heading, one entry per type, for the import report.
NOT_READ = "XMI types not read"
_PRIMITIVE = ("uima.cas.String", "uima.cas.Integer", "uima.cas.Boolean", "uima.cas.Float", "uima.cas.Double",
              "uima.cas.Long", "uima.cas.Short", "uima.cas.Byte")


def _type_names(layers: tuple[Layer, ...]) -> dict[str, str]:
    camel = unique_names([layer.name for layer in layers],
                         lambda name: "".join(part[:1].upper() + part[1:] for part in safe_name(name).split("_")))
    return {name: "webanno.custom." + (value if value[:1].isalpha() else "L" + value) for name, value in camel.items()}


def _feature_names(layer: Layer, reserved: set[str] = _RESERVED) -> dict[str, str]:
    def make(name: str) -> str:
        """A UIMA feature name: letters, digits and "_", not one of the fixed features."""
        cleaned = safe_name(name, keep="_", fallback="attribute")
        cleaned = cleaned if cleaned[:1].isalpha() else "a_" + cleaned
        return cleaned + "_" if cleaned in reserved else cleaned

    return unique_names([a.name for a in layer.attributes], make)


def build_typesystem(layers: tuple[Layer, ...]) -> tuple[Any, dict[str, str], dict[str, dict[str, str]]]:
    """The type system of the layers; also type name by layer and feature name by attribute."""
    from cassis import TypeSystem

    typesystem = TypeSystem()
    types = _type_names(layers)
    features: dict[str, dict[str, str]] = {}
    for layer in layers:
        supertype = "uima.tcas.Annotation" if layer.kind == "span" else "uima.cas.AnnotationBase"
        made = typesystem.create_type(name=types[layer.name], supertypeName=supertype,
                                      description=LAYER_MARK + layer.name)
        for name in FIXED_FEATURES:
            typesystem.create_feature(domainType=made, name=name, rangeType="uima.cas.String")
        features[layer.name] = _feature_names(layer)
        for attribute in layer.attributes:
            typesystem.create_feature(domainType=made, name=features[layer.name][attribute.name],
                                      rangeType=_RANGE.get(attribute.type, "uima.cas.String"),
                                      description=ATTRIBUTE_MARK + attribute.name)
    metadata = typesystem.create_type(name=METADATA_TYPE, supertypeName="uima.tcas.DocumentAnnotation")
    for name in ("documentTitle", "documentId", "documentUri"):
        typesystem.create_feature(domainType=metadata, name=name, rangeType="uima.cas.String")
    return typesystem, types, features


def _relation_type_names(kinds: tuple[RelationType, ...], taken: set[str]) -> dict[str, str]:
    """A `webanno.custom.*` type name per relation type, none a layer's (`taken`)."""
    camel = unique_names([kind.name for kind in kinds],
                         lambda name: "".join(part[:1].upper() + part[1:] for part in safe_name(name).split("_")))
    names: dict[str, str] = {}
    used = {name.lower() for name in taken}
    for kind, value in camel.items():
        base = "webanno.custom." + (value if value[:1].isalpha() else "R" + value)
        candidate, number = (base + "Relation" if base.lower() in used else base), 2
        while candidate.lower() in used:
            candidate, number = f"{base}Relation{number}", number + 1
        used.add(candidate.lower())
        names[kind] = candidate
    return names


def add_relation_types(typesystem: Any, kinds: tuple[RelationType, ...], layer_types: dict[str, str],
                       span_layers: set[str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Declare one INCEpTION relation layer per relation type; returns the type name and the
    feature name by attribute of each relation type."""
    types = _relation_type_names(kinds, set(layer_types.values()))
    features: dict[str, dict[str, str]] = {}
    for kind in kinds:
        made = typesystem.create_type(name=types[kind.name], supertypeName="uima.tcas.Annotation",
                                      description=RELATION_MARK + kind.name)
        joined = set(kind.source_layers) | set(kind.target_layers)
        single = kind.source_layers and kind.target_layers and len(joined) == 1 and joined <= span_layers
        ends = layer_types[next(iter(joined))] if single else "uima.tcas.Annotation"
        for name in (GOVERNOR, DEPENDENT):
            typesystem.create_feature(domainType=made, name=name, rangeType=ends)
        for name in RELATION_FEATURES:
            typesystem.create_feature(domainType=made, name=name, rangeType="uima.cas.String")
        features[kind.name] = _feature_names(Layer(kind.name, attributes=kind.attributes), _RELATION_RESERVED)
        for attribute in kind.attributes:
            typesystem.create_feature(domainType=made, name=features[kind.name][attribute.name],
                                      rangeType=_RANGE.get(attribute.type, "uima.cas.String"),
                                      description=ATTRIBUTE_MARK + attribute.name)
    return types, features


def write_xmi(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write the ZIP of XMI files and their type system."""
    import zipfile

    from cassis import Cas

    typesystem, types, features = build_typesystem(context.layers)
    span_layers = {layer.name for layer in context.layers if layer.kind == "span"}
    relation_types, relation_features = add_relation_types(typesystem, context.codebook.relations, types,
                                                           span_layers)
    links_by_document = context.option("relations", {})
    target = files.file(out)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("TypeSystem.xml", typesystem.to_xml())
        for number, item in enumerate(documents, start=1):
            cas = Cas(typesystem=typesystem)
            cas.sofa_string = item.text
            document = item.document
            metadata = typesystem.get_type(METADATA_TYPE)
            cas.add(metadata(begin=0, end=len(item.text), documentTitle=document.title, documentId=document.id,
                             documentUri=document.url or None, language=document.language or None))
            written: dict[str, Any] = {}  # annotation id -> its span annotation in the CAS
            for annotation in item.annotations:
                layer_type = typesystem.get_type(types[annotation.layer])
                values: dict[str, Any] = {"label": annotation.label, "annotator": annotation.annotator,
                                          "annotationId": annotation.id, "note": annotation.note or None}
                for name, value in annotation.attributes.items():
                    values[features[annotation.layer][name]] = value
                if annotation.is_span:
                    values.update(begin=annotation.start, end=annotation.end)
                made = layer_type(**values)
                cas.add(made)
                if annotation.is_span:
                    written[annotation.id] = made
            for link in links_by_document.get(document.id, []):
                _add_relation(cas, typesystem, link, written, relation_types, relation_features, context)
            others = [name for name in ("source", "author", "date") if getattr(document, name)]
            context.not_carried("document metadata other than title, id, URL and language",
                                len(others) + len(document.meta))
            name = f"{number:04d}-{safe_name(document.title, fallback='document')[:40]}.xmi"
            archive.writestr(name, cas.to_xmi())


def _add_relation(cas: Any, typesystem: Any, link: dict[str, Any], written: dict[str, Any], types: dict[str, str],
                  features: dict[str, dict[str, str]], context: ExportContext) -> None:
    """One relation as INCEpTION stores it: Governor and Dependent the span annotations, its
    offsets the Dependent's."""
    governor, dependent = written.get(link["from"]), written.get(link["to"])
    if governor is None or dependent is None or link["type"] not in types:
        context.not_carried("relations with an end not exported (another layer)", 1)
        return
    values: dict[str, Any] = {GOVERNOR: governor, DEPENDENT: dependent, "begin": dependent.begin,
                              "end": dependent.end, "annotator": link["annotator"], "annotationId": link["id"],
                              "note": link.get("note") or None}
    for name, value in (link.get("attributes") or {}).items():
        if name in features[link["type"]]:
            values[features[link["type"]][name]] = value
        else:
            context.not_carried("relation attributes their type no longer defines", 1)
    cas.add(typesystem.get_type(types[link["type"]])(**values))


# ----- reading ----------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class XmiDocument(ReadDocument):
    """A CAS read: a ReadDocument with the relations its relation types give between its spans
    (ends by the spans' ids; "lenient": the import counts what it cannot store, import_links)."""

    relations: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _load_typesystem(data: bytes, origin: str) -> Any:
    from cassis import load_typesystem

    parse_xml(data, origin)  # refuses DTDs, entities and malformed XML, naming the line
    try:
        return load_typesystem(io.BytesIO(data))
    except Exception as error:  # cassis raises many kinds for a bad type system
        raise BadInputError(origin, f"is not a UIMA type system ({error})") from None


def read_xmi(path: Path, options: ReadOptions | None = None) -> list[ImportedDocument]:
    """Read an .xmi file (TypeSystem.xml beside it) or a .zip holding XMI files and a type system."""
    options = options or ReadOptions()
    path = Path(path)
    with open(path, "rb") as handle:
        is_zip = handle.read(4) == b"PK\x03\x04"
    if is_zip:  # our own export (a .zip, whatever its name) or any zipped CAS export
        with SafeZip(path) as archive:
            systems = [name for name in archive.names if PurePosixPath(name).name.lower() == "typesystem.xml"]
            parts = sorted(name for name in archive.names if name.lower().endswith(".xmi"))
            if not systems or not parts:
                raise BadInputError(path, "holds no TypeSystem.xml and .xmi files (not a UIMA CAS XMI export)")
            typesystem = _load_typesystem(archive.read(systems[0]), f"{path}!{systems[0]}")
            return [_read_one(archive.read(name), f"{path}!{name}", typesystem, options, name) for name in parts]
    candidates = [path.with_name(name) for name in ("TypeSystem.xml", "typesystem.xml")]
    found = next((candidate for candidate in candidates if candidate.is_file()), None)
    if found is None:
        raise BadInputError(path, "has no TypeSystem.xml beside it")
    typesystem = _load_typesystem(read_file_bytes(found, 64 * 1024 * 1024), str(found))
    return [_read_one(read_file_bytes(path, MAX_FILE_BYTES), str(path), typesystem, options, path.name)]


def _read_one(data: bytes, origin: str, typesystem: Any, options: ReadOptions, member: str) -> ImportedDocument:
    from cassis import load_cas_from_xmi

    parse_xml(data, origin)
    try:
        cas = load_cas_from_xmi(io.BytesIO(data), typesystem=typesystem)
    except Exception as error:  # cassis raises many kinds for a bad XMI
        raise BadInputError(origin, f"is not a readable UIMA CAS XMI ({error})") from None
    text = cas.sofa_string or ""
    parts = PurePosixPath(member).parts
    # INCEpTION's project export keeps one CAS per user: annotation/<document>/<user>.xmi
    default = PurePosixPath(member).stem if len(parts) >= 3 and parts[-3] == "annotation" else None
    annotator_default = options.default_annotator or default
    document = XmiDocument(text=text, origin=origin)
    meta: dict[str, Any] = {}
    spans: dict[int, ImportedSpan] = {}  # xmi:id of a span annotation read -> the span
    links: list[Any] = []
    for annotation in cas.select_all_fs():
        type_ = annotation.type
        if _is_relation_type(type_):
            links.append(annotation)
            continue
        if type_.name == METADATA_TYPE or _is_subtype(type_, METADATA_TYPE):
            language = annotation.get("language")
            meta.update(title=annotation.get("documentTitle"), url=annotation.get("documentUri"),
                        language=None if _unspecified(language) else language)
            document.id = annotation.get("documentId") or None
            continue
        builtin = _builtin(type_)
        read: ImportedSpan | None = None
        if builtin is not None and _is_subtype(type_, "uima.tcas.Annotation"):
            read = _add_builtin(document, annotation, type_, builtin, annotator_default, origin)
        elif type_.name.startswith("webanno.custom.") and not _is_link_type(type_):
            read = _add_annotation(document, annotation, type_, annotator_default, origin)
        elif type_.name not in ("uima.cas.Sofa", "uima.tcas.DocumentAnnotation"):
            document.not_carried[f"{NOT_READ}\t{type_.name.rsplit('.', 1)[-1]}"] += 1
        if read is not None:
            spans[annotation.xmiID] = read
    for link in links:
        _add_relation_read(document, link, spans)
    text, document.spans = normalise_with_offsets(text, document.spans)
    document.text = text
    check_length(text, origin)
    assign_metadata(document, {key: value for key, value in meta.items() if value})
    document.title = document.title or first_line_title(text)
    return document


# What DKPro/INCEpTION (and others) write when a document's language was not set: the
# document then takes the project's language.
_UNSPECIFIED_LANGUAGES = frozenset({"x-unspecified", "x-unknown", "unknown", "unspecified", "und", "none"})


def _unspecified(language: Any) -> bool:
    """True for a DocumentMetaData language that names no language ("x-unspecified", INCEpTION's default)."""
    return not isinstance(language, str) or language.strip().lower() in _UNSPECIFIED_LANGUAGES


def _builtin(type_: Any) -> tuple[str, str] | None:
    """The built-in layer of a type or of the nearest supertype that is one, or None."""
    current = type_
    while current is not None:
        if current.name in BUILTIN_SPAN_LAYERS:
            return BUILTIN_SPAN_LAYERS[current.name]
        current = current.supertype
    return None


def _is_relation_type(type_: Any) -> bool:
    """True for a relation layer as INCEpTION reads one: Governor and Dependent point at annotations."""
    ranges = {feature.name: feature.rangeType.name for feature in type_.all_features}
    return all(ranges.get(name) not in (None, *_PRIMITIVE) for name in (GOVERNOR, DEPENDENT))


def _add_relation_read(document: XmiDocument, link: Any, spans: dict[int, ImportedSpan]) -> None:
    """A relation between two spans read (ours with its type, id, note and attributes; another
    tool's typed with its layer's name, its set features attributes); others counted by name."""
    type_ = link.type
    short = type_.name.rsplit(".", 1)[-1]
    ends = [link.get(GOVERNOR), link.get(DEPENDENT)]
    if any(end is None for end in ends):
        document.not_carried[f"{NOT_READ}\t{short} (an end not set)"] += 1
        return
    source, target = spans.get(ends[0].xmiID), spans.get(ends[1].xmiID)
    if source is None or target is None:  # e.g. a dependency between tokens
        document.not_carried[f"{NOT_READ}\t{short}"] += 1
        return
    description = type_.description or ""
    ours = description.startswith(RELATION_MARK)
    attributes: dict[str, Any] = {}
    if ours:
        for feature in type_.features:
            value = link.get(feature.name)
            if (feature.description or "").startswith(ATTRIBUTE_MARK) and value is not None:
                attributes[feature.description[len(ATTRIBUTE_MARK):]] = value
    else:
        skip = {GOVERNOR, DEPENDENT}
        attributes = {name: value if isinstance(value, (str, int)) else str(value)
                      for name, value in _primitive_features(link, type_, "").items() if name not in skip}
    for end in (source, target):
        end.id = end.id or str(uuid.uuid4())
    document.relations.append({
        "type": description[len(RELATION_MARK):] if ours else short, "from": source.id, "to": target.id,
        "attributes": attributes, "note": (link.get("note") if ours else None) or "",
        "id": (link.get("annotationId") if ours else None) or None, "number": link.xmiID,
        "lenient": "XMI relations"})


def _is_link_type(type_: Any) -> bool:
    """True for a custom relation (Governor/Dependent) or chain type, which holds no span label."""
    names = {feature.name for feature in type_.all_features}
    return {"Governor", "Dependent"} <= names or "first" in names or "next" in names


def _primitive_features(annotation: Any, type_: Any, skip: str) -> dict[str, Any]:
    """The set primitive features of an annotation other than `skip`, as attributes."""
    values = {}
    for feature in type_.all_features:
        if feature.name in ("begin", "end", "sofa", skip) or feature.rangeType.name not in _PRIMITIVE:
            continue
        value = annotation.get(feature.name)
        if value is not None and value != "":
            values[feature.name] = value
    return values


def _add_builtin(document: ReadDocument, annotation: Any, type_: Any, builtin: tuple[str, str],
                 annotator: str | None, origin: str) -> ImportedSpan | None:
    """A span of one of INCEpTION's built-in layers: its value the label (its type's name
    when it has none, e.g. a named entity without a value), its other set features attributes."""
    layer, feature = builtin
    label = annotation.get(feature) if feature else None
    label = str(label) if label not in (None, "") else type_.name.rsplit(".", 1)[-1]
    start, end = annotation.begin, annotation.end
    if not (0 <= start < end <= len(document.text)):
        document.not_carried[f"{NOT_READ}\t{type_.name.rsplit('.', 1)[-1]} (empty or outside the text)"] += 1
        return None
    attributes = _primitive_features(annotation, type_, feature)
    document.spans.append(ImportedSpan(start, end, label, layer, annotator, attributes))
    return document.spans[-1]


def _is_subtype(type_: Any, name: str) -> bool:
    current = type_.supertype
    while current is not None:
        if current.name == name:
            return True
        current = current.supertype
    return False


def _add_annotation(document: ReadDocument, annotation: Any, type_: Any, annotator: str | None,
                    origin: str) -> ImportedSpan | None:
    """A span or document label of a custom layer (ours, or another tool's); returns the span."""
    description = type_.description or ""
    ours = description.startswith(LAYER_MARK)
    layer = description[len(LAYER_MARK):] if ours else type_.name.rsplit(".", 1)[1]
    own = [feature for feature in type_.features if feature.name not in ("begin", "end", "sofa")]
    attributes: dict[str, Any] = {}
    if ours:
        label = annotation.get("label")
        for feature in own:
            if (feature.description or "").startswith(ATTRIBUTE_MARK):
                value = annotation.get(feature.name)
                if value is not None:
                    attributes[feature.description[len(ATTRIBUTE_MARK):]] = value
    else:  # another tool's layer: the first string feature with a value is the label, the others attributes
        named = next((f.name for f in own if f.rangeType.name == "uima.cas.String" and annotation.get(f.name)), "")
        label = annotation.get(named) if named else layer  # a layer without features: its name
        attributes = _primitive_features(annotation, type_, named)
    if not label:
        return None
    who = (annotation.get("annotator") if ours else None) or annotator
    ident = annotation.get("annotationId") if ours else None
    note = (annotation.get("note") if ours else None) or ""
    if _is_subtype(type_, "uima.tcas.Annotation"):
        start, end = annotation.begin, annotation.end
        if not (0 <= start < end <= len(document.text)):
            raise BadInputError(origin, f"annotation {start}–{end} ({label}) is outside the text or empty")
        document.spans.append(ImportedSpan(start, end, str(label), layer, who, attributes, note, ident))
        return document.spans[-1]
    document.labels.append(ImportedLabel(str(label), layer, who, attributes, note, ident))
    return None
