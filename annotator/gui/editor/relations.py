"""Relations in the editor: made by keyboard (Shift+R, Alt+Left / Alt+Right, Enter) or by a
Ctrl+Alt drag, drawn as arcs without clutter.

Only the arcs of the selected span and of the span under the pointer are drawn (View → Show
all relations in the paragraph adds the rest of that paragraph's), in the relation type's
colour, with an arrow head for directed types. The shown document's relations are read once
when it opens and again only when a change on the bus names the relations table, so painting
runs no SQL. Blind coding applies as to spans: others' relations only while others are shown.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QMenu

from ...errors import AnnotatorError
from ...model import Annotation, Relation, RelationType
from .geometry import TextGeometry
from .spans import OTHERS
from .state import EditorState

START_KEYS = "Shift+R"
DRAG_KEYS = "Ctrl+Alt"
LINKING_COLOUR = "#e66100"
ARROW = 7.0


def _snippet(text: str, limit: int = 30) -> str:
    one = " ".join(text.split())
    return f"«{one if len(one) <= limit else one[: limit - 1] + '…'}»"


def type_menu_text(kind: RelationType) -> str:
    """The popup's entry for a relation type, its key as the underlined letter where it can be."""
    name = kind.name.replace("&", "&&")
    if not kind.key:
        return name
    at = name.casefold().find(kind.key.casefold())
    return name[:at] + "&" + name[at:] if at >= 0 else f"&{kind.key} {name}"


