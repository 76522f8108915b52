"""The command line: every command in-process through cli.main; real processes for the entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.cli import COMMANDS, build_parser, main
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parent.parent


def run_process(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run COMMAND in a fresh process with a bare environment."""
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **env})


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    assert sub.description and len(sub.description) > 20
    for action in sub._actions:
        if action.dest != "help":
            assert action.help, f"{command} {action.dest} has no help text"


# ----- the real entry points, in fresh processes: exit status and messages as a shell sees them -----


def test_python_m_annotator_help_lists_the_commands(tmp_path: Path) -> None:
    """`python -m annotator --help` (annotator/__main__.py) exits 0 and names every command."""
    result = run_process([sys.executable, "-m", "annotator", "--help"], tmp_path, PYTHONPATH=str(ROOT))
    assert result.returncode == 0, result.stderr
    for command in COMMANDS:
        assert command in result.stdout


ENTRY_POINTS = {
    "python -m annotator": [sys.executable, "-m", "annotator"],  # annotator/__main__.py
    "annotator": [str(Path(sys.executable).with_name("annotator"))],  # the script pip installs (project.scripts)
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_entry_points_end_bad_input_with_status_2_and_one_line(tmp_path: Path, entry: str) -> None:
    """main's return value reaches the shell as the exit status; the reason is one line on stderr."""
    command = ENTRY_POINTS[entry]
    assert Path(command[0]).exists(), f"{command[0]}: not installed"
    env = {"PYTHONPATH": str(ROOT)} if entry.startswith("python") else {}
    result = run_process([*command, "info", "missing.annot"], tmp_path, **env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["annotator info: missing.annot: does not exist"], result.stderr
    assert result.stdout == ""


def test_help_and_info_import_neither_spacy_nor_qt(tmp_path: Path) -> None:
    """Needs a fresh interpreter: this one has imported spaCy and Qt long ago."""
    project = tmp_path / "study.annot"
    assert main(["new", str(project)]) == 0
    probe = (
        "import sys\n"
        "from annotator.cli import main\n"
        f"main(['info', {str(project)!r}])\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED', 'spacy' in sys.modules, 'PySide6' in sys.modules)\n"
    )
    result = run_process([sys.executable, "-c", probe], ROOT, PYTHONPATH=str(ROOT))
    assert "LOADED False False" in result.stdout, result.stdout + result.stderr


# ----- every command in this process ---------------------------------------------------------------


def test_top_level_help_lists_the_commands(cli: Cli) -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_new_import_info_export_end_to_end(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "study.annot"
    assert cli("new", str(project), "--lang", "en").returncode == 0
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("The mayor 🙂 promised jobs.\r\nCritics doubt it.", encoding="utf-8")
    (tmp_path / "in" / "b.jsonl").write_text(
        json.dumps({"text": "Prices soar again.", "meta": {"title": "Prices"},
                    "spans": [{"start": 7, "end": 11, "layer": "Rhetorical device",
                               "label": "Exaggeration or minimisation", "annotator": "ann"}]}) + "\n",
        encoding="utf-8",
    )
    result = cli("import", str(project), str(tmp_path / "in"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["imported"] == 2 and report["annotations"] == 1 and report["failed"] == []

    info = json.loads(cli("info", str(project), "--json").stdout)
    assert info["documents"] == 2 and info["annotations"] == 1
    assert info["annotators"] == [{"name": "ann", "role": "annotator", "annotations": 1, "documents_done": 0}]
    layer = next(x for x in info["codebook"]["layers"] if x["name"] == "Rhetorical device")
    assert layer["annotations"] == 1
    text_info = cli("info", str(project)).stdout
    assert "documents    2" in text_info and "Exaggeration or minimisation" in text_info

    out = tmp_path / "out.jsonl"
    result = cli("export", str(project), "--format", "jsonl", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["text"] for line in lines] == ["The mayor 🙂 promised jobs.\nCritics doubt it.", "Prices soar again."]
    span = lines[1]["spans"][0]
    assert lines[1]["text"][span["start"] : span["end"]] == "soar"
    assert (span["layer"], span["label"], span["annotator"]) == ("Rhetorical device", "Exaggeration or minimisation", "ann")


def test_import_failure_exits_non_zero_and_names_the_file(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "study.annot"
    cli("new", str(project))
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": oops}\n', encoding="utf-8")
    result = cli("import", str(project), str(bad))
    assert result.returncode == 1
    assert "broken.jsonl" in result.stdout and "line 2" in result.stdout
    assert json.loads(cli("info", str(project), "--json").stdout)["documents"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["info", "missing.annot"], "missing.annot: does not exist"),
        (["import", "missing.annot", "x.txt"], "missing.annot: does not exist"),
        (["new", "x.annot", "--codebook", "nope"], "nope"),
        (["new", "x.annot", "--lang", "zz-not-a-language"], "zz-not-a-language"),
        (["export", "missing.annot", "--out", "o.jsonl"], "missing.annot: does not exist"),
    ],
)
def test_bad_input_gives_one_line_and_non_zero_exit(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert lines[0].startswith(f"annotator {args[0]}: ")
    assert not (tmp_path / "x.annot").exists() and not (tmp_path / "o.jsonl").exists()


def test_not_a_project_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    fake = tmp_path / "fake.annot"
    fake.write_bytes(b"PK\x03\x04 not sqlite")
    result = cli("info", str(fake))
    assert result.returncode == 2 and "not an Annotator project" in result.stderr
    assert fake.read_bytes() == b"PK\x03\x04 not sqlite"


def test_version_is_printed(cli: Cli) -> None:
    from annotator import __version__

    result = cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_merge_twice_changes_nothing_the_second_time(cli: Cli, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.annot", tmp_path / "theirs.annot"
    for path in (ours, theirs):
        assert cli("new", str(path)).returncode == 0
    shared = {"text": "The strike 🚢 closed the port.", "spans": [
        {"start": 4, "end": 10, "layer": "Framing", "label": "Economic", "annotator": "ann"}]}
    (tmp_path / "ours.jsonl").write_text(json.dumps(shared) + "\n", encoding="utf-8")
    theirs_doc = {"text": "Ministers blamed the union.", "spans": [
        {"start": 0, "end": 9, "layer": "Framing", "label": "Political", "annotator": "bo"}]}
    (tmp_path / "theirs.jsonl").write_text(json.dumps(shared) + "\n" + json.dumps(theirs_doc) + "\n", encoding="utf-8")
    assert cli("import", str(ours), str(tmp_path / "ours.jsonl")).returncode == 0
    assert cli("import", str(theirs), str(tmp_path / "theirs.jsonl")).returncode == 0
    first = cli("merge", str(ours), str(theirs), "--json")
    assert first.returncode == 0, first.stderr
    info = json.loads(cli("info", str(ours), "--json").stdout)
    assert info["documents"] == 2 and {a["name"] for a in info["annotators"]} == {"ann", "bo"}
    second = cli("merge", str(ours), str(theirs), "--json")
    assert second.returncode == 0
    assert json.loads(cli("info", str(ours), "--json").stdout) == info
    broken = tmp_path / "broken.annot"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4000)
    result = cli("merge", str(ours), str(broken))
    assert result.returncode == 2 and "broken.annot" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert json.loads(cli("info", str(ours), "--json").stdout) == info


def test_cli_format_lists_match_the_readers_and_exporters() -> None:
    from annotator.cli import EXPORT_FORMATS, IMPORT_FORMATS
    from annotator.formats.readers import SUPPORTED
    from annotator.ops.exporting import FORMATS

    assert EXPORT_FORMATS == FORMATS
    # Named formats the extension table cannot tell (a WebAnno TSV is a .tsv), besides every reader's.
    assert set(IMPORT_FORMATS) == set(SUPPORTED.values()) | {"webanno", "tsv3"}


def test_every_export_format_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    project = tmp_path / "study.annot"
    cli("new", str(project))
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "Prices 📈 soar again.", "spans": [
        {"start": 9, "end": 13, "layer": "Rhetorical device", "label": "Hyperbole", "annotator": "ann"}]}) + "\n",
        encoding="utf-8")
    imported = cli("import", str(project), str(tmp_path / "a.jsonl"))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    from annotator.cli import EXPORT_FORMATS

    for fmt in EXPORT_FORMATS:
        out = tmp_path / f"out-{fmt}"
        result = cli("export", str(project), "--format", fmt, "--out", str(out), "--json")
        assert result.returncode == 0, (fmt, result.stderr)
        report = json.loads(result.stdout)
        assert report["documents"] == (0 if fmt == "qdc" else 1), fmt  # qdc: the codebook alone
        assert out.exists(), fmt
    again = tmp_path / "again.annot"  # our own XMI export comes back in
    cli("new", str(again))
    result = cli("import", str(again), str(tmp_path / "out-xmi"), "--format", "xmi", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["annotations"] == 1, result.stdout + result.stderr
    result = cli("agreement", str(project), "--layer", "Rhetorical device", "--csv", "/nonexistent/x.csv")
    assert result.returncode == 2 and "/nonexistent/x.csv: cannot write" in result.stderr
    rebuilt = tmp_path / "rebuilt.annot"
    result = cli("new", str(rebuilt), "--from", str(tmp_path / "out-jsonl"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["annotations"] == 1
