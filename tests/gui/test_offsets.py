"""The code-point ↔ UTF-16 conversion, checked against Qt's own cursor positions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.gui.offsets import OffsetMap, py_to_qt, qt_to_py

# Written for these tests: emoji (astral), a combining acute, a non-breaking space, a CJK
# extension-B ideograph (astral too) and text that came in with CRLF (normalised to \n).
TEXT = "Fans \U0001F389 cheered; Jose\u0301 said\u00a0no.\nThen \U00020000 and \U0001F468\u200d\U0001F469 left."


def test_bmp_only_text_maps_one_to_one() -> None:
    text = "Cafe\u0301\u00a0open"  # combining mark and NBSP are single UTF-16 units
    mapping = OffsetMap(text)
    assert [mapping.to_qt(i) for i in range(len(text) + 1)] == list(range(len(text) + 1))
    assert mapping.qt_length == len(text)


def test_positions_after_an_emoji_shift_by_one() -> None:
    mapping = OffsetMap(TEXT)
    emoji = TEXT.index("\U0001F389")
    assert mapping.to_qt(emoji) == emoji
    assert mapping.to_qt(emoji + 1) == emoji + 2
    word = TEXT.index("cheered")
    assert mapping.to_qt(word) == word + 1
    assert mapping.to_py(word + 1) == word
    last = len(TEXT)
    assert mapping.to_qt(last) == last + 4  # four astral characters in TEXT
    assert mapping.qt_length == len(TEXT.encode("utf-16-le")) // 2


def test_position_inside_a_surrogate_pair_maps_to_the_character_start() -> None:
    mapping = OffsetMap(TEXT)
    emoji = TEXT.index("\U0001F389")
    assert mapping.to_py(emoji + 1) == emoji  # the low surrogate
    assert mapping.to_py(emoji + 2) == emoji + 1


def test_module_functions_agree_with_the_map() -> None:
    word = TEXT.index("left")
    assert py_to_qt(TEXT, word) == OffsetMap(TEXT).to_qt(word)
    assert qt_to_py(TEXT, py_to_qt(TEXT, word)) == word


def test_out_of_range_offsets_are_refused() -> None:
    mapping = OffsetMap("ab\U0001F600")
    with pytest.raises(ValueError):
        mapping.to_qt(4)
    with pytest.raises(ValueError):
        mapping.to_py(5)
    with pytest.raises(ValueError):
        mapping.to_qt(-1)


def test_qt_cursor_selects_exactly_the_words(qtbot: object) -> None:
    """Offsets converted to Qt positions select the same characters in a QTextDocument."""
    from PySide6.QtGui import QTextCursor, QTextDocument

    text = "Line one \U0001F621 with José\u0301.\r\nSecond\u00a0line \U0001F600 here".replace("\r\n", "\n")
    document = QTextDocument()
    document.setPlainText(text)
    mapping = OffsetMap(text)
    for word in ("with", "José\u0301", "Second\u00a0line", "\U0001F600", "here"):
        start = text.index(word)
        cursor = QTextCursor(document)
        cursor.setPosition(mapping.to_qt(start))
        cursor.setPosition(mapping.to_qt(start + len(word)), QTextCursor.MoveMode.KeepAnchor)
        assert cursor.selectedText() == word
        assert mapping.to_py(cursor.selectionStart()) == start


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_round_trip_on_random_text(text: str) -> None:
    mapping = OffsetMap(text)
    units = text.encode("utf-16-le")
    assert mapping.qt_length == len(units) // 2
    for index in range(len(text) + 1):
        qt = mapping.to_qt(index)
        assert mapping.to_py(qt) == index
        assert units[: 2 * qt].decode("utf-16-le") == text[:index]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_every_qt_position_maps_to_a_character_boundary(text: str) -> None:
    mapping = OffsetMap(text)
    for qt in range(mapping.qt_length + 1):
        index = mapping.to_py(qt)
        assert 0 <= index <= len(text)
        assert mapping.to_qt(index) in (qt, qt - 1)
