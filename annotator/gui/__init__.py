"""The desktop application (PySide6): the only package of Discourse Annotator that imports Qt."""
