"""Untrusted input: a colleague's project file to merge and a Word file to import are refused
with one line naming the file and the problem, and the project stays byte-identical."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import struct
import zipfile
from pathlib import Path

import pytest
from reliability_support import Worker

from annotator.cli import main
from annotator.errors import BadInputError, ProjectFileError
from annotator.formats.readers import read_documents
from annotator.ops.importing import import_paths
from annotator.ops.merge import merge_project, read_other, unknown_labels
from annotator.project import Project

# Written for these tests: an emoji (astral), combining marks, a non-breaking space, CRLF.
OUR_TEXT = "The port strike entered its third day\u00a0\U0001F6A2 and Zoe\u0308 Mbeki spoke.\r\nShelves emptied."
THEIR_TEXT = "Only the colleague imported this. Cafe\u0301 owners voiced naive hopes \U0001F600 for summer."


def sha256(path: Path) -> str:
    """Hash of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_project(path: Path, text: str, annotator: str) -> None:
    """A closed project at `path` with `text` imported and one span by `annotator`."""
    folder = path.parent / f"in-{path.stem}"
    folder.mkdir()
    (folder / "article.txt").write_bytes(text.encode("utf-8"))
    with Project.create(path) as project:
        assert import_paths(project, [folder]).imported
        project.annotators.ensure(annotator)
        [document] = project.documents.ids()
        start = project.documents.text(document).index("strike" if "strike" in text else "owners")
        project.annotations.add(document, annotator, "Framing", "Economic", start, start + 6)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Our project and the colleague's, each made once for the module (closed; copied per test)."""
    folder = tmp_path_factory.mktemp("untrusted-templates")
    made = {"ours": folder / "ours.annot", "theirs": folder / "colleague.annot"}
    make_project(made["ours"], OUR_TEXT, "ada")
    make_project(made["theirs"], THEIR_TEXT, "ben")
    return made


@pytest.fixture
def ours(tmp_path: Path, made: dict[str, Path]) -> Path:
    """Our closed project file."""
    return Path(shutil.copyfile(made["ours"], tmp_path / "ours.annot"))


@pytest.fixture
def theirs(tmp_path: Path, made: dict[str, Path]) -> Path:
    """The colleague's closed project file: another article, ben's span on it."""
    (tmp_path / "mail").mkdir()
    return Path(shutil.copyfile(made["theirs"], tmp_path / "mail" / "colleague.annot"))


def alter(path: Path, *statements: tuple[str, list[object]]) -> None:
    """Change a closed project file behind the application's back, with sqlite3."""
    conn = sqlite3.connect(path)
    try:
        for sql, parameters in statements:
            conn.execute(sql, parameters)
        conn.commit()
    finally:
        conn.close()


def pairs_blob(pairs: list[tuple[int, int]]) -> bytes:
    """uint32 (start, end) pairs, little endian: how tokens and sentences are stored."""
    return b"".join(struct.pack("<II", start, end) for start, end in pairs)


def merge_refused(ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    """Run `annotator merge`; expect exit 2, one line naming their file and `fragments`; ours unchanged."""
    before, other = sha256(ours), sha256(theirs)
    capsys.readouterr()
    code = main(["merge", str(ours), str(theirs)])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"annotator merge: {theirs}: "), err
    for fragment in fragments:
        assert fragment in lines[0], err
    assert sha256(ours) == before, "the project file changed"
    assert sha256(theirs) == other, "their file changed"
    return lines[0]


# ----- merge: the same limits as import ------------------------------------------------


def test_merge_refuses_a_document_longer_than_an_import_may_be(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "word " * 200_001  # 1,000,005 characters, with well-formed tokens and one sentence
    tokens = pairs_blob([(5 * i, 5 * i + 4) for i in range(200_001)])
    alter(theirs, ("UPDATE document_content SET text = ?, tokens = ?, sentences = ?",
                   [text, tokens, pairs_blob([(0, len(text) - 1)])]),
          ("UPDATE documents SET length = ?, n_tokens = 200001, n_sentences = 1", [len(text)]))
    merge_refused(ours, theirs, capsys, "1,000,005 characters", "1,000,000")


@pytest.mark.parametrize("damage, pairs", [
    ("reversed", [(0, 4), (9, 5)]),
    ("unsorted", [(5, 9), (0, 4)]),
    ("past the end", [(0, 4), (5, 10_000)]),
    ("empty", [(0, 4), (4, 4)]),
    ("none", []),
])
def test_merge_refuses_damaged_tokens(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str], damage: str, pairs: list[tuple[int, int]]
) -> None:
    alter(theirs, ("UPDATE document_content SET tokens = ?", [pairs_blob(pairs)]))
    merge_refused(ours, theirs, capsys, "tokens")


