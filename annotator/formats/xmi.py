"""UIMA CAS XMI for INCEpTION, written and read with dkpro-cassis.

Export: a ZIP with `TypeSystem.xml` and one `.xmi` per document. Each layer becomes an
INCEpTION custom layer type `webanno.custom.<Layer>`: span layers derive from
uima.tcas.Annotation, document layers from uima.cas.AnnotationBase; features `label`,
`annotator`, `annotationId`, `note` and one feature per attribute (String, Integer or
Boolean). The layer's real name is kept in the type's description. Title, id, URL and
language go to DKPro's DocumentMetaData; on reading, a language that names none
("x-unspecified", INCEpTION's default) leaves the document the project's language.

Offsets: XMI counts UTF-16 code units (Java strings); cassis converts from and to Python
code points when it writes and reads, so an emoji stays one character here (tested).

Import: `.xmi` (with TypeSystem.xml beside it) or a `.zip` of them. Every XML part is
first parsed with defusedxml (no DTD, no entities) and the archive checked (no path
traversal, bounded size); only then does cassis read it. Types of this program are read
back exactly; other `webanno.custom.*` span or document types are read with their first
string feature as the label (the type's name when it has none). INCEpTION's built-in span
layers (named entity, part of speech, lemma, chunk, …: BUILTIN_SPAN_LAYERS, and their
subtypes) become layers named after them, their value the label and their other set
features attributes. Every other type (tokens and sentences, which spaCy recomputes,
dependencies, relations, chains) is counted by name for the import report. CR and CRLF line
ends are normalised with the offsets moved, as for every other format.
"""

from __future__ import annotations

import io
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
from annotator.model import Layer

LAYER_MARK = f"{PROGRAM} layer: "
ATTRIBUTE_MARK = f"{PROGRAM} attribute: "
METADATA_TYPE = "de.tudarmstadt.ukp.dkpro.core.api.metadata.type.DocumentMetaData"
FIXED_FEATURES = ("label", "annotator", "annotationId", "note")
_RESERVED = {"begin", "end", "sofa", *FIXED_FEATURES}
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


def _feature_names(layer: Layer) -> dict[str, str]:
    def make(name: str) -> str:
        """A UIMA feature name: letters, digits and "_", not one of the fixed features."""
        cleaned = safe_name(name, keep="_", fallback="attribute")
        cleaned = cleaned if cleaned[:1].isalpha() else "a_" + cleaned
        return cleaned + "_" if cleaned in _RESERVED else cleaned

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


def write_xmi(documents: Iterator[ExportDocument], context: ExportContext, out: Path, files: OutputFiles) -> None:
    """Write the ZIP of XMI files and their type system."""
    import zipfile

    from cassis import Cas

    typesystem, types, features = build_typesystem(context.layers)
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
            for annotation in item.annotations:
                layer_type = typesystem.get_type(types[annotation.layer])
                values: dict[str, Any] = {"label": annotation.label, "annotator": annotation.annotator,
                                          "annotationId": annotation.id, "note": annotation.note or None}
                for name, value in annotation.attributes.items():
                    values[features[annotation.layer][name]] = value
                if annotation.is_span:
                    values.update(begin=annotation.start, end=annotation.end)
                cas.add(layer_type(**values))
            others = [name for name in ("source", "author", "date") if getattr(document, name)]
            context.not_carried("document metadata other than title, id, URL and language",
                                len(others) + len(document.meta))
            name = f"{number:04d}-{safe_name(document.title, fallback='document')[:40]}.xmi"
            archive.writestr(name, cas.to_xmi())


# ----- reading ----------------------------------------------------------------------------------


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
    document = ReadDocument(text=text, origin=origin)
    meta: dict[str, Any] = {}
    for annotation in cas.select_all_fs():
        type_ = annotation.type
        if type_.name == METADATA_TYPE or _is_subtype(type_, METADATA_TYPE):
            language = annotation.get("language")
            meta.update(title=annotation.get("documentTitle"), url=annotation.get("documentUri"),
                        language=None if _unspecified(language) else language)
            document.id = annotation.get("documentId") or None
            continue
        builtin = _builtin(type_)
        if builtin is not None and _is_subtype(type_, "uima.tcas.Annotation"):
            _add_builtin(document, annotation, type_, builtin, annotator_default, origin)
        elif type_.name.startswith("webanno.custom.") and not _is_link_type(type_):
            _add_annotation(document, annotation, type_, annotator_default, origin)
        elif type_.name not in ("uima.cas.Sofa", "uima.tcas.DocumentAnnotation"):
            document.not_carried[f"{NOT_READ}\t{type_.name.rsplit('.', 1)[-1]}"] += 1
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
                 annotator: str | None, origin: str) -> None:
    """A span of one of INCEpTION's built-in layers: its value the label (its type's name
    when it has none, e.g. a named entity without a value), its other set features attributes."""
    layer, feature = builtin
    label = annotation.get(feature) if feature else None
    label = str(label) if label not in (None, "") else type_.name.rsplit(".", 1)[-1]
    start, end = annotation.begin, annotation.end
    if not (0 <= start < end <= len(document.text)):
        document.not_carried[f"{NOT_READ}\t{type_.name.rsplit('.', 1)[-1]} (empty or outside the text)"] += 1
        return
    attributes = _primitive_features(annotation, type_, feature)
    document.spans.append(ImportedSpan(start, end, label, layer, annotator, attributes))


def _is_subtype(type_: Any, name: str) -> bool:
    current = type_.supertype
    while current is not None:
        if current.name == name:
            return True
        current = current.supertype
    return False


def _add_annotation(document: ReadDocument, annotation: Any, type_: Any, annotator: str | None,
                    origin: str) -> None:
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
        return
    who = (annotation.get("annotator") if ours else None) or annotator
    ident = annotation.get("annotationId") if ours else None
    note = (annotation.get("note") if ours else None) or ""
    if _is_subtype(type_, "uima.tcas.Annotation"):
        start, end = annotation.begin, annotation.end
        if not (0 <= start < end <= len(document.text)):
            raise BadInputError(origin, f"annotation {start}–{end} ({label}) is outside the text or empty")
        document.spans.append(ImportedSpan(start, end, str(label), layer, who, attributes, note, ident))
    else:
        document.labels.append(ImportedLabel(str(label), layer, who, attributes, note, ident))
