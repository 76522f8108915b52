"""The command line of the benchmarks: which sections to run, their sizes, and the printed table.

Timings are medians of several runs on this machine; expect noise of ±20 % on a shared
machine. Nothing here asserts: it measures and prints. Each section's module is imported
only when it runs, so `--only startup` loads neither spaCy nor Qt.
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Callable
from typing import Any

# Section name -> (module, function, the size options it takes).
SECTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "startup": ("startup", "bench_startup", ("samples",)),
    "import": ("import_speed", "bench_import", ("articles",)),
    "open": ("opening", "bench_open", ("documents",)),
    "gui": ("gui", "bench_gui", ()),
    "agreement": ("agreement", "bench_agreement", ("agreement_documents",)),
    "export": ("export", "bench_export", ("documents", "annotations")),
    "merge": ("merge", "bench_merge", ("documents", "annotations")),
    "integrity": ("integrity", "bench_integrity", ("documents", "annotations")),
    "suggest": ("suggest", "bench_suggest", ()),
    "analysis": ("analysis", "bench_analysis", ("documents", "annotations")),
    "study": ("study", "bench_study", ("documents",)),
    "relations": ("relations", "bench_relations", ()),
    "scale": ("scale", "bench_scale", ("documents", "annotations")),
}


def section(name: str) -> Callable[..., dict[str, Any]]:
    """The function that runs section `name`."""
    module, function, _ = SECTIONS[name]
    return getattr(importlib.import_module(f"benchmarks.{module}"), function)


def parser() -> argparse.ArgumentParser:
    """The options of `python -m benchmarks`."""
    made = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of Discourse Annotator: prints the figures the issues set targets for. "
                    "Figures are medians; a shared machine adds ±20 % noise.")
    made.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)} (default: all)")
    made.add_argument("--articles", type=int, default=1000, help="articles for the import section (default 1000)")
    made.add_argument("--documents", type=int, default=10_000,
                      help="documents of the large project: open, export, merge, integrity (default 10000)")
    made.add_argument("--annotations", type=int, default=200_000,
                      help="annotations of the large project: export, merge, integrity (default 200000)")
    made.add_argument("--agreement-documents", type=int, default=1000,
                      help="documents of the agreement section, 3 annotators x 60 spans each (default 1000)")
    made.add_argument("--samples", type=int, default=5, metavar="N",
                      help="fresh processes per command of the startup section, the median printed (default 5)")
    made.add_argument("--json", action="store_true", help="print JSON")
    return made


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and print a table (or JSON)."""
    options = parser()
    args = options.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",")] if args.only else list(SECTIONS)
    for name in chosen:
        if name not in SECTIONS:
            options.error(f"unknown section {name!r} (sections: {', '.join(SECTIONS)})")
    if args.samples < 1:
        options.error(f"--samples: at least 1 (got {args.samples})")
    results: dict[str, Any] = {}
    for name in chosen:
        sizes = [getattr(args, option) for option in SECTIONS[name][2]]
        results[name] = section(name)(*sizes)
        if not args.json:
            print_section(name, results[name])
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return 0


