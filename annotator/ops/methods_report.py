"""The methods report of a reliability round: what a paper's methods section must state.

`methods_report(project, round_name)` gathers the study design (the sample drawn by
ops/assignments.py: size, strata, seed, coders, documents per coder, overlap achieved), the
round's codebook version with its label list (the copy stored when the round started), the
unit of analysis per layer and every agreement figure with its interval, n, unit and
definition, computed by the same `compute_agreement` as `annotator agreement --round` (the
figures are equal, tested), and a paragraph of methods text to adapt. `render_markdown` and
`render_html` write it out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ..errors import AnnotatorError
from ..project import Project
from .agreement import AgreementRequest, compute_agreement
from .agreement.report import FIGURE_NAMES, rounded, settings_text
from .assignments import draw_design, latest_design, progress
from .relabel import describe_migration, rounds_with_migrations
from .rounds import get_round, round_request

__all__ = ["MethodsReport", "methods_report", "render_html", "render_markdown"]

DEFAULT_BOOTSTRAP = 1000


@dataclass
class MethodsReport:
    """Everything the report states, JSON-ready in `as_dict`."""

    round: dict[str, Any]
    codebook: list[dict[str, Any]]
    design: dict[str, Any] | None
    overlap: dict[str, Any]
    layers: list[dict[str, Any]] = field(default_factory=list)
    paragraph: str = ""
    # Label migrations (rename, merge, split) logged since the previous round started, each
    # with "text" saying where it falls ("between round A and B: …"); ops/relabel.py.
    migrations: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"round": self.round, "codebook": self.codebook, "design": self.design, "overlap": self.overlap,
                "layers": self.layers, "migrations": self.migrations, "paragraph": self.paragraph}


def methods_report(project: Project, round_name: str, layers: tuple[str, ...] = (),
                   bootstrap: int = DEFAULT_BOOTSTRAP) -> MethodsReport:
    """The report of round `round_name` on `layers` (default: every layer coded by two or more
    annotators in the round's documents), alpha's interval from `bootstrap` resamples."""
    chosen = get_round(project, round_name)
    names = [layer.name for layer in project.codebook.get().layers]
    for name in layers:
        if name not in names:
            raise AnnotatorError(f'no layer "{name}" in the codebook (layers: {", ".join(names)})')
    info: dict[str, Any] = {}
    results = []
    for name in layers or names:
        request, info = round_request(project, round_name, AgreementRequest(layer=name, bootstrap=bootstrap))
        try:
            report = compute_agreement(project, request)
        except AnnotatorError as error:
            if layers:
                raise
            results.append({"layer": name, "skipped": str(error)})
            continue
        if len(report.annotators) < 2:
            if not layers:
                continue
            results.append({"layer": name, "skipped": "fewer than two annotators coded it in this round"})
            continue
        results.append({"layer": name, "kind": report.layer_kind, "unit": report.unit,
                        "unit_description": report.unit_description, "annotators": list(report.annotators),
                        "documents": len(report.documents), "suggestions": suggestion_share(report.suggestions),
                        "figures": {key: figure.to_dict() for key, figure in report.figures.items()}})
    if not info:
        _, info = round_request(project, round_name, AgreementRequest(layer=names[0]))
    info = {**info, "scope": chosen.scope, "started_by": chosen.started_by}
    figures = progress(project)
    overlap = {"sampled": figures.sampled, "coders": figures.coders, "overlap_done": figures.overlap_done,
               "per_annotator": {n: {"done": d, "assigned": a} for n, (d, a) in figures.per_annotator.items()}}
    design = (draw_design(project, chosen.draw_id) if chosen.draw_id else None) or latest_design(project)
    made = MethodsReport(info, chosen.codebook, design, overlap, results,
                         migrations=_migrations_before(project, chosen.name))
    made.paragraph = _paragraph(made)
    return made


def _migrations_before(project: Project, round_name: str) -> list[dict[str, Any]]:
    """The label migrations logged after the previous round started and before `round_name`."""
    grouped = rounds_with_migrations(project)
    for index, (each, _) in enumerate(grouped):
        if each is not None and each.name == round_name:
            previous, migrations = grouped[index - 1]
            return [{**m.as_dict(), "text": describe_migration(m, previous.name if previous else None, round_name)}
                    for m in migrations]
    return []


def suggestion_share(suggestions: dict[str, Any]) -> dict[str, Any]:
    """Of the annotations compared, how many began as accepted suggestions, per annotator and in
    all (agreement's "suggestions"), with the share; {} when agreement reported none."""
    per = suggestions.get("per_annotator") or {}
    if not per:
        return {}
    compared = sum(n["compared"] for n in per.values())
    began = sum(n["from_suggestions"] for n in per.values())
    return {"manual_only": bool(suggestions.get("manual_only")), "compared": compared, "from_suggestions": began,
            "share": began / compared if compared else None, "per_annotator": per}


def _suggestion_text(share: dict[str, Any]) -> str:
    """One sentence on the compared annotations that began as suggestions."""
    if share["from_suggestions"] == 0:
        return f"none of the {share['compared']} annotations compared began as a suggestion"
    return (f"{share['from_suggestions']} of the {share['compared']} annotations compared "
            f"({share['share']:.1%}) began as suggestions accepted from a codebook rule or a model ("
            + ", ".join(f"{name} {n['from_suggestions']} of {n['compared']}" for name, n in share["per_annotator"].items())
            + ")")


def _paragraph(report: MethodsReport) -> str:
    """Methods text a researcher can adapt."""
    design, rnd = report.design, report.round
    parts = []
    if design:
        strata = f", stratified by {design['by']} ({len(design['strata'])} strata)" if design["by"] else ""
        parts.append(
            f"A reliability sample of {design['sample_size']} of {design['documents']} documents was drawn at "
            f"random{strata} (seed {design['seed']}); each sampled document was coded independently by "
            f"{design['coders']} of {len(design['annotators'])} coders, and every other document by one.")
    parts.append(
        f'In round "{rnd["name"]}", {rnd["documents"]} documents were coded with version '
        f'{rnd["codebook_version"]} of the codebook (fingerprint {rnd["codebook_fingerprint"]}).')
    for layer in report.layers:
        alpha = layer.get("figures", {}).get("alpha")
        if alpha is None or alpha["value"] is None:
            continue
        details = alpha["details"]
        interval = ""
        if details.get("ci_low") is not None:
            interval = (f", {details.get('confidence', 0.95):.0%} CI [{rounded(details['ci_low'])}, "
                        f"{rounded(details['ci_high'])}], {details.get('bootstrap_method', 'units')} bootstrap")
        parts.append(f"For {layer['layer']}, Krippendorff's alpha (nominal) over {alpha['n_units']} units "
                     f"({layer['unit_description']}) was {rounded(alpha['value'])}{interval}.")
        if layer.get("suggestions"):
            said = _suggestion_text(layer["suggestions"])
            parts.append(said[:1].upper() + said[1:] + ".")
    parts.append("Values of 0.8 or more were taken as reliable, 0.667 as the floor for tentative "
                 "conclusions (Krippendorff 2004).")
    return " ".join(parts)


def _figure_line(key: str, figure: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """Name, value, interval, n units, definition of one figure."""
    details = figure["details"]
    value = "undefined: " + str(figure["undefined_reason"]) if figure["value"] is None else rounded(figure["value"])
    interval = ""
    if details.get("ci_low") is not None:
        interval = f"{rounded(details['ci_low'])} – {rounded(details['ci_high'])}"
    definition = str(details.get("definition", ""))
    return FIGURE_NAMES.get(key, key), value, interval, str(figure["n_units"]), definition


def render_markdown(report: MethodsReport) -> str:
    """The report as Markdown."""
    rnd, design = report.round, report.design
    lines = [f'# Methods report: round "{rnd["name"]}"', "", "## Study design", ""]
    if design:
        lines += [f"- sample: {design['sample_size']} of {design['documents']} documents"
                  + (f", stratified by {design['by']}" if design["by"] else "") + f"; seed {design['seed']}",
                  f"- coders per sampled document: {design['coders']}; coders: {', '.join(design['annotators'])}"]
        for name, stratum in design["strata"].items():
            lines.append(f"  - {name}: {stratum['sampled']} of {stratum['documents']}")
        for name, count in design["assigned_per_annotator"].items():
            lines.append(f"- {name}: {count} documents ({design['sampled_per_annotator'][name]} in the sample)")
    else:
        lines.append("- no sample was drawn with `annotator assign`")
    overlap = report.overlap
    lines += [f"- overlap achieved: {overlap['overlap_done']} of {overlap['sampled']} sampled documents done by "
              f"{overlap['coders']} coders", "",
              "## Round and codebook", "",
              f"- round: {rnd['name']} ({rnd['scope']}, {rnd['documents']} documents), started "
              f"{rnd['started_at'][:10]}" + (f", closed {rnd['closed_at'][:10]}" if rnd["closed_at"] else ", open"),
              f"- codebook version {rnd['codebook_version']} (fingerprint {rnd['codebook_fingerprint']})", ""]
    for layer in report.codebook:
        kind = layer["kind"] if layer["kind"] == "document" else f"{layer['kind']}, {layer['granularity']}"
        lines.append(f"- **{layer['name']}** ({kind}): "
                     + ", ".join(label["name"] for label in layer["labels"]))
    if report.migrations:
        lines += ["", "## Codebook changes since the previous round", ""]
        lines += [f"- {m['text']}" for m in report.migrations]
    lines += ["", "## Agreement", ""]
    for layer in report.layers:
        lines.append(f"### {layer['layer']}")
        lines.append("")
        if "skipped" in layer:
            lines += [f"not computed: {layer['skipped']}", ""]
            continue
        lines += [f"unit of analysis: {layer['unit_description']}; annotators: {', '.join(layer['annotators'])}; "
                  f"documents: {layer['documents']}", ""]
        if layer.get("suggestions"):
            lines += ["began as suggestions: " + _suggestion_text(layer["suggestions"]), ""]
        lines += [
                  "| measure | value | 95% CI | n units | definition |", "|---|---|---|---|---|"]
        for key, figure in layer["figures"].items():
            name, value, interval, n, definition = _figure_line(key, figure)
            settings = settings_text_of(figure)
            lines.append(f"| {name} | {value} | {interval} | {n} | {definition}{'; ' + settings if settings else ''} |")
        lines.append("")
    lines += ["## Methods text to adapt", "", report.paragraph, ""]
    return "\n".join(lines)


def settings_text_of(figure: dict[str, Any]) -> str:
    """settings_text of a figure given as its dict."""
    from ..stats import Figure

    return settings_text(Figure(figure["measure"], figure["value"], figure["undefined_reason"], figure["n_units"],
                                figure["n_coders"], figure["details"]))


def render_html(report: MethodsReport) -> str:
    """The report as a standalone HTML page (the Markdown's structure, escaped)."""
    body = []
    in_table = in_list = False
    for line in render_markdown(report).splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if set(line) <= set("|-"):
                continue
            tag = "th" if not in_table else "td"
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.lstrip().startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            text = html.escape(line.lstrip()[2:]).replace("**", "")
            body.append(f"<li>{text}</li>")
            continue
        if in_list:
            body.append("</ul>")
            in_list = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        body.append("</table>")
    if in_list:
        body.append("</ul>")
    title = html.escape(f'Methods report: round "{report.round["name"]}"')
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title + "</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{border:1px solid #ccc;"
            "padding:.2em .5em}table{border-collapse:collapse}</style></head><body>\n" + "\n".join(body)
            + "\n</body></html>\n")