def test_merge_refuses_sentences_that_are_not_whole_pairs(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alter(theirs, ("UPDATE document_content SET sentences = ?", [pairs_blob([(0, 20)]) + b"\x01\x02\x03"]))
    merge_refused(ours, theirs, capsys, "sentences")


NOT_UUID = "bell\x07-not-a-uuid"


@pytest.mark.parametrize("what, statements", [
    ("annotation", [("UPDATE annotations SET id = ?", [NOT_UUID])]),
    ("document", [("PRAGMA foreign_keys = OFF", []),
                  *[(f"UPDATE {t} SET {c} = ?", [NOT_UUID]) for t, c in (
                      ("documents", "id"), ("document_content", "document_id"), ("annotations", "document_id"),
                      ("document_status", "document_id"))]]),
    ("comment", [("INSERT INTO comments (id, annotation_id, author, body, created_at) "
                  "SELECT ?, id, 'ben', 'see page 2', '2026-01-01' FROM annotations", [NOT_UUID])]),
    ("curation", [("INSERT INTO curation_log (at, curator, document_id, source_annotation_id, decision) "
                   "SELECT '2026-01-01', 'curator', document_id, ?, 'accept' FROM annotations", [NOT_UUID])]),
])
def test_merge_refuses_ids_that_are_not_uuids(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str], what: str, statements: list
) -> None:
    alter(theirs, *statements)
    merge_refused(ours, theirs, capsys, "not a UUID", what)


