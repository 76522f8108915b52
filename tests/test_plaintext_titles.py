"""Titles of imported plain-text files: the first line only when it reads like a headline."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.ops.importing import import_paths
from annotator.project import Project

LEDE = (
    "The council of Kestrel Harbour voted late on Tuesday, after a debate that ran well past midnight, "
    "to introduce a congestion charge for the old town from the first of March next year."
)


@pytest.fixture
def empty(tmp_path: Path):
    created = Project.create(tmp_path / "titles.annot")
    yield created
    created.close()


def _import(project: Project, folder: Path, files: dict[str, str]) -> list[str]:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    report = import_paths(project, [folder])
    assert len(report.imported) == len(files), report.failed
    return sorted(d.title for d in project.documents.list())


def test_a_long_first_sentence_is_not_taken_for_a_title(empty: Project, tmp_path: Path) -> None:
    assert len(LEDE) > 120
    titles = _import(empty, tmp_path / "in", {"kestrel_harbour-congestion-charge.txt": LEDE + "\n\nCritics object."})
    assert titles == ["Kestrel harbour congestion charge"]


def test_a_short_line_without_a_full_stop_is_the_headline(empty: Project, tmp_path: Path) -> None:
    titles = _import(empty, tmp_path / "in", {
        "a.txt": "  Trump meets Putin: the world turned upside down \n\n" + LEDE,
        "b.txt": "\n\nIs the charge a tax on workers? 😡\n" + LEDE,
        "c.txt": "Rene\u0301e wins\u00a0again…\n" + LEDE,
    })
    assert titles == ["Is the charge a tax on workers? 😡", "Rene\u0301e wins again…",
                      "Trump meets Putin: the world turned upside down"]


def test_a_first_line_ending_in_a_full_stop_is_a_sentence(empty: Project, tmp_path: Path) -> None:
    titles = _import(empty, tmp_path / "in", {"2024-03-05_rates.txt": "Rates rise again.\r\nBanks cheer."})
    assert titles == ["2024-03-05 rates"]


def test_the_headline_limit_is_120_characters(empty: Project, tmp_path: Path) -> None:
    at_limit = ("Harbour " * 15).strip() + " vote splits a divided town council"
    at_limit = at_limit[:120]
    over = at_limit + "s"
    assert (len(at_limit), len(over)) == (120, 121)
    titles = _import(empty, tmp_path / "in", {"at.txt": at_limit + "\nBody.", "over-limit.txt": over + "\nBody two."})
    assert titles == [at_limit.strip(), "Over limit"]


def test_the_import_dialog_gives_the_same_titles(qtbot, tmp_path: Path) -> None:
    """The GUI's Import dialog runs the same import: a lede-only file gets its file name."""
    from PySide6.QtCore import Qt

    from annotator.gui.dialogs.import_dialog import ImportDialog

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "council_vote.txt").write_text(LEDE + "\n", encoding="utf-8")
    (folder / "headline.txt").write_text("Council backs the charge\n\n" + LEDE, encoding="utf-8")
    Project.create(tmp_path / "gui.annot").close()
    dialog = ImportDialog(tmp_path / "gui.annot")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([folder])
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=20_000)
    assert dialog.outcome == "imported"
    with Project.open(tmp_path / "gui.annot", readonly=True) as project:
        assert sorted(d.title for d in project.documents.list()) == ["Council backs the charge", "Council vote"]
