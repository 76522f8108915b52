"""The documents table remembers its columns (widths, order, hidden ones) and its sort between sessions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QPoint, Qt
from PySide6.QtWidgets import QHeaderView

from annotator.model import Document, Role
from annotator.project import Project
from annotator.nlp.segmentation import Segmentation

# (title, source) in import order. Sorted by source, descending, the Zeitung article comes first.
PRESS = (
    ("Budget row \U0001F4B6 deepens", "Herald"),
    ("Cafe\u0301 owners react", "Zeitung"),
    ("Tram\u00a0fares rise", "Courier"),
    ("Harbour plan approved", "Gazette"),
)
SOURCE, DATE, MINE = 1, 2, 5


def make_project(path: Path, rows: tuple[tuple[str, str], ...], curator: bool = False) -> Path:
    """A project file holding one short document per (title, source), in that order."""
    with Project.create(path) as project:
        with project.db.atomic():
            for number, (title, source) in enumerate(rows):
                text = f"{title}:\r\nthe council \U0001F621 met;\u00a0cafe\u0301 owners spoke ({number})."
                text = text.replace("\r\n", "\n")
                segmentation = Segmentation.from_pairs([(0, 5), (6, len(text))], [(0, len(text))])
                project.documents.insert(
                    Document(
                        id=f"doc-{number:04d}", sha256=hashlib.sha256(text.encode()).hexdigest(), title=title,
                        source=source, date=f"2024-03-{number % 28 + 1:02d}", length=len(text), n_tokens=2,
                        n_sentences=1, tokenizer="test", imported_at="2024-03-01T00:00:00+00:00", position=number,
                    ),
                    text,
                    segmentation,
                )
        project.annotators.ensure("ada")
        if curator:
            project.annotators.ensure("gold", Role.CURATOR)
    return path


def open_window(qtbot, settings_file: Path, project: Path | None = None):
    """A new main window reading the settings file afresh (a new session), showing `project`."""
    from annotator.gui.main_window import MainWindow
    from annotator.gui.settings import AppSettings

    window = MainWindow(AppSettings(settings_file))
    qtbot.addWidget(window)
    if project is not None:
        assert window.open_project(project, annotator="ada")
    window.show()
    qtbot.waitExposed(window)
    return window


def header_of(window) -> QHeaderView:
    """The documents table's column header."""
    return window.documents_panel.view.horizontalHeader()


def menu_entry(window, title: str):
    """The header menu's entry for a column."""
    return next(action for action in window.documents_panel.column_menu().actions() if action.text() == title)