def test_merge_refuses_a_damaged_file_naming_it_as_damaged(
    ours: Path, theirs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(theirs)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'annotations_by_label'").fetchone()[0]
    conn.close()
    data = bytearray(theirs.read_bytes())
    data[(root - 1) * page_size] = 0x07  # not a b-tree page type: only an index nobody reads is hurt
    theirs.write_bytes(bytes(data))
    line = merge_refused(ours, theirs, capsys, "the project file is damaged",
                         "ask its owner for a fresh copy")
    assert ".bak" not in line and "rolling backup" not in line, line  # their file has no backup of ours


def test_merge_refuses_a_file_with_a_damaged_schema_as_theirs_to_replace(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alter(theirs, ("PRAGMA writable_schema = ON", []),
          ("UPDATE sqlite_master SET sql = 'CREATE INDEX annotations_by_label ON' WHERE name = ?",
           ["annotations_by_label"]))
    line = merge_refused(ours, theirs, capsys, "the project file is damaged", "malformed database schema",
                         "ask its owner for a fresh copy")
    assert ".bak" not in line and "rolling backup" not in line, line


def test_a_well_formed_colleague_file_still_merges(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["merge", str(ours), str(theirs)]) == 0, capsys.readouterr().err
    with Project.open(ours) as project:
        assert len(project.documents) == 2 and project.annotations.count() == 2


# ----- merge: never touching an open project file with anything but SQLite -------------


def _locks_held(path: Path, other_process: Worker) -> bool:
    """True if some process holds a POSIX lock on `path` (asked from another process)."""
    probe = (
        "import fcntl, os, struct, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
        "lock = struct.pack('hhqqi', fcntl.F_WRLCK, 0, 0, 0, 0)\n"
        "print(struct.unpack('hhqqi', fcntl.fcntl(fd, fcntl.F_GETLK, lock))[0] != fcntl.F_UNLCK)\n"
        "os.close(fd)\n"
    )
    run = other_process.python(probe, str(path))
    assert run.returncode == 0, run.stderr
    return run.stdout.strip() == "True"


@pytest.mark.skipif(os.name != "posix", reason="POSIX advisory locks")
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_choosing_a_project_file_open_here_is_refused_and_its_locks_stay(
    ours: Path, theirs: Path, suffix: str, other_process: Worker
) -> None:
    with Project.open(ours) as project, Project.open(theirs) as colleague:
        project.documents.ids(), colleague.documents.ids()
        assert _locks_held(ours, other_process) and _locks_held(theirs, other_process)
        for chosen in (ours, theirs):
            path = chosen.with_name(chosen.name + suffix)
            assert path.exists()
            for attempt in (read_other, lambda p: unknown_labels(project, p), lambda p: merge_project(project, p)):
                with pytest.raises(ProjectFileError, match="open in this app|this project itself"):
                    attempt(path)
        assert _locks_held(ours, other_process) and _locks_held(theirs, other_process), \
            "SQLite's locks were dropped"
        assert project.annotations.count() == 1


def test_a_colleague_file_open_in_another_running_app_is_merged_with_its_latest_changes(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str], other_process: Worker
) -> None:
    script = (
        "import sys\n"
        "from annotator.project import Project\n"
        "project = kept['app'] = Project.open(sys.argv[1])\n"
        "[doc] = project.documents.ids()\n"
        "project.annotations.add(doc, 'ben', 'Framing', 'Political', 0, 4)\n"
        "print('ready')\n"
    )
    app = other_process.python(script, str(theirs), keep_open=True)  # the other app keeps it open
    try:
        assert (app.returncode, app.stdout.strip()) == (0, "ready"), app.stderr
        assert main(["merge", str(ours), str(theirs)]) == 0, capsys.readouterr().err
    finally:
        closed = other_process.python("kept.pop('app').close()")
    assert closed.returncode == 0, closed.stderr
    with Project.open(ours) as project:
        assert project.annotations.count() == 3  # ada's, ben's, and ben's latest (still in their WAL)


# ----- .docx: no DTDs, no entities ------------------------------------------------------


def make_docx(path: Path) -> Path:
    """A small Word document with a header, written by python-docx."""
    import docx

    word = docx.Document()
    word.add_paragraph("The council voted at 10\u00a0a.m.; Rene\u0301e Dubois abstained \U0001F389. PLACEHOLDER")
    word.sections[0].header.paragraphs[0].text = "Harbour Herald"
    word.core_properties.title = "Harbour vote"
    word.save(str(path))
    return path


def patch_docx(path: Path, part: str, change: object) -> Path:
    """Rewrite one part of a .docx (a function of its bytes), keeping the others."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    assert part in [info.filename for info, _ in members]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, change(data) if info.filename == part else data)  # type: ignore[operator]
    return path


def with_doctype(doctype: str, entity_use: bytes = b"") -> object:
    """A patch that puts `doctype` after the XML declaration (and `entity_use` for PLACEHOLDER)."""
    def change(data: bytes) -> bytes:
        head, sep, rest = data.partition(b"?>")
        return head + sep + b"\n" + doctype.encode() + rest.replace(b"PLACEHOLDER", entity_use)
    return change


XXE = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
LAUGHS = ("<!DOCTYPE w:document [<!ENTITY lol \"lol\">"
          + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
                    for n in range(1, 10))
          + "]>")


def test_a_docx_with_an_external_entity_is_refused_and_nothing_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = patch_docx(make_docx(tmp_path / "vote.docx"), "word/document.xml", with_doctype(XXE, b"&xxe;"))
    project = tmp_path / "study.annot"
    assert main(["new", str(project)]) == 0
    before = sha256(project)
    capsys.readouterr()
    code = main(["import", str(project), str(path)])
    out = capsys.readouterr()
    assert code != 0, out
    assert f"failed: {path}: " in out.out + out.err and "DTD" in out.out + out.err
    assert sha256(project) == before
    with Project.open(project, readonly=True) as opened:
        assert len(opened.documents) == 0


def test_a_docx_billion_laughs_is_refused_saying_why(tmp_path: Path) -> None:
    path = patch_docx(make_docx(tmp_path / "laughs.docx"), "word/document.xml", with_doctype(LAUGHS, b"&lol9;"))
    with pytest.raises(BadInputError) as caught:
        read_documents(path)
    assert caught.value.path == str(path)
    assert "word/document.xml" in caught.value.problem and "DTD" in caught.value.problem
    assert "refused for safety" in caught.value.problem


@pytest.mark.parametrize("part", ["word/header1.xml", "docProps/core.xml", "[Content_Types].xml",
                                  "word/_rels/document.xml.rels", "word/styles.xml"])
def test_a_dtd_in_any_part_python_docx_reads_is_refused(tmp_path: Path, part: str) -> None:
    path = make_docx(tmp_path / "parts.docx")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    part = part if part in names else next(n for n in names if n.startswith("word/header"))
    patch_docx(path, part, with_doctype('<!DOCTYPE x [<!ENTITY e "e">]>'))
    with pytest.raises(BadInputError) as caught:
        read_documents(path)
    assert part in caught.value.problem and "DTD" in caught.value.problem


def test_a_dtd_in_a_utf16_part_is_refused(tmp_path: Path) -> None:
    def utf16(data: bytes) -> bytes:
        text = data.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'")
        assert "encoding='UTF-16'" in text
        head, sep, rest = text.partition("?>")
        return (head + sep + "\n" + XXE + rest.replace("PLACEHOLDER", "&xxe;")).encode("utf-16")

    path = patch_docx(make_docx(tmp_path / "wide.docx"), "word/document.xml", utf16)
    with pytest.raises(BadInputError, match="DTD"):
        read_documents(path)


def test_a_plain_docx_still_imports_with_its_text(tmp_path: Path) -> None:
    path = patch_docx(make_docx(tmp_path / "plain.docx"), "word/document.xml",
                      lambda data: data.replace(b"PLACEHOLDER", b"Done."))
    [document] = read_documents(path)
    assert document.text == "The council voted at 10\u00a0a.m.; Rene\u0301e Dubois abstained \U0001F389. Done."
    assert document.title == "Harbour vote"


def test_a_utf16_docx_without_a_dtd_still_imports(tmp_path: Path) -> None:
    def utf16(data: bytes) -> bytes:
        return data.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'").replace(
            "PLACEHOLDER", "Done.").encode("utf-16")

    [document] = read_documents(patch_docx(make_docx(tmp_path / "wide.docx"), "word/document.xml", utf16))
    assert document.text.endswith("abstained \U0001F389. Done.")
