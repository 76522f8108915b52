"""spaCy for the bundle: every submodule and data file except its test suite.

Replaces the hook of pyinstaller-hooks-contrib, which also takes spacy.tests (and then warns
about each one the spec excludes)."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

datas = collect_data_files("spacy", excludes=["tests", "**/tests/**"])
hiddenimports = collect_submodules("spacy", filter=lambda module: not module.startswith("spacy.tests"))
