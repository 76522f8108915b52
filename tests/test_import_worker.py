"""Segmenting in a worker process: the same offsets as in one process, failures kept to
their file, a dead worker replaced, nothing left behind when the import is killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import nlp
from annotator.nlp import segmenter
from annotator.ops.importing import ImportCancelled, import_paths
from annotator.project import Project

# Written for these tests: runs of mixed whitespace, an astral emoji, a combining accent,
# non-breaking and ideographic spaces, a line separator, text ending in blank lines.
TRICKY = [
    "  Leading  spaces\n\n\nand\u00a0a no-break space \u2003 em\tTab.  \n Emoji \U0001F600 here!  Next one. ",
    "The mayor\u2019s plan\u2028failed. Jose\u0301 disagreed.\r\nSo did the union.\n\n\n   \n",
    "\u3000Ideographic\u3000space. \u4e16\u754c \U0001F600!",
    "x",
    "One sentence only",
]


def _articles(count: int) -> list[str]:
    return [f"Article {n}. " + TRICKY[n % len(TRICKY)] + f" The vote was {n} to {count - n}." for n in range(count)]


def _stored(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT d.sha256, d.n_tokens, d.n_sentences, d.tokenizer, c.text, c.tokens, c.sentences "
            "FROM documents d JOIN document_content c ON c.document_id = d.id ORDER BY d.sha256"
        ).fetchall()
    finally:
        conn.close()


def _reference(doc) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Offsets read token by token from spaCy's objects: the slow, obvious way."""
    tokens: list[tuple[int, int]] = []
    sentences: dict[int, list[int]] = {}
    number = 0
    for token in doc:
        if token.i == 0 or token.is_sent_start:
            number += 1
        if token.is_space or not token.text:
            continue
        span = (token.idx, token.idx + len(token.text))
        tokens.append(span)
        sentences.setdefault(number, [span[0], span[1]])[1] = span[1]
    return tokens, [tuple(pair) for pair in sentences.values()]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seventy short articles, written once for the module (the tests only read them)."""
    source = tmp_path_factory.mktemp("articles")
    for n, text in enumerate(_articles(70)):
        (source / f"{n:03d}.txt").write_bytes(text.encode("utf-8"))
    return source


@pytest.fixture(scope="module")
def one_process(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """What an import of `folder` in this process alone stores: the rows every worker import
    must store too (made once; each test compares its own project with them)."""
    path = tmp_path_factory.mktemp("one-process") / "one.annot"
    with Project.create(path) as one:
        alone = import_paths(one, [folder], segment_worker=False)
        assert len(alone.imported) == 70 and not alone.spacy_worker, "the in-process import used no worker"
    return _stored(path)


@pytest.fixture(scope="module", autouse=True)
def _one_worker_for_the_module():
    """Starting a worker costs its spaCy import (~2 s of CPU): tests that are not about a
    start reuse the running one, as the app's later imports do. Tests that need a fresh
    start stop it first; none is left running for other modules."""
    segmenter.stop_worker()
    yield
    segmenter.stop_worker()


@pytest.fixture(autouse=True)
def _no_worker_after_a_failure(request: pytest.FixtureRequest):
    """A test that failed may leave the worker out of step: the next one starts afresh."""
    failed = request.session.testsfailed
    yield
    if request.session.testsfailed != failed:
        segmenter.stop_worker()


# The order below is only for speed (tests that start no worker first, then one worker
# shared by those that merely use it); each test is right on its own.


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab. !?\n\t\u00a0\u3000\u2028\u0301,\U0001F600\u00e9", min_size=1, max_size=60))
def test_offsets_from_arrays_match_spacys_tokens_one_by_one(text: str) -> None:
    doc = nlp.pipeline("en")(text)
    for exact in (False, True):  # the first-character rule, and spaCy's IS_SPACE (trained pipelines)
        tokens, sentences = nlp.segment_blobs(nlp.token_rows(doc, exact), text, exact)
        segmentation = nlp.Segmented(tokens, sentences, "").segmentation()
        assert (segmentation.tokens, segmentation.sentences) == _reference(doc)


def test_only_large_imports_on_several_cores_use_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    segmenter.stop_worker()
    monkeypatch.delenv("ANNOTATOR_SEGMENT_WORKER", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert not segmenter.use_worker(100_000) and segmenter.use_worker(5_000_000)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert not segmenter.use_worker(5_000_000)
    monkeypatch.setenv("ANNOTATOR_SEGMENT_WORKER", "1")
    assert segmenter.use_worker(10)
    monkeypatch.setenv("ANNOTATOR_SEGMENT_WORKER", "0")
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert not segmenter.use_worker(5_000_000)


def test_a_trained_pipeline_that_is_not_installed_is_named() -> None:
    (reason,) = nlp.segment_items([("en", "Some text.")], model="en_no_such_pipeline")
    assert isinstance(reason, str) and "en_no_such_pipeline" in reason and "not installed" in reason


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal needs POSIX")
def test_typing_the_worker_flag_in_a_terminal_explains_itself() -> None:
    import pty

    root = Path(__file__).resolve().parent.parent
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "annotator", "--segment-worker"], cwd=root, stdin=terminal,
                                env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True,
                                timeout=60)
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 2 and "for the app's own use" in result.stderr and result.stdout == ""


def test_the_command_line_serves_as_a_worker_the_way_the_frozen_app_does(tmp_path: Path) -> None:
    """`annotator --segment-worker` (what the built app runs as its worker): hello, one
    request, its reply, and an exit when its input ends."""
    root = Path(__file__).resolve().parent.parent
    worker = subprocess.Popen([sys.executable, "-m", "annotator", "--segment-worker"], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(root)}, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    try:
        hello = segmenter._read_message(worker.stdout, timeout=60)
        assert hello[:2] == ("hello", segmenter.PROTOCOL)
        text = "Zwei Sätze\u00a0hier. Noch einer \U0001F600!"
        segmenter._write_message(worker.stdin, (7, None, [("de", text)], True))
        batch, _cpu, _idle, (result,) = segmenter._read_message(worker.stdout, timeout=60)
        assert batch == 7
        words = [text[s:e] for s, e in result.segmentation().tokens]
        assert words == ["Zwei", "Sätze", "hier", ".", "Noch", "einer", "\U0001F600", "!"]
        assert result.n_sentences == 2 and result.tokenizer.startswith("spaCy")
    finally:
        worker.stdin.close()
    assert worker.wait(timeout=30) == 0


def _import_with_a_worker_then_die(path: Path, pid_file: Path, folder: Path, log: Path) -> None:
    """In the forked child: import `folder` into `path` through a worker of its own, writing
    the worker's pid to `pid_file` and SIGKILLing itself once the 41st file's row is written
    (its transaction not committed). Never returns to pytest."""
    try:
        with log.open("w", encoding="utf-8") as err:
            os.dup2(err.fileno(), 2)
        from annotator.project.documents import DocumentStore

        original = DocumentStore.insert
        calls = [0]

        def insert(self, *args):
            calls[0] += 1
            original(self, *args)
            if calls[0] == 41:
                pid_file.write_text(str(segmenter.worker_pid()))
                os.kill(os.getpid(), signal.SIGKILL)

        DocumentStore.insert = insert  # the child's own copy of the class
        import_paths(Project.open(path), [folder], segment_worker=True)
    except BaseException:  # noqa: BLE001 - the parent reports it
        traceback.print_exc()
    finally:
        os._exit(70)  # only when the kill never came


def _wait_for_death(pid: int, log: Path) -> None:
    """Wait (at most 120 s) for the forked child `pid`; fail unless SIGKILL ended it."""
    deadline = time.monotonic() + 120
    while (ended := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    if ended[0] == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the importing child neither died nor ended in 120 s")
    assert os.WIFSIGNALED(ended[1]) and os.WTERMSIG(ended[1]) == signal.SIGKILL, (
        f"the child was not killed mid-import (wait status {ended[1]}): {log.read_text(encoding='utf-8')}")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # ended; a zombie waits only for its new parent to reap it


@pytest.mark.skipif(not Path("/proc").is_dir() or not hasattr(os, "fork"),
                    reason="forks the importing process and reads /proc to see its worker end")
def test_a_killed_import_keeps_finished_files_and_leaves_no_worker(folder: Path, tmp_path: Path) -> None:
    """The importing process is a child forked from this one (a real process, killed for real,
    without a fresh interpreter's start-up); its worker is a process of its own."""
    path = tmp_path / "study.annot"
    Project.create(path).close()
    log = tmp_path / "child-stderr.txt"
    segmenter.stop_worker()  # the child starts a worker of its own, never this process's
    child = os.fork()
    if child == 0:
        _import_with_a_worker_then_die(path, tmp_path / "worker.pid", folder, log)
    _wait_for_death(child, log)
    pid = int((tmp_path / "worker.pid").read_text())
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _gone(pid), "the worker outlived the import it served"
    (tmp_path / "study.annot.lock").unlink(missing_ok=True)
    with Project.open(path) as project:
        texts = sorted(project.documents.text(i) for i in project.documents.ids())
    assert texts == sorted(a.replace("\r\n", "\n") for a in _articles(70)[:40])


@pytest.mark.skipif(os.name != "posix", reason="the silent stand-in for Python is a shell script")
def test_a_worker_that_cannot_start_or_never_says_hello_leaves_the_import_to_this_process(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """...and the next import starts one for real, which never loads modules from the current
    folder (this test is about starting: it stops a running worker first)."""
    segmenter.stop_worker()
    silent = tmp_path / "silent-python"
    silent.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    silent.chmod(0o755)
    monkeypatch.setattr(segmenter, "HELLO_SECONDS", 0.5)
    for executable in ("", str(silent)):
        monkeypatch.setattr(sys, "executable", executable)
        with Project.create(tmp_path / f"p{len(executable)}.annot") as project:
            started = time.monotonic()
            report = import_paths(project, [folder], segment_worker=True)
            assert len(report.imported) == 70 and not report.spacy_worker
            assert time.monotonic() - started < 20
    monkeypatch.undo()
    assert segmenter.worker_pid() is None, "a failed start left a worker behind"
    # The worker is free for the next import, which starts it for real; and it starts from a
    # folder whose modules shadow ours and the standard library's, none of which it may load.
    here = tmp_path / "cwd"
    (here / "annotator").mkdir(parents=True)
    (here / "annotator" / "__init__.py").write_text("raise SystemExit('an old checkout')\n", encoding="utf-8")
    (here / "queue.py").write_text("raise SystemExit('a user script named queue.py')\n", encoding="utf-8")
    monkeypatch.chdir(here)
    with Project.create(tmp_path / "after.annot") as project:
        report = import_paths(project, [folder], segment_worker=True)
    assert report.spacy_worker, "after failed starts, the next import starts a worker (modules in the folder: ignored)"
    assert len(report.imported) == 70, "the worker started beside an old checkout and queue.py imported everything"


@pytest.mark.parametrize("worker_finishes", [False, True], ids=["app-makes-offsets", "worker-makes-offsets"])
def test_a_worker_process_stores_exactly_what_one_process_stores(
    folder: Path, one_process: list[tuple], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_finishes: bool
) -> None:
    # Who turns token rows into offsets follows the worker's idle time; force either way.
    monkeypatch.setattr(segmenter, "WORKER_IDLE_SECONDS", -1.0 if worker_finishes else 1e9)
    with Project.create(tmp_path / "two.annot") as two:
        beside = import_paths(two, [folder], segment_worker=True)
        assert len(beside.imported) == 70 and beside.spacy_worker and segmenter.worker_pid() is not None
        emoji_doc = next(i for i in two.documents.ids() if "Emoji" in two.documents.text(i))
        text = two.documents.text(emoji_doc)
        words = [text[s:e] for s, e in two.documents.segmentation(emoji_doc).tokens]
        assert "\U0001F600" in words and "Tab" in words and "\u00a0" not in "".join(words)
    assert _stored(tmp_path / "two.annot") == one_process


def test_a_document_in_an_unknown_language_fails_alone(tmp_path: Path) -> None:
    lines = [json.dumps({"text": "Ein kurzer Text.", "meta": {"language": "de"}}),
             json.dumps({"text": "Texte dans une langue inconnue.", "meta": {"language": "zz"}})]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "good.txt").write_text("A good English article.", encoding="utf-8")
    with Project.create(tmp_path / "p.annot") as project:
        report = import_paths(project, [tmp_path / "mixed.jsonl", tmp_path / "good.txt"], segment_worker=True)
        assert [project.documents.text(i) for i in report.imported] == ["A good English article."]
        assert len(report.failed) == 1
        failed_file, reason = report.failed[0]
        assert failed_file.endswith("mixed.jsonl") and '"zz"' in reason


def test_a_cancelled_import_leaves_the_worker_ready_for_the_next(folder: Path, one_process: list[tuple],
                                                                 tmp_path: Path) -> None:
    seen: list[str] = []
    with Project.create(tmp_path / "p.annot") as project:
        with pytest.raises(ImportCancelled):
            import_paths(project, [folder], progress=lambda d, t, p: seen.append(p),
                         cancelled=lambda: len(seen) >= 50, atomic=True, segment_worker=True)
        assert len(project.documents) == 0
        pid = segmenter.worker_pid()
        report = import_paths(project, [folder], segment_worker=True)
        assert len(report.imported) == 70 and not report.failed
        assert segmenter.worker_pid() == pid  # the same worker, still in step with its replies
    assert _stored(tmp_path / "p.annot") == one_process


def test_a_reply_is_never_taken_for_another_batchs() -> None:
    worker = segmenter._shared_worker()
    assert worker is not None
    assert worker.send(1001, None, [("en", "One short text.")])
    assert worker.receive(1002) is None  # the reply to 1001 is not 1002's


def test_one_large_file_is_parsed_batch_by_batch(tmp_path: Path) -> None:
    texts = [f"Row {n} of a large export \U0001F4CA. It has two sentences." for n in range(100)]
    split = segmenter.ProcessSegmenter()
    alone = segmenter.Segmenter()
    try:
        ticket = split.submit([("en", text) for text in texts])
        results = split.result(ticket)
    finally:
        split.close()
    assert split.worker_batches == 4  # 100 texts in requests of at most 32
    expected = alone.result(alone.submit([("en", text) for text in texts]))
    assert [(r.tokens, r.sentences, r.tokenizer) for r in results] == [
        (r.tokens, r.sentences, r.tokenizer) for r in expected]


def test_ctrl_c_during_an_import_ends_a_busy_worker_and_the_next_import_is_right(
    folder: Path, one_process: list[tuple], tmp_path: Path
) -> None:
    """Ctrl+C arrives (here from the progress callback, in the importing thread) while
    batches are in the worker: the import stops, that worker is ended rather than left
    holding replies for nobody, and the next import stores exactly what one process does."""
    def interrupt(done: int, total: int, path: str) -> None:
        if done == 60:
            raise KeyboardInterrupt

    with Project.create(tmp_path / "a.annot") as first, pytest.raises(KeyboardInterrupt):
        import_paths(first, [folder], progress=interrupt, segment_worker=True)
    assert segmenter.worker_pid() is None
    with Project.create(tmp_path / "two.annot") as two:
        report = import_paths(two, [folder], segment_worker=True)
        assert report.spacy_worker and len(report.imported) == 70
    assert _stored(tmp_path / "two.annot") == one_process


def test_a_worker_killed_mid_import_is_replaced_by_this_process(folder: Path, one_process: list[tuple],
                                                                tmp_path: Path) -> None:
    killed: list[int] = []

    def progress(done: int, total: int, path: str) -> None:
        pid = segmenter.worker_pid()
        if done == 40 and pid is not None and not killed:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with Project.create(tmp_path / "two.annot") as two:
        report = import_paths(two, [folder], progress=progress, segment_worker=True)
        assert killed and len(report.imported) == 70 and not report.failed
    assert _stored(tmp_path / "two.annot") == one_process
