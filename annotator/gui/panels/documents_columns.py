"""Column widths of the documents table: every column but the title fits its contents, its
header included; the title takes the width that remains, and when too little remains it keeps
a readable width and the table scrolls sideways (no column is cut, none squeezed to a letter)."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTableView, QWidget

from .document_table import SOURCE, TITLE
# The widest value each column can show (the rows on screen may not hold it yet).
WIDEST = {2: "2024-12-31", 3: "999,999", 4: "in progress", 5: "999", 6: "999"}
SOURCE_CHARS = (8, 22)  # the source column shows at least / at most this many average characters
TITLE_CHARS = 14  # the title keeps room for this many average characters
TITLE_SHARE = 0.35  # and this share of the table's visible width
SCREEN_SHARE = 0.25  # the panel asks for more width up to this share of the screen (never pushing
# the window past a small screen: the editor and the codebook need the rest)
ROWS_MEASURED = 200  # rows looked at for the source column (one page of the lazy model)
PADDING = 14  # a cell's margins and focus frame around its text


def fit_width(view: QTableView, column: int, floor: int = 0) -> int:
    """The width column `column` needs for its header and its contents (at least `floor`)."""
    header = view.horizontalHeader()
    metrics = view.fontMetrics()
    text = header.model().headerData(column, header.orientation()) if header.model() else ""
    # The header's own hint counts the sort arrow; measured as if shown (hidden sections say 0).
    needed = max(header.sectionSizeHint(column), header.fontMetrics().horizontalAdvance(str(text or "")) + 28)
    if column in WIDEST:
        needed = max(needed, metrics.horizontalAdvance(WIDEST[column]) + PADDING)
    if column == SOURCE:
        model = view.model()
        widest = max((metrics.horizontalAdvance(str(model.index(row, SOURCE).data() or ""))
                      for row in range(min(model.rowCount(), ROWS_MEASURED))), default=0)
        low, high = (metrics.averageCharWidth() * chars for chars in SOURCE_CHARS)
        needed = max(needed, min(max(widest + PADDING, low), high))
    return max(needed, floor)


def fit_columns(view: QTableView, columns: list[int] | None = None, only_narrower: bool = False,
                floors: dict[int, int] | None = None) -> None:
    """Give shown columns (all but the title, or those listed) the width they need (at least
    their floor); with `only_narrower`, only widen the ones too narrow (a width the user chose stays)."""
    header = view.horizontalHeader()
    for column in columns if columns is not None else range(header.count()):
        if column == TITLE or header.isSectionHidden(column):
            continue
        width = fit_width(view, column, (floors or {}).get(column, 0))
        if not only_narrower or header.sectionSize(column) < width:
            header.resizeSection(column, width)


def others_width(header: QHeaderView) -> int:
    """The width of the shown columns other than the title."""
    return sum(header.sectionSize(c) for c in range(header.count()) if c != TITLE and not header.isSectionHidden(c))


def fit_title(panel: QWidget, view: QTableView, minimum_panel: int) -> None:
    """The panel asks for the width its columns and a readable title need (up to SCREEN_SHARE
    of the screen); the title stretches over the width the other columns leave, and when that
    is less than TITLE_CHARS (or TITLE_SHARE of the table) it keeps that and the table scrolls sideways."""
    header = view.horizontalHeader()
    title = max(view.fontMetrics().averageCharWidth() * TITLE_CHARS, int(view.viewport().width() * TITLE_SHARE))
    chrome = max(0, panel.width() - view.viewport().width())  # margins, frame, scroll bar
    screen = panel.screen()
    cap = int(screen.availableGeometry().width() * SCREEN_SHARE) if screen is not None else minimum_panel
    wanted = max(minimum_panel, min(others_width(header) + title + chrome, cap))
    if panel.minimumWidth() != wanted:
        panel.setMinimumWidth(wanted)
    room = view.viewport().width() - others_width(header)
    mode = header.sectionResizeMode(TITLE)
    if room >= title:
        if mode != QHeaderView.ResizeMode.Stretch:
            header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
    else:
        if mode != QHeaderView.ResizeMode.Interactive:
            header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Interactive)
        if header.sectionSize(TITLE) != title:
            header.resizeSection(TITLE, title)
