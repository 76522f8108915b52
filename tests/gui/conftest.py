"""GUI fixtures: settings in a temporary INI file, the main window, the demo and a 10,000-document project."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from annotator.model import Document
from annotator.project import Project
from annotator.nlp.segmentation import Segmentation


@pytest.fixture
def settings(tmp_path: Path):
    """App settings kept in the test's folder, never in the user's home."""
    from annotator.gui.settings import AppSettings

    return AppSettings(tmp_path / "settings.ini")


@pytest.fixture
def window(qtbot, settings, project: Project):
    """The main window showing the two-document test project, annotating as "ada"."""
    from annotator.gui.main_window import MainWindow

    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.resize(1400, 900)  # a desktop screen's window (the offscreen screen is 800×800)
    assert main.set_project(project, annotator="ada")
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    return main


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, built once per test session in a temporary data folder."""
    from annotator.ops.demo import ensure_demo

    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(folder))
        return ensure_demo()


@pytest.fixture
def demo_path(tmp_path: Path, demo_source: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the demo project, where ensure_demo() finds it (data folder in tmp_path)."""
    data = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    copy = data / demo_source.parent.name / demo_source.name
    copy.parent.mkdir(parents=True)
    shutil.copy2(demo_source, copy)
    return copy


def stored(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows read straight from a project file with a separate connection."""
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def big_project_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project with 10,000 short documents, inserted through the documents API."""
    path = tmp_path_factory.mktemp("big") / "big.annot"
    with Project.create(path) as project:
        with project.db.atomic():
            for number in range(10_000):
                text = f"Article {number}: the budget 💶 debate, cafe\u0301 owners\u00a0react."
                segmentation = Segmentation.from_pairs([(0, 7), (8, len(text))], [(0, len(text))])
                project.documents.insert(
                    Document(
                        id=f"doc-{number:05d}", sha256=hashlib.sha256(text.encode()).hexdigest(),
                        title=f"Article {number:05d}", source=("Gazette", "Herald", "Courier")[number % 3],
                        date=f"2024-01-{number % 28 + 1:02d}", length=len(text), n_tokens=2, n_sentences=1,
                        tokenizer="test", imported_at="2024-01-01T00:00:00+00:00", position=number,
                    ),
                    text,
                    segmentation,
                )
        project.annotators.ensure("ada")
    yield path


@pytest.fixture(autouse=True)
def no_forgotten_modal_dialogs(qapp) -> Iterator[None]:
    """Close (and fail the test on) a modal dialog left open for seconds: it would hang the run."""
    import time

    from PySide6.QtCore import QTimer

    seen: dict[int, float] = {}
    stuck: list[str] = []

    def check() -> None:
        modal = qapp.activeModalWidget()
        if modal is None:
            return
        first = seen.setdefault(id(modal), time.monotonic())
        if time.monotonic() - first > 3:
            stuck.append(modal.windowTitle() or type(modal).__name__)
            modal.close()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(250)
    yield
    timer.stop()
    assert not stuck, f"a modal dialog was left open: {stuck}"


# ----- the demo project in the main window and the review window (shared by review tests) -----


@pytest.fixture
def demo_file(demo_path: Path) -> Path:
    """The demo project for this test: a fresh copy of the one built once per session."""
    return demo_path


@pytest.fixture
def demo_window(qtbot, settings, demo_file: Path):
    """The main window on a fresh copy of the demo project (ada and ben coded five
    articles), annotating as ada; agreement computations it started are stopped after."""
    from annotator.gui.agreement import AgreementDashboard
    from annotator.gui.main_window import MainWindow

    main = MainWindow(settings)
    qtbot.addWidget(main)
    main.resize(1400, 900)  # a desktop screen's window (the offscreen screen is 800×800)
    assert main.set_project(Project.open(demo_file), annotator="ada")
    main.show()
    qtbot.waitExposed(main)
    yield main
    for dashboard in main.findChildren(AgreementDashboard):
        dashboard.stop()


@pytest.fixture
def review(qtbot, demo_window):
    """The review window opened from the menu action, comparing ada and ben."""
    from annotator.gui.review import ReviewWindow

    demo_window.actions_by_name["review"].trigger()
    found = demo_window.findChild(ReviewWindow, "review_window")
    assert found is not None and found.isVisible()
    qtbot.waitExposed(found)
    tick(found, ["ada", "ben"])
    qtbot.waitUntil(lambda: not found.counts_pending())
    return found


def tick(review, names: list[str]) -> None:
    """Tick exactly these annotators in the Compare list, one click-equivalent per item."""
    for row in range(review.annotator_list.count()):
        item = review.annotator_list.item(row)
        wanted = item.data(Qt.ItemDataRole.UserRole) in names
        state = Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked
        if item.checkState() != state:
            item.setCheckState(state)


def click_row(qtbot, tree, row: int) -> None:
    """Click a row of a tree widget as a user would."""
    item = tree.topLevelItem(row)
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def row_of_kind(review, kind: str) -> int:
    return next(n for n, d in enumerate(review.found) if d.kind == kind and not d.resolved)


def on_modal(kind: type, act: Callable[[Any], None], seen: list[str] | None = None) -> None:
    """Run `act` on the next modal dialog of type `kind` once it is open (it blocks the test);
    with `seen`, note its title. Polls for five seconds at most, never into the next test."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + 5

    def attempt() -> None:
        modal = QApplication.activeModalWidget()
        if not isinstance(modal, kind):
            if time.monotonic() < deadline:
                QTimer.singleShot(20, attempt)
            return
        if seen is not None:
            seen.append(modal.windowTitle())
        act(modal)

    QTimer.singleShot(20, attempt)