def drag_right_edge(qtbot, header: QHeaderView, column: int, by: int) -> None:
    """Widen a column by dragging its right edge in the header, as the user does."""
    edge = header.sectionViewportPosition(column) + header.sectionSize(column) - 1
    start = QPoint(edge, header.height() // 2)
    qtbot.mousePress(header.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 5):
        qtbot.mouseMove(header.viewport(), start + QPoint(by * step // 4, 0))
    qtbot.mouseRelease(header.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(by, 0))


def click_header(qtbot, header: QHeaderView, column: int) -> None:
    """Click a column's title (which sorts by it)."""
    point = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_widths_order_hidden_columns_and_sort_survive_a_restart(qtbot, tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.ini"
    press = make_project(tmp_path / "press.annot", PRESS)
    first = open_window(qtbot, settings_file, press)
    header = header_of(first)
    model = first.documents_panel.model
    assert model.index(0, 0).data() == PRESS[0][0]  # import order before any sort

    before = header.sectionSize(SOURCE)
    drag_right_edge(qtbot, header, SOURCE, 57)
    assert header.sectionSize(SOURCE) == before + 57
    click_header(qtbot, header, SOURCE)
    if header.sortIndicatorOrder() != Qt.SortOrder.DescendingOrder:
        click_header(qtbot, header, SOURCE)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (SOURCE, Qt.SortOrder.DescendingOrder)
    assert model.index(0, SOURCE).data() == "Zeitung"
    menu_entry(first, "Mine").trigger()  # hide
    menu_entry(first, "Date").trigger()  # hidden at first: show
    assert header.isSectionHidden(MINE) and not header.isSectionHidden(DATE)
    header.moveSection(header.visualIndex(DATE), 0)  # what dragging a column title does
    shown = [column for column in range(header.count()) if not header.isSectionHidden(column)]
    widths = {column: header.sectionSize(column) for column in shown if column != 0}
    order = [header.logicalIndex(visual) for visual in range(header.count())]
    first.close()

    second = open_window(qtbot, settings_file, press)
    header = header_of(second)
    model = second.documents_panel.model
    assert [column for column in range(header.count()) if not header.isSectionHidden(column)] == shown
    for column, width in widths.items():
        assert abs(header.sectionSize(column) - width) <= 1, second.documents_panel.model.headerData(
            column, Qt.Orientation.Horizontal)
    assert [header.logicalIndex(visual) for visual in range(header.count())] == order
    assert header.visualIndex(DATE) == 0
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (SOURCE, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == "Cafe\u0301 owners react"  # the Zeitung article
    assert [model.index(row, SOURCE).data() for row in range(4)] == ["Zeitung", "Herald", "Gazette", "Courier"]
    assert second.editor.document_id == model.document_id(0)  # the window opens on the first row shown
    assert not menu_entry(second, "Mine").isChecked()
    assert menu_entry(second, "Date").isChecked()


def test_saved_sort_applies_to_another_project_without_loading_every_row(qtbot, tmp_path: Path) -> None:
    from annotator.gui.panels.documents import PAGE_SIZE

    settings_file = tmp_path / "settings.ini"
    press = make_project(tmp_path / "press.annot", PRESS)
    many = tuple((f"Report {number:04d} \U0001F4F0", f"Outlet {number % 37:02d}") for number in range(3 * PAGE_SIZE))
    archive = make_project(tmp_path / "archive.annot", many)
    first = open_window(qtbot, settings_file, press)
    first.documents_panel.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert first.documents_panel.model.index(0, 0).data() == "Tram\u00a0fares rise"

    assert first.open_project(archive, annotator="ada")  # the same sort, in the other project
    model = first.documents_panel.model
    assert model.index(0, 0).data() == f"Report {3 * PAGE_SIZE - 1:04d} \U0001F4F0"
    first.close()

    second = open_window(qtbot, settings_file, archive)
    model = second.documents_panel.model
    header = header_of(second)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == f"Report {3 * PAGE_SIZE - 1:04d} \U0001F4F0"
    assert model.rowCount() == 3 * PAGE_SIZE
    assert 0 < model.loaded_rows() <= PAGE_SIZE  # only the page on screen was read


def _state_of_an_older_version(qtbot) -> QByteArray:
    """A real header state of a 5-column table whose first column is hidden."""
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QTableView

    view = QTableView()
    qtbot.addWidget(view)
    model = QStandardItemModel(2, 5, view)
    view.setModel(model)
    view.horizontalHeader().resizeSection(1, 300)
    view.horizontalHeader().hideSection(0)
    return view.horizontalHeader().saveState()


def _state_with_the_title_hidden(qtbot) -> QByteArray:
    """A header state with today's seven columns but the title hidden (never saved by the app)."""
    from annotator.gui.panels.documents import DocumentsPanel

    panel = DocumentsPanel()
    qtbot.addWidget(panel)
    panel.view.horizontalHeader().hideSection(0)
    panel.view.horizontalHeader().resizeSection(SOURCE, 333)
    return panel.view.horizontalHeader().saveState()


def _app_state(qtbot) -> QByteArray:
    """The header state the app itself saves for a fresh table."""
    from annotator.gui.panels.documents import DocumentsPanel

    panel = DocumentsPanel()
    qtbot.addWidget(panel)
    return panel.view.horizontalHeader().saveState()


@pytest.mark.parametrize("kind", ["garbage", "older version", "title hidden", "damaged on disk"])
def test_a_foreign_or_corrupt_saved_state_is_ignored(qtbot, tmp_path: Path, kind: str) -> None:
    from PySide6.QtCore import QSettings

    from annotator.gui.panels.documents import COLUMNS
    from annotator.gui.settings import AppSettings

    settings_file = tmp_path / "settings.ini"
    settings = AppSettings(settings_file)
    columns: tuple[str, ...] = COLUMNS
    if kind == "garbage":
        state = QByteArray(b"\x00\x00\x00\xffnot a header state \xf0\x9f\x92\xb6")
    elif kind == "older version":
        state, columns = _state_of_an_older_version(qtbot), ("Title", "Source", "Status", "Mine", "Notes")
    elif kind == "title hidden":
        state = _state_with_the_title_hidden(qtbot)
    else:
        state = _app_state(qtbot)
    settings.save_table_header_state("documents", columns, state)
    settings.set_table_sort("documents", "Words", True)  # a column that no longer exists
    settings.sync()
    if kind == "damaged on disk":  # cut short behind the app's back: Qt's restoreState would crash on it
        raw = QSettings(str(settings_file), QSettings.Format.IniFormat)
        raw.setValue("tables/documents/header_state", state.left(120))
        raw.sync()

    window = open_window(qtbot, settings_file, make_project(tmp_path / "press.annot", PRESS))
    header = header_of(window)
    assert not header.isSectionHidden(0) and header.sectionSize(0) >= header.minimumSectionSize()
    assert menu_entry(window, "Title").isChecked() and not menu_entry(window, "Title").isEnabled()
    # The defaults: source, status and count shown at their usual widths; date and length hidden.
    assert [header.isSectionHidden(column) for column in range(7)] == [False, False, True, True, False, False, True]
    assert header.sectionSize(SOURCE) == 100
    assert header.sortIndicatorSection() == -1
    assert window.documents_panel.model.index(0, 0).data() == PRESS[0][0]  # import order
    window.documents_panel.view.sortByColumn(SOURCE, Qt.SortOrder.DescendingOrder)
    assert window.documents_panel.model.index(0, SOURCE).data() == "Zeitung"


def test_the_sort_is_kept_by_column_title_when_the_columns_changed(qtbot, tmp_path: Path) -> None:
    from annotator.gui.settings import AppSettings

    settings_file = tmp_path / "settings.ini"
    settings = AppSettings(settings_file)
    older = ("Title", "Status", "Source", "Mine", "Notes")  # an older version: its widths are ignored, not its sort
    settings.save_table_header_state("documents", older, _state_of_an_older_version(qtbot))
    settings.set_table_sort("documents", "Source", True)
    settings.sync()

    window = open_window(qtbot, settings_file, make_project(tmp_path / "press.annot", PRESS))
    header = header_of(window)
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (SOURCE, Qt.SortOrder.DescendingOrder)
    assert window.documents_panel.model.index(0, 0).data() == "Cafe\u0301 owners react"
    assert header.sectionSize(SOURCE) == 100


def test_a_well_formed_foreign_state_cannot_take_sorting_or_the_stretching_title_away(
    qtbot, tmp_path: Path
) -> None:
    from annotator.gui.panels.documents import COLUMNS, DocumentsPanel
    from annotator.gui.settings import AppSettings

    panel = DocumentsPanel()
    qtbot.addWidget(panel)
    other = panel.view.horizontalHeader()
    other.setSectionsClickable(False)
    other.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
    other.resizeSection(SOURCE, 140)
    settings_file = tmp_path / "settings.ini"
    settings = AppSettings(settings_file)
    settings.save_table_header_state("documents", COLUMNS, other.saveState())
    settings.sync()

    window = open_window(qtbot, settings_file, make_project(tmp_path / "press.annot", PRESS))
    header = header_of(window)
    assert header.sectionSize(SOURCE) == 140  # its widths are usable, so they are kept
    # the title keeps the rest of the width (stretching), or in a narrow panel a readable share of it
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch or \
        header.sectionSize(0) >= int(0.35 * window.documents_panel.view.viewport().width())
    click_header(qtbot, header, SOURCE)
    assert header.sortIndicatorSection() == SOURCE
    first_source = window.documents_panel.model.index(0, SOURCE).data()
    assert first_source == ("Courier" if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder else "Zeitung")


def test_title_column_cannot_be_hidden(qtbot, tmp_path: Path) -> None:
    window = open_window(qtbot, tmp_path / "settings.ini", make_project(tmp_path / "press.annot", PRESS))
    entry = menu_entry(window, "Title")
    assert not entry.isEnabled()
    window.documents_panel.set_column_shown(0, False)
    assert not header_of(window).isSectionHidden(0)
    assert [action.text() for action in window.documents_panel.column_menu().actions()] == [
        "Title", "Source", "Date", "Length", "My status", "Mine", "Adjudicated", "", "Reset columns"]


def test_adjudicated_column_follows_the_gold_set_and_the_users_choice(qtbot, tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.ini"
    gold = make_project(tmp_path / "gold.annot", PRESS, curator=True)
    plain = make_project(tmp_path / "plain.annot", PRESS[:2])
    adjudicated = 6

    first = open_window(qtbot, settings_file, gold)
    assert not header_of(first).isSectionHidden(adjudicated)  # a curator: the column is worth showing
    menu_entry(first, "Adjudicated").trigger()  # but this analyst does not want it
    assert header_of(first).isSectionHidden(adjudicated)
    first.close()

    second = open_window(qtbot, settings_file, gold)
    assert header_of(second).isSectionHidden(adjudicated)  # still not wanted
    menu_entry(second, "Adjudicated").trigger()  # wanted again
    assert not header_of(second).isSectionHidden(adjudicated)
    assert second.open_project(plain, annotator="ada")
    assert header_of(second).isSectionHidden(adjudicated)  # no gold set here
    second.close()

    third = open_window(qtbot, settings_file, plain)
    assert header_of(third).isSectionHidden(adjudicated)
    assert third.open_project(gold, annotator="ada")
    assert not header_of(third).isSectionHidden(adjudicated)


def test_without_settings_the_panel_keeps_its_defaults(qtbot) -> None:
    from annotator.gui.panels.documents import DocumentsPanel

    panel = DocumentsPanel()
    qtbot.addWidget(panel)
    header = panel.view.horizontalHeader()
    assert [header.isSectionHidden(column) for column in range(7)] == [False, False, True, True, False, False, True]
    assert header.sortIndicatorSection() == -1
    panel.set_column_shown(DATE, True)  # nothing to save to: no error
    assert not header.isSectionHidden(DATE)


def test_reset_columns_brings_back_the_defaults_now_and_next_time(qtbot, tmp_path: Path) -> None:
    settings_file = tmp_path / "settings.ini"
    press = make_project(tmp_path / "press.annot", PRESS)
    first = open_window(qtbot, settings_file, press)
    header = header_of(first)
    defaults = {
        "shown": [c for c in range(header.count()) if not header.isSectionHidden(c)],
        "widths": {c: header.sectionSize(c) for c in range(1, header.count()) if not header.isSectionHidden(c)},
        "order": [header.logicalIndex(v) for v in range(header.count())],
    }
    drag_right_edge(qtbot, header, SOURCE, 40)
    click_header(qtbot, header, SOURCE)
    menu_entry(first, "Mine").trigger()
    header.moveSection(header.visualIndex(SOURCE), 0)
    reset = next(a for a in first.documents_panel.column_menu().actions() if a.text() == "Reset columns")
    reset.trigger()

    def layout(window) -> dict[str, object]:
        h = header_of(window)
        return {
            "shown": [c for c in range(h.count()) if not h.isSectionHidden(c)],
            "widths": {c: h.sectionSize(c) for c in range(1, h.count()) if not h.isSectionHidden(c)},
            "order": [h.logicalIndex(v) for v in range(h.count())],
        }

    assert layout(first) == defaults
    assert header.sortIndicatorSection() == -1
    assert [first.documents_panel.model.index(r, 0).data() for r in range(4)] == [t for t, _s in PRESS]
    first.close()
    second = open_window(qtbot, settings_file, press)
    assert layout(second) == defaults
    assert header_of(second).sortIndicatorSection() == -1
