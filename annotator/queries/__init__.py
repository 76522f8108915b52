"""The read side that the GUI and the command line share, free of Qt.

What a window shows (the documents table's rows, the curator's latest decisions, corpus
search hits and their snippets) is a query over the project file, not a property of a
widget. Kept here, below the front ends and without PySide6, the same reads serve the
GUI, the CLI, scripts and tests, and each is tested without a window; the Qt models only
cache what these return. Writes never live here: every change goes through `ops`.

- `documents`: the documents table's ids in a chosen order and filter, its rows a page at a
  time, where the curator stands on each document.
- `review`: each source annotation's latest curation decision.
- `search`: full-text corpus search, where in a text the words are, and a one-line snippet.
"""