def _flat(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        rows: list[tuple[str, Any]] = []
        for key, item in value.items():
            rows += _flat(f"{prefix}.{key}" if prefix else str(key), item)
        return rows
    return [(prefix, value)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def print_section(name: str, r: dict[str, Any]) -> None:
    """Print one section's figures, with the target in brackets where there is one."""
    ms = _ms
    if name == "startup":
        plural = "es" if r["samples"] > 1 else ""
        print(f"start-up of the command line, {r['samples']} fresh process{plural} per command (median)")
        print(f"annotator --help                          {ms(r['help_s'])}   [< 500 ms]")
        print(f"annotator info                            {ms(r['info_s'])}   [< 500 ms]")
    elif name == "import":
        mode = "spaCy in a worker process" if r["worker_process"] else "one process (no worker)"
        print(f"import {r['articles']} articles ({r['characters']:,} characters; {r['cores']} cores)")
        print(f"  bare spaCy blank+sentencizer            {r['bare_spacy_chars_per_s'] / 1e6:8.2f} M chars/s")
        print(f"  annotator import (read, segment, store) {r['import_chars_per_s'] / 1e6:8.2f} M chars/s   {mode}")
        print(f"  ratio (throughput, wall clock)          {r['ratio']:8.2f}      [>= {r['target_ratio']}]")
        print(f"  ratio of CPU time (both processes)      {r['ratio_cpu']:8.2f}      [>= {r['target_ratio_cpu']}]"
              "  what one core would give")
        print(f"  ratio, import kept in one process       {r['ratio_one_process']:8.2f}")
        print("  CPU of a one-process import, by stage (what the import adds to spaCy's work):")
        for stage, seconds in r["one_process_cpu_by_stage_s"].items():
            print(f"    {stage:<52} {seconds:7.3f} s")
    elif name == "open":
        print(f"open {r['documents']:,}-document project, first screen {ms(r['open_first_screen_s'])}   [< 300 ms]")
        print(f"load document + tokens + 500 annotations  {ms(r['load_document_500_annotations_s'])}   [< 30 ms]")
    elif name == "integrity":
        print(f"integrity of a {r['documents']:,}-document, {r['annotations']:,}-annotation project "
              f"({r['file_mb']} MB, {r['pages']:,} pages of {r['page_size']} bytes, cache_size {r['cache_size']})")
        print(f"  quick_check (every open for writing)    {ms(r['quick_check_s'])}   [< 1000 ms]")
        print(f"  integrity_check (before an export)      {ms(r['integrity_check_s'])}")
        print(f"  rolling backup (at most once a day)     {ms(r['backup_s'])}")
        print(f"  open, no check, no backup               {ms(r['open_without_checks_s'])}")
        print(f"  open for writing (quick_check)          {ms(r['open_for_writing_s'])}")
        print(f"  open for writing + rolling backup       {ms(r['open_for_writing_with_backup_s'])}   open to close, backup included")
        print(f"  open, usable while the backup is written {ms(r['open_usable_with_backup_due_s'])}   the backup runs on its own thread")
    elif name == "study":
        print(f"assign {r['documents']:,} documents to {r['annotators']} annotators (20 % x 2, by outlet) "
              f"{ms(r['assign_s'])}   [< 1000 ms]")
        print(f"  CPU time of that draw                   {ms(r['assign_cpu_s'])}   (wall clock counts other load)")
        print(f"  the same, drawn again (--replace)       {ms(r['assign_again_s'])}")
        if "rounds" in r:
            rounds = r["rounds"]
            print(f"rounds table, 5 rounds (alpha per label)  {ms(rounds['rounds_table_s'])}   [< 5000 ms]   "
                  f"CPU {ms(rounds['rounds_table_cpu_s'])}")
            print(f"  full agreement report per round, x 5    {ms(rounds['agreement_per_round_s'])}   "
                  f"CPU {ms(rounds['agreement_per_round_cpu_s'])}")
    elif name == "analysis":
        print(f"analysis of a {r['documents']:,}-document, {r['annotations']:,}-annotation project (wall, CPU)")
        rows = (
            (f"concordance of \"{r['word']}\" ({r['word_hits']:,} hits), first 200", "kwic_word_first_200", "< 300 ms"),
            (f"concordance of Framing:Economic ({r['label_hits']:,}), first 200", "kwic_label_first_200", "< 300 ms"),
            ("frequencies, source x label", "frequencies_source_x_label", "< 300 ms"),
            ("frequencies, month x label", "frequencies_month_x_label", "< 300 ms"),
            ("frequencies, month x label, characters", "frequencies_month_characters", ""),
            ("co-occurrence in sentences, 2 layers", "cooccurrence_sentence_framing_x_device", "< 1000 ms"),
            ("co-occurrence in overlaps, 2 layers", "cooccurrence_overlap_framing_x_device", ""),
        )
        for text, key, target in rows:
            print(f"  {text:<50} {ms(r[key + '_s'])} {ms(r[key + '_cpu_s'])}" + (f"   [{target}]" if target else ""))
    elif name == "gui":
        print("GUI (wall, CPU; noise = half the interquartile range over the median)")
        print(f"  cold start on the demo project          {ms(r['cold_start_s'])} {ms(r['cold_start_cpu_s'])}"
              f"   [< 500 ms]  noise {r['cold_start_noise']:.0%}")
        print(f"    floor: Python + Qt window + its text  {ms(r['cold_start_floor_s'])} {ms(r['cold_start_floor_cpu_s'])}"
              f"   ratio {r['cold_start_ratio']:.2f}")
        print(f"    without compiled bytecode (.pyc)      {ms(r['cold_start_uncompiled_s'])}")
        print(f"  open 30,000 chars + 1,000 annotations   {ms(r['open_30k_1000_s'])} {ms(r['open_30k_1000_cpu_s'])}"
              f"   noise {r['open_noise']:.0%}")
        print(f"    floor: plain text set and painted     {ms(r['open_floor_s'])} {ms(r['open_floor_cpu_s'])}")
        print(f"    ratio to the floor                    {r['open_ratio']:8.2f}    {r['open_ratio_cpu']:8.2f}"
              f"      [<= 3]")
        print(f"  add one annotation (key to highlight)   {ms(r['add_annotation_s'])} {ms(r['add_annotation_cpu_s'])}"
              f"   [< 16 ms]  noise {r['add_noise']:.0%}")
        print(f"  the same add in the main window         {ms(r['add_in_window_s'])} {ms(r['add_in_window_cpu_s'])}"
              f"   [< 16 ms]  noise {r['add_in_window_noise']:.0%}  every view that follows it painted")
    elif name == "scale":
        print(f"steps in a {r['documents']:,}-document, {r['annotations']:,}-annotation project (median, p90, max)")
        for text, key in (("scroll the documents table a page", "table_scroll"),
                          ("switch the editor to the next document", "document_switch")):
            step = r[key]
            print(f"  {text:<40} {ms(step['median_s'])} {ms(step['p90_s'])} {ms(step['max_s'])}   [< 16 ms]"
                  f"  {step['over_one_frame']} of {step['steps']} over one frame;  CPU {ms(step['cpu_median_s'])}")
    else:
        if name == "agreement" and "dashboard_compute_median_s" in r.get("layer", {}):
            layer = r["layer"]
            print(f"agreement dashboard, Compute to figures shown ({layer['documents']:,} documents, token unit)"
                  f"  {ms(layer['dashboard_compute_median_s'])}  CPU {ms(layer['dashboard_compute_cpu_s'])}"
                  "   [< 1500 ms]")
        print(f"{name}:")
        for key, value in _flat("", r):
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"  {key:<48} {shown}")
