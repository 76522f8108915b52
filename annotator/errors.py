"""Exceptions that carry a message fit to show a user as it is."""

from __future__ import annotations

from pathlib import Path


class AnnotatorError(Exception):
    """Base class: the message is one line a user can act on."""


class BadInputError(AnnotatorError):
    """An input file cannot be used; names the file, the place and the problem."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None) -> None:
        self.path = str(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class ProjectFileError(AnnotatorError):
    """A project file cannot be opened or written (not SQLite, corrupt, newer, locked, full)."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ProjectDamagedError(ProjectFileError):
    """A project file whose contents SQLite (or our decoding of them) finds damaged.

    The advice says how to get an intact copy: by default, for a project of ours, restore
    it from a copy or its rolling backup; a file that is not ours (a colleague's file being
    merged) has no rolling backup here, so its caller says what to do instead.
    """

    def __init__(self, path: str | Path, detail: str = "", advice: str | None = None) -> None:
        if advice is None:
            backup = Path(path).with_name(Path(path).name + ".bak")
            if backup.is_file():
                advice = f"restore it from its rolling backup {backup.name} or another copy"
            else:
                advice = f"restore it from a copy (there is no rolling backup, {backup.name}, beside it)"
        self.detail = detail
        self.advice = advice
        why = f" ({detail})" if detail else ""
        super().__init__(path, f"the project file is damaged{why}; {advice}")


class CodebookError(AnnotatorError):
    """A codebook file or codebook edit is invalid."""


class AnnotationError(AnnotatorError):
    """An annotation operation was refused (offsets outside the text, unknown label, …)."""
