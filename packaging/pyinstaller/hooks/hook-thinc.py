"""thinc for the bundle: every submodule and data file except its test suite (see hook-spacy.py)."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

datas = collect_data_files("thinc", excludes=["tests", "**/tests/**"])
hiddenimports = collect_submodules("thinc", filter=lambda module: not module.startswith("thinc.tests"))
