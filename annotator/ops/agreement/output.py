"""An agreement report as a plain-text table for the terminal and as one tidy CSV file."""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from ...formats.csv_export import neutralise_cell
from ...stats import Figure
from .report import FIGURE_NAMES, AgreementReport, exact, rounded, settings_text
from ...store.files import refuse_project_output

class _GuardedWriter(csv.DictWriter):
    """A DictWriter whose text cells cannot run as spreadsheet formulas (the guard of
    `export --format csv`; numbers, negative ones included, are kept as they are)."""

    def writerow(self, rowdict: Any) -> Any:
        """Write one row, each cell guarded."""
        return super().writerow({key: neutralise_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Any) -> None:
        """Write rows, each cell guarded."""
        for row in rowdicts:
            self.writerow(row)


CSV_COLUMNS = (
    "table", "document", "title", "label", "annotator_a", "annotator_b", "value_a", "value_b",
    "measure", "value", "undefined_reason", "n_units", "unit", "ci_low", "ci_high", "settings",
)
MAX_DOCUMENT_ROWS = 20


def _cell(figure: Figure | None, width: int = 8) -> str:
    """A figure's value in a table cell; "undef." when undefined, blank when not computed."""
    if figure is None:
        return " " * width
    return (rounded(figure.value) if figure.value is not None else "undef.").rjust(width)


def _describe(figure: Figure) -> str:
    """Value (or the reason it has none) plus the interval when a bootstrap ran."""
    if figure.value is None:
        return f"undefined: {figure.undefined_reason}"
    text = rounded(figure.value, 4)
    low, high = figure.details.get("ci_low"), figure.details.get("ci_high")
    if low is not None and high is not None:
        confidence = figure.details.get("confidence", 0.95)
        text += f"  [{confidence:.0%} CI {rounded(low, 4)} – {rounded(high, 4)}]"
    settings = settings_text(figure)
    return text + (f"  ({settings})" if settings else "")


LISTED_LABELS = 6  # a report names the labels it compared when there are this few


def format_report(report: AgreementReport, max_documents: int = MAX_DOCUMENT_ROWS) -> str:
    """A readable plain-text report: pooled figures, pairs, labels, worst documents, confusion."""
    what = f'attribute "{report.attribute}" of layer "{report.layer}"' if report.attribute else f'layer "{report.layer}"'
    lines = [
        f"Agreement on {what}",
        f"unit of analysis: {report.unit_description}",
        f"annotators: {', '.join(report.annotators) or 'none'}   documents: {len(report.documents)}"
        + (f"   level: {report.level}" if report.level != "nominal" else ""),
        f"labels compared: {len(report.labels)}"
        + (f" ({', '.join(report.labels)})" if len(report.labels) <= LISTED_LABELS else ""),
        *report.suggestion_lines(),
        "",
        "Pooled figures",
    ]
    for key, figure in report.figures.items():
        lines.append(f"  {FIGURE_NAMES.get(key, key):<32} {_describe(figure)}")
        lines.append(f"  {'':<32} n = {figure.n_units:,} units; {figure.details.get('unit', '')}")
    if not report.figures:
        lines.append("  (no measure computed)")
    if report.pairs:
        keys = [k for k in FIGURE_NAMES if any(k in p.figures for p in report.pairs)]
        lines += ["", "Pairs", "  " + f"{'pair':<24}" + "".join(f"{FIGURE_NAMES[k][:16]:>18}" for k in keys)]
        for pair in report.pairs:
            name = f"{pair.first} – {pair.second}"
            lines.append("  " + f"{name[:24]:<24}" + "".join(_cell(pair.figures.get(k), 18) for k in keys))
    if report.per_label:
        keys = [k for k in ("alpha", "percent", "alpha_u") if any(k in r.figures for r in report.per_label)]
        heads = "".join(f"{a[:8]:>9}" for a in report.annotators)
        lines += ["", "Per label (uses per annotator; alpha and percent on present/absent units)",
                  f"  {'label':<36}{heads}" + "".join(f"{k:>9}" for k in keys)]
        for row in report.per_label:
            used = "".join(f"{row.counts.get(a, 0):>9}" for a in report.annotators)
            lines.append(f"  {row.label[:36]:<36}{used}" + "".join(_cell(row.figures.get(k), 9) for k in keys))
    if report.per_document:
        keys = [k for k in ("alpha_u", "alpha", "percent", "f1_overlap")
                if any(k in r.figures for r in report.per_document)]
        shown = report.per_document[:max_documents]
        lines += ["", f"Per document, worst first by {report.sort_measure or 'position'}"
                  + (f" ({len(shown)} of {len(report.per_document)})" if len(shown) < len(report.per_document) else ""),
                  f"  {'document':<40}{'units':>8}" + "".join(f"{k:>11}" for k in keys)]
        for row in shown:
            values = ""
            if row.values is not None:
                values = "   " + ", ".join(f"{a}: {v if v is not None else '-'}" for a, v in row.values.items())
            lines.append(f"  {row.title[:40]:<40}{row.n_units:>8}"
                         + "".join(_cell(row.figures.get(k), 11) for k in keys) + values)
    for pair in report.pairs:
        if pair.confusion is None or not pair.confusion.any():
            continue
        used = [k for k in range(len(report.categories))
                if pair.confusion[k].any() or pair.confusion[:, k].any()]
        names = [str(report.categories[k]) for k in used]
        width = max(6, min(14, max(len(n) for n in names) + 1))
        lines += ["", f"Confusion matrix: {pair.first} (rows) x {pair.second} (columns); categories neither used are left out",
                  " " * (width + 2) + "".join(f"{n[:width - 1]:>{width}}" for n in names)]
        for k, name in zip(used, names):
            lines.append(f"  {name[:width - 1]:<{width}}" + "".join(f"{int(pair.confusion[k, c]):>{width}}" for c in used))
    if report.notes:
        lines += ["", "Notes"] + [f"  - {note}" for note in report.notes]
        for key, figure in report.figures.items():
            if "rule" in figure.details and key.startswith("f1"):
                lines.append(f"  - {FIGURE_NAMES[key]}: {figure.details['rule']}")
    return "\n".join(lines)


def scope_rows(report: AgreementReport) -> list[dict[str, object]]:
    """CSV rows (table "scope") naming what the figures cover: "labels_included" (value: how
    many; unit: which), one "label_included" row per label, "documents_computed" (value:
    how many documents are in the figures; unit: how many were left out and why)."""
    names = ", ".join(f"\u201c{label}\u201d" for label in report.labels)
    left_out = "; ".join(f"{n} left out: {why}" for why, n in report.left_out.items())
    rows: list[dict[str, object]] = [
        {"measure": "labels_included", "value": len(report.labels), "unit": f'labels of layer "{report.layer}": {names}'},
        *({"measure": "label_included", "label": label} for label in report.labels),
        {"measure": "documents_computed", "value": len(report.documents),
         "unit": "documents in the figures" + (f" ({left_out})" if left_out else "")},
    ]
    return [{"table": "scope", **row} for row in rows]


def suggestion_rows(report: AgreementReport) -> list[dict[str, object]]:
    """CSV rows (table "suggestions"), three per annotator (annotator_a): "annotations_compared",
    "annotations_from_suggestions" (of those compared, how many began as accepted suggestions)
    and "annotations_from_suggestions_left_out" (by --manual-only); unit says which applied.
    None when no compared annotation began as a suggestion and none was left out."""
    per = report.suggestions.get("per_annotator", {})
    if not report.suggestions.get("manual_only") and not any(n["from_suggestions"] for n in per.values()):
        return []
    unit = ("manual only: annotations that began as suggestions left out" if report.suggestions.get("manual_only")
            else "every annotation of the layer, those that began as suggestions included")
    rows: list[dict[str, object]] = []
    for name, counts in per.items():
        for key, measure in (("compared", "annotations_compared"), ("from_suggestions", "annotations_from_suggestions"),
                             ("left_out", "annotations_from_suggestions_left_out")):
            rows.append({"table": "suggestions", "annotator_a": name, "measure": measure,
                         "value": counts[key], "unit": unit})
    return rows


def write_csv(report: AgreementReport, path: str | Path, scope: list[dict[str, object]] | None = None) -> Path:
    """Write every table into one CSV file (long format, a "table" column says which).

    The "scope" rows come first (what the figures cover: `scope`, or scope_rows(report)),
    then the "suggestions" rows (suggestion_rows), then the tables: pooled, pairwise, per_label, per_document and confusion (one row per
    cell, measure "count").  One file keeps a report together; filter on "table" to split it.
    Values keep every digit (exact()): the CSV is for further computation, not for reading.
    Never written over a project open in this process or a file kept beside one; written
    under a temporary name beside `path` and moved there whole (a failure leaves the earlier file).
    """
    path = Path(path)
    refuse_project_output(path, what="agreement CSV")
    with _replaced_whole(path) as handle:
        writer = _GuardedWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(scope_rows(report) if scope is None else scope)
        writer.writerows(suggestion_rows(report))

        def put(table: str, key: str, figure: Figure, **where: object) -> None:
            low, high = figure.details.get("ci_low"), figure.details.get("ci_high")
            writer.writerow({
                "table": table, "measure": key, "value": "" if figure.value is None else exact(figure.value),
                "undefined_reason": figure.undefined_reason or "", "n_units": figure.n_units,
                "unit": figure.details.get("unit", report.unit_description),
                "ci_low": "" if low is None else exact(low), "ci_high": "" if high is None else exact(high),
                "settings": settings_text(figure), **where,
            })

        for key, figure in report.figures.items():
            put("pooled", key, figure)
        for pair in report.pairs:
            for key, figure in pair.figures.items():
                put("pairwise", key, figure, annotator_a=pair.first, annotator_b=pair.second)
        for row in report.per_label:
            for key, figure in row.figures.items():
                put("per_label", key, figure, label=row.label)
        for doc in report.per_document:
            for key, figure in doc.figures.items():
                put("per_document", key, figure, document=doc.document_id, title=doc.title)
        for pair in report.pairs:
            if pair.confusion is None:
                continue
            for r, first in enumerate(report.categories):
                for c, second in enumerate(report.categories):
                    writer.writerow({
                        "table": "confusion", "annotator_a": pair.first, "annotator_b": pair.second,
                        "value_a": str(first), "value_b": str(second), "measure": "count",
                        "value": int(pair.confusion[r, c]), "unit": report.unit_description,
                    })
    return path


@contextmanager
def _replaced_whole(path: Path) -> Iterator[TextIO]:
    """A text file to write that replaces `path` only once it is closed without error: made
    new beside it (mode 0666 less the umask, as open() makes), removed on any failure."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
        try:
            descriptor = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        break
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