class RelationsMixin(EditorState):
    """Making relations and drawing their arcs, for AnnotationEditor."""

    _show_others: bool

    def _init_relations(self) -> None:
        self._links: list[Relation] = []  # the shown document's relations (blind coding applied)
        self._kinds: dict[str, RelationType] = {}
        self._linking: str | None = None  # the source span while a relation is being made
        self._link_target: str | None = None
        self._hover: str | None = None
        self._all_arcs = False
        self.type_menu: QMenu | None = None  # the popup choosing among several fitting types

    # ----- reading -------------------------------------------------------------------

    def _load_relations(self) -> None:
        """Read the shown document's relations (the current annotator's, or everyone's when shown)."""
        project, document = self._project, self._document_id
        if project is None or document is None:
            self._links, self._kinds = [], {}
            return
        self._kinds = {kind.name: kind for kind in project.codebook.get().relations}
        who = None if self._show_others else self._annotator
        self._links = project.relations.for_document(document, who)

    def _relations_follow(self, changes: Any) -> None:
        """A change naming the relations table re-reads the relations it names and repaints."""
        if "relations" in changes.tables and self._document_id is not None and self._project is not None:
            kept = {link.id: link for link in self._links}
            for (ident,) in changes.tables["relations"]:  # only the rows the change names are read
                kept.pop(ident, None)
                try:
                    link = self._project.relations.get(ident)
                except AnnotatorError:
                    continue  # deleted (or undone)
                if link.document_id == self._document_id and (self._show_others or link.annotator == self._annotator):
                    kept[ident] = link
            self._links = sorted(kept.values(), key=lambda link: (link.created_at, link.id))
            if self._linking is not None and self._linking not in self._index:
                self.cancel_relation()
            self.view.viewport().update()

    def relations_shown(self) -> list[Relation]:
        """The relations the editor knows for the shown document (blind coding applied)."""
        return list(self._links)

    # ----- making a relation by keyboard ------------------------------------------------

    def _relation_key(self, key: int, modifiers: Any) -> Any:
        """Shift+R starts a relation; while one is being made, Alt+Left / Alt+Right move the
        other end, Enter makes it, Esc cancels."""
        alt = Qt.KeyboardModifier.AltModifier
        plain = modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if self._linking is not None:
            if modifiers == alt and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                return lambda: self.move_link_target(1 if key == Qt.Key.Key_Right else -1)
            if plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                return self.finish_relation
            if plain and key == Qt.Key.Key_Escape:
                return self.cancel_relation
        if key == Qt.Key.Key_R and modifiers == Qt.KeyboardModifier.ShiftModifier:
            return self.start_relation
        return None

    def start_relation(self, source: str | None = None) -> bool:
        """Begin a relation from the selected span (or `source`); False with a hint when there is none."""
        if self._readonly:
            self.sig_message.emit(f"Read-only: changes cannot be saved — {self._readonly}")
            return False
        ident = source or self._selected
        annotation = self._index.get(ident) if ident else None
        if annotation is None or annotation.annotator != self._annotator:
            self.sig_message.emit(f"Click one of your spans first, then press {START_KEYS} to link it to another.")
            return False
        if not self._kinds:
            self.sig_message.emit("The codebook defines no relation types (Tools → Codebook editor adds them).")
            return False
        self._linking, self._link_target = annotation.id, None
        self.sig_message.emit(f"Relation from {_snippet(self._span_text(annotation))}: click the other span or "
                              "move to it with Alt+Left / Alt+Right, then Enter; Esc cancels.")
        self.view.viewport().update()
        return True

    def linking(self) -> tuple[str, str | None] | None:
        """(source, target) of the relation being made, or None."""
        return None if self._linking is None else (self._linking, self._link_target)

    def move_link_target(self, step: int) -> None:
        """Move the other end to the next (+1) or previous (-1) own span, skipping the source."""
        if self._linking is None:
            return
        order = [ident for ident in self._index.visible_ids_in_order() if ident != self._linking]
        if not order:
            self.sig_message.emit("There is no other span of yours here to link to.")
            return
        source = self._index.get(self._linking)
        if self._link_target in order:
            index = (order.index(self._link_target) + step) % len(order)
        else:
            starts = [(self._index.get(i).start or 0) for i in order]  # type: ignore[union-attr]
            here = source.start or 0 if source is not None else 0
            after = next((n for n, start in enumerate(starts) if start >= here), len(order))
            index = (after if step > 0 else after - 1) % len(order)
        self._set_link_target(order[index])

    def _set_link_target(self, ident: str | None) -> None:
        self._link_target = ident
        target = self._index.get(ident) if ident else None
        if target is not None:
            self._scroll_to(target)
            self.sig_message.emit(f"To {target.layer}: {target.label} {_snippet(self._span_text(target))} "
                                  "— Enter links, Esc cancels.")
        self.view.viewport().update()

    def _scroll_to(self, annotation: Annotation) -> None:
        rects = self._geometry().range_rects(annotation.start or 0, annotation.end or 0)  # type: ignore[attr-defined]
        height = self.view.viewport().height()
        if rects and not (20 <= rects[0].top() and rects[0].bottom() <= height - 20):
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.value() + round(rects[0].center().y() - height / 2))

    def cancel_relation(self) -> None:
        """Stop making a relation; nothing is stored."""
        if self._linking is None:
            return
        self._linking = self._link_target = None
        self.sig_message.emit("No relation made.")
        self.view.viewport().update()

    def finish_relation(self) -> None:
        """Link the source to the chosen span: with the one type that fits, or the one chosen in a popup."""
        project = self._project
        source = self._index.get(self._linking) if self._linking else None
        target = self._index.get(self._link_target) if self._link_target else None
        if project is None or source is None:
            self.cancel_relation()
            return
        if target is None:
            self.sig_message.emit("Choose the other span first: click it, or Alt+Left / Alt+Right.")
            return
        fitting = project.relations.allowed_types(source, target)
        refusals = [] if fitting else self._refusals(source, target)
        if fitting and (problem := project.relations.refusal(fitting[0].name, source, target)) is not None:
            fitting, refusals = [], [problem]
        if not fitting:
            self.sig_message.emit(f"No relation: {'; '.join(refusals)}.")
            return
        if len(fitting) == 1:
            self._link(fitting[0].name, source, target)
            return
        self._choose_type(fitting, source, target)

    def _refusals(self, source: Annotation, target: Annotation) -> list[str]:
        assert self._project is not None
        reasons: list[str] = []
        for name in self._kinds:
            reason = self._project.relations.refusal(name, source, target)
            if reason and reason not in reasons:
                reasons.append(reason)
        return reasons

    def _choose_type(self, kinds: list[RelationType], source: Annotation, target: Annotation) -> None:
        """A small popup list of the types that fit, at the other end; its keys are the types' keys."""
        menu = QMenu(self.view)
        menu.setObjectName("relation_type_menu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for kind in kinds:
            action = QAction(type_menu_text(kind), menu)
            action.setData(kind.name)
            action.setToolTip(kind.description)
            menu.addAction(action)
        menu.setActiveAction(menu.actions()[0])
        menu.triggered.connect(lambda action: self._link(action.data(), source, target))
        menu.aboutToHide.connect(lambda: setattr(self, "type_menu", None))
        self.type_menu = menu
        rects = self._geometry().range_rects(target.start or 0, target.end or 0)  # type: ignore[attr-defined]
        where = rects[0].bottomLeft().toPoint() if rects else QPoint(0, 0)
        menu.popup(self.view.viewport().mapToGlobal(where + QPoint(0, 4)))
        self.sig_message.emit(f"{len(kinds)} relation types fit: choose one (its key or Up / Down and Enter).")

    def _link(self, type_name: str, source: Annotation, target: Annotation) -> None:
        assert self._project is not None
        changes = self._run(self._project.relations.add, type_name, source.id, target.id)  # type: ignore[attr-defined]
        if changes is None:
            return
        self._linking = self._link_target = None
        if self._document_id is not None and "relations" not in changes.tables:
            self._load_relations()
        arrow = "→" if self._kinds.get(type_name, RelationType(type_name)).directed else "—"
        self.sig_message.emit(f"{type_name}: {_snippet(self._span_text(source))} {arrow} "
                              f"{_snippet(self._span_text(target))}.")
        self.view.viewport().update()

    # ----- by mouse ------------------------------------------------------------------

    def own_span_at(self, point: QPoint) -> str | None:
        """The innermost own span under a viewport point, or None."""
        position = self.char_at(point)  # type: ignore[attr-defined]
        if position is None:
            return None
        marks = [m for m in self._index.marks_at(position) if m.role != OTHERS]
        marks.sort(key=lambda m: m.end - m.start)
        return marks[0].annotation.id if marks else None

    def link_click(self, point: QPoint) -> bool:
        """While a relation is being made, a click on another span makes it the other end."""
        if self._linking is None:
            return False
        ident = self.own_span_at(point)
        if ident is not None and ident != self._linking:
            self._set_link_target(ident)
        return True

    def start_link_drag(self, point: QPoint) -> bool:
        """Ctrl+Alt+press on one of your spans starts a relation from it (False: no span there)."""
        ident = self.own_span_at(point)
        if ident is None:
            return False
        self._set_selected(ident)  # type: ignore[attr-defined]
        return self.start_relation(ident)

    def drag_link(self, point: QPoint) -> None:
        """The pointer moved during a Ctrl+Alt drag: the span under it is the other end (previewed)."""
        ident = self.own_span_at(point)
        if ident != self._link_target and ident != self._linking:
            self._link_target = ident
            self.view.viewport().update()

    def finish_link_drag(self, point: QPoint) -> None:
        """Released on another span: link to it; elsewhere: nothing is made."""
        self.drag_link(point)
        if self._link_target is None:
            self.cancel_relation()
            return
        self.finish_relation()

    def hover(self, point: QPoint) -> None:
        """The pointer is over a span: its arcs are drawn (repainting only when that changes something)."""
        position = self.char_at(point)  # type: ignore[attr-defined]
        marks = self._index.marks_at(position) if position is not None else []
        marks = sorted(marks, key=lambda m: m.end - m.start)
        ident = marks[0].annotation.id if marks else None
        if ident == self._hover:
            return
        before = self._hover
        self._hover = ident
        if any(link.source in (before, ident) or link.target in (before, ident) for link in self._links):
            self.view.viewport().update()

    # ----- View → Show all relations in the paragraph --------------------------------------

    def show_all_relations(self, on: bool) -> None:
        """Also draw every relation of the paragraph holding the cursor (not only the selected span's)."""
        self._all_arcs = on
        self.view.viewport().update()

    @property
    def all_relations_shown(self) -> bool:
        """True while every relation of the cursor's paragraph is drawn."""
        return self._all_arcs

    def show_relation(self, relation_id: str) -> None:
        """Select a relation's source span and bring its other end into view (the arc is drawn)."""
        link = next((r for r in self._links if r.id == relation_id), None)
        if link is None or self._index.get(link.source) is None:
            return
        target = self._index.get(link.target)
        if target is not None:
            self._scroll_to(target)
        self.select_annotation(link.source)  # type: ignore[attr-defined]
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    # ----- drawing -------------------------------------------------------------------

    def arcs(self) -> list[tuple[str, str, str, str, bool]]:
        """(type, source id, target id, colour, directed) of every arc drawn now; the relation being
        made is drawn too, with the type '' in the linking colour."""
        found: list[tuple[str, str, str, str, bool]] = []
        focus = {ident for ident in (self._selected, self._hover) if ident}
        paragraph = self._cursor_paragraph() if self._all_arcs else None
        for link in self._links:
            source, target = self._index.get(link.source), self._index.get(link.target)
            if source is None or target is None or link.source not in self._index.marks() \
                    or link.target not in self._index.marks():
                continue  # an end is hidden (its layer, or another annotator's while blind)
            wanted = link.source in focus or link.target in focus
            if not wanted and paragraph is not None:
                wanted = any(paragraph[0] <= (end.start or 0) < paragraph[1] for end in (source, target))
            if wanted:
                kind = self._kinds.get(link.type)
                found.append((link.type, link.source, link.target, kind.colour if kind else "#444444",
                              kind.directed if kind else True))
        if self._linking is not None and self._link_target is not None:
            found.append(("", self._linking, self._link_target, LINKING_COLOUR, True))
        return found

    def _cursor_paragraph(self) -> tuple[int, int]:
        block = self.view.textCursor().block()
        start = self._offsets.to_py(block.position())
        return start, self._offsets.to_py(block.position() + block.length() - 1)

    def arc_path(self, geometry: TextGeometry, source: str, target: str) -> QPainterPath | None:
        """The curve from one span's top to the other's, raised above the text, in viewport coordinates."""
        ends = [self._index.get(source), self._index.get(target)]
        lines = [geometry.range_rects(end.start or 0, end.end or 0) if end is not None else [] for end in ends]
        if not lines[0] or not lines[1]:
            return None
        # The lines of the two spans nearest each other: a span over two lines is joined from the
        # line the other span is on, so the arc never crosses the span it starts from.
        near, far = min(((a, b) for a in lines[0] for b in lines[1]),
                        key=lambda pair: (abs(pair[0].top() - pair[1].top()),
                                          abs(pair[0].center().x() - pair[1].center().x())))
        one = QPointF(near.center().x(), near.top() - 1)
        two = QPointF(far.center().x(), far.top() - 1)
        # Low arcs: in the spacing above the line where they can, so little of the text is crossed.
        lift = 12 + min(abs(two.x() - one.x()) / 12, 14) + min(abs(two.y() - one.y()) / 8, 24)
        # The curve's highest point is 3/4 of the way to `top`: kept inside the view on the first line.
        top = max(min(one.y(), two.y()) - lift, (3.0 - 0.25 * min(one.y(), two.y())) / 0.75)
        path = QPainterPath(one)
        path.cubicTo(QPointF(one.x(), top), QPointF(two.x(), top), two)
        return path

    def paint_relations(self, painter: QPainter, geometry: TextGeometry) -> None:
        """Draw the arcs of the selected span and the span under the pointer (and the one being made)."""
        if self._linking is not None:
            target = self._index.get(self._link_target) if self._link_target else None
            if target is not None:
                painter.setPen(QPen(QColor(LINKING_COLOUR), 1.6, Qt.PenStyle.DashLine))
                painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
                for rect in geometry.range_rects(target.start or 0, target.end or 0):
                    painter.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 3, 3)
        font = QFont(self.view.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.7))
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        for name, source, target, colour, directed in self.arcs():
            path = self.arc_path(geometry, source, target)
            if path is None:
                continue
            pen = QPen(QColor(colour), 1.8, Qt.PenStyle.DashLine if not name else Qt.PenStyle.SolidLine)
            painter.setPen(pen)
            painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            painter.drawPath(path)
            if directed:
                tip = path.pointAtPercent(1.0)
                back = path.pointAtPercent(0.93)
                self._arrow_head(painter, back, tip, QColor(colour))
            if name:
                middle = path.pointAtPercent(0.5)
                width = metrics.horizontalAdvance(name) + 6
                box = QRectF(middle.x() - width / 2, middle.y() - metrics.height() / 2, width, metrics.height())
                painter.setPen(QPen(Qt.PenStyle.NoPen))
                veil = QColor(self.view.palette().base().color())
                veil.setAlpha(190)  # the words under the name stay faintly readable
                painter.setBrush(QBrush(veil))
                painter.drawRoundedRect(box, 2, 2)
                painter.setPen(QPen(QColor(colour)))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, name)

    @staticmethod
    def _arrow_head(painter: QPainter, back: QPointF, tip: QPointF, colour: QColor) -> None:
        direction = tip - back
        length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 0.001)
        unit = QPointF(direction.x() / length, direction.y() / length)
        normal = QPointF(-unit.y(), unit.x())
        base = tip - unit * ARROW
        painter.setPen(QPen(Qt.PenStyle.NoPen))
        painter.setBrush(QBrush(colour))
        painter.drawPolygon(QPolygonF([tip, base + normal * (ARROW / 2), base - normal * (ARROW / 2)]))

    def describe_relations(self, ident: str) -> str:
        """Rich-text lines naming the relations of a span (for its tooltip)."""
        lines = []
        for link in self._links:
            if ident not in (link.source, link.target):
                continue
            other = self._index.get(link.target if link.source == ident else link.source)
            if other is None:
                continue
            colour = self._kinds[link.type].colour if link.type in self._kinds else "#444444"
            way = "→" if link.source == ident else "←"
            lines.append(f'<span style="color:{colour};">{way} {escape(link.type)}</span> '
                         f"{escape(_snippet(self._span_text(other)))}")
        return "<br>".join(lines)

    def _span_text(self, annotation: Annotation) -> str:
        return self._text[annotation.start or 0: annotation.end or 0]

    def relation_count_using(self, ident: str) -> int:
        """How many stored relations use a span (asked before deleting it)."""
        if self._project is None:
            return 0
        try:
            return len(self._project.relations.using([ident]))
        except AnnotatorError:
            return 0
