"""Tokens and sentences with spaCy, imported lazily so that start-up never pays for it."""

from __future__ import annotations

import os
import pickle
import struct
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AnnotatorError
from .segmentation import Segmentation

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

_PIPELINES: dict[tuple[str, str | None], Any] = {}
BATCH_SIZE = 64


def pipeline(language: str, model: str | None = None) -> Language:
    """The spaCy pipeline for `language`: blank + sentencizer, or an installed trained one."""
    key = (language, model)
    if key in _PIPELINES:
        return _PIPELINES[key]
    import spacy

    if model:
        try:
            nlp = spacy.load(model, exclude=["ner", "lemmatizer", "textcat"])
        except OSError as error:
            raise AnnotatorError(f"spaCy pipeline {model!r} is not installed: {error}") from None
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
            nlp.add_pipe("sentencizer")
    else:
        try:
            nlp = spacy.blank(language)
        except (ImportError, KeyError) as error:
            raise AnnotatorError(f"spaCy has no language {language!r}: {error}") from None
        nlp.add_pipe("sentencizer")
    _PIPELINES[key] = nlp
    return nlp


def check_language(language: str) -> None:
    """Raise AnnotatorError unless spaCy knows the language code."""
    pipeline(language)


def describe(nlp: Language) -> str:
    """A record of the pipeline used, stored with each document."""
    import spacy

    meta = nlp.meta
    name = f"{meta.get('lang', '?')}_{meta.get('name', 'pipeline')}"
    version = meta.get("version", "")
    pipes = "+".join(nlp.pipe_names)
    return f"spaCy {spacy.__version__}; {name} {version}; {pipes}".strip()


def _whitespace_table() -> Any:
    """Which code points str.isspace() accepts, up to U+3000 (the last one there is);
    the entry after it stands for every higher code point."""
    import numpy as np

    table = np.zeros(0x3002, dtype=bool)
    table[[c for c in range(0x3001) if chr(c).isspace()]] = True
    return table


_WHITESPACE: Any = None


def token_rows(doc: Any) -> bytes:
    """What segment_blobs needs of a parsed Doc, as bytes that travel cheaply between
    processes: per token its start, whether a space follows, and whether it starts a
    sentence (int32 triples)."""
    import numpy as np
    from spacy.attrs import IDX, SENT_START, SPACY

    return doc.to_array([IDX, SPACY, SENT_START]).view(np.int64).astype(np.int32).tobytes()


def segment_blobs(rows: bytes, text: str) -> tuple[bytes, bytes]:
    """Token and sentence offsets of `text` from its token_rows, as the two blobs the
    project stores (see Segmentation): whitespace tokens left out, every sentence from its
    first to its last other token.

    Done on whole arrays with few numpy calls, since it runs once per imported document:
    a token ends where the next begins, less its trailing space (SPACY). spaCy's
    tokenizer splits the text wherever whitespace meets other characters (str.isspace),
    so a token is whitespace if its first character is.
    """
    import numpy as np

    global _WHITESPACE
    table = np.frombuffer(rows, dtype=np.int32).reshape(-1, 3)
    if not len(table):
        return b"", b""
    if _WHITESPACE is None:
        _WHITESPACE = _whitespace_table()
    starts = table[:, 0].astype(np.int64)
    ends = np.append(starts[1:], len(text)) - table[:, 1]
    code_points = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    first_chars = code_points.take(np.minimum(starts, len(code_points) - 1))
    keep = ~_WHITESPACE.take(np.minimum(first_chars, 0x3001)) & (ends > starts)
    sentence = table[:, 2] == 1
    sentence[0] = True
    sentence = sentence.cumsum()[keep]  # sentence number of every kept token
    if not len(sentence):
        return b"", b""
    tokens = np.stack((starts[keep], ends[keep]), axis=1).astype("<u4")
    breaks = np.flatnonzero(sentence[1:] != sentence[:-1])
    firsts = np.append(0, breaks + 1)
    lasts = np.append(breaks, len(sentence) - 1)
    sentences = np.stack((tokens[firsts, 0], tokens[lasts, 1]), axis=1)
    return tokens.tobytes(), sentences.tobytes()


def segment_doc(doc: Any, text: str | None = None) -> Segmentation:
    """Token and sentence offsets of a parsed spaCy Doc, whitespace tokens left out."""
    return Segmentation.from_blobs(*segment_blobs(token_rows(doc), doc.text if text is None else text))


def segment(texts: Iterable[str], language: str, model: str | None = None) -> Iterator[Segmentation]:
    """Segment texts in batches with nlp.pipe, yielding one Segmentation per text."""
    nlp = pipeline(language, model)
    for text, doc in nlp.pipe(((t, t) for t in texts), batch_size=BATCH_SIZE, as_tuples=True):
        yield segment_doc(doc, text)


# --- Segmenting many texts: in this process, or in a worker process beside it ---------
#
# An import reads and stores files (Python, SQLite) and segments their texts (spaCy).
# Both hold the GIL, so a thread cannot overlap them; a worker process can: while it
# segments one batch, this process reads the next files and stores the previous ones,
# and spaCy alone sets the pace. The worker is used for large imports on machines with
# more than one core, is kept for later imports, quits after IDLE_SECONDS without work,
# and quits at once when this process ends (its request pipe reaches end of file).

WORKER_BATCH_SIZE = 32  # texts per request: small enough to keep both processes busy
BATCH_CHARS = 400_000
IDLE_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Segmented:
    """The segmentation of one text as the project stores it (see Segmentation), or the
    reason it could not be segmented."""

    tokens: bytes
    sentences: bytes
    tokenizer: str
    error: str | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.tokens) // 8

    @property
    def n_sentences(self) -> int:
        return len(self.sentences) // 8

    def segmentation(self) -> Segmentation:
        return Segmentation.from_blobs(self.tokens, self.sentences)


def _segment_items(items: list[tuple[str, str]], model: str | None) -> list[tuple[bytes, str] | str]:
    """Parse (language, text) pairs, one nlp.pipe batch per language; each result is
    (token_rows, pipeline description) or an error message. (segment_blobs finishes the
    work where the result is used: in a worker process this halves what the worker adds
    to spaCy's own time, which sets the pace.)"""
    results: list[tuple[bytes, str] | str] = [""] * len(items)
    by_language: dict[str, list[int]] = {}
    for index, (language, _) in enumerate(items):
        by_language.setdefault(language, []).append(index)
    for language, places in by_language.items():
        try:
            nlp = pipeline(language, model)
        except AnnotatorError:
            for index in places:
                results[index] = f'language "{language}" is not one spaCy knows (use a code like en, de, fr)'
            continue
        described = describe(nlp)
        texts = [items[index][1] for index in places]
        done = 0
        try:
            for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
                results[places[done]] = (token_rows(doc), described)
                done += 1
        except Exception:  # noqa: BLE001 - find the text at fault, keep the others
            for k in range(done, len(places)):
                try:
                    results[places[k]] = (token_rows(nlp(texts[k])), described)
                except Exception as error:  # noqa: BLE001
                    results[places[k]] = f"spaCy cannot segment it ({type(error).__name__}: {error})"
    return results


def _finish(result: tuple[bytes, str] | str, text: str) -> Segmented:
    if isinstance(result, str):
        return Segmented(b"", b"", "", result)
    rows, described = result
    return Segmented(*segment_blobs(rows, text), described)


class Segmenter:
    """Segments texts in batches, in submission order, in this process.

    `submit` takes the (language, text) pairs of one file and returns a ticket;
    `result(ticket)` gives their Segmented results. Texts wait until a result is asked
    for, so that spaCy sees large batches across files.
    """

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self._next = 0
        self._waiting: list[tuple[int, list[tuple[str, str]]]] = []
        self._done: dict[int, tuple[list[tuple[str, str]], list[Any]]] = {}  # ticket -> items, results
        self.cpu_seconds = 0.0  # CPU time the worker process spent on this segmenter's texts
        self.worker_batches = 0  # batches a worker process segmented

    def submit(self, items: list[tuple[str, str]]) -> int:
        ticket = self._next
        self._next += 1
        self._waiting.append((ticket, items))
        return ticket

    def result(self, ticket: int) -> list[Segmented]:
        if ticket not in self._done:
            self._segment_waiting()
        return self._finished(ticket)

    def _finished(self, ticket: int) -> list[Segmented]:
        items, results = self._done.pop(ticket)
        return [_finish(result, text) for (_, text), result in zip(items, results)]

    def _segment_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        flat = [item for _, items in waiting for item in items]
        results = iter(_segment_items(flat, self.model))
        for ticket, items in waiting:
            self._done[ticket] = (items, [next(results) for _ in items])

    def close(self) -> None:
        """Forget what was not asked for."""
        self._waiting.clear()
        self._done.clear()


class ProcessSegmenter(Segmenter):
    """Segments in a worker process while this one goes on; falls back to this process
    if the worker cannot be started or dies."""

    def __init__(self, model: str | None = None) -> None:
        super().__init__(model)
        self._worker: _Worker | None = None
        self._started = False  # the worker is started with the first batch, not before
        self._holds_worker = False
        self._buffer: list[tuple[int, list[tuple[str, str]]]] = []
        self._buffer_chars = self._buffer_docs = 0
        self._sent: dict[int, list[tuple[int, list[tuple[str, str]]]]] = {}  # batch id -> files
        self._order: list[int] = []  # batch ids in the order they were sent
        self._batch = 0

    def submit(self, items: list[tuple[str, str]]) -> int:
        ticket = self._next
        self._next += 1
        self._buffer.append((ticket, items))
        self._buffer_chars += sum(len(text) for _, text in items)
        self._buffer_docs += len(items)
        if self._buffer_docs >= WORKER_BATCH_SIZE or self._buffer_chars >= BATCH_CHARS:
            self._send()
        return ticket

    def result(self, ticket: int) -> list[Segmented]:
        if any(t == ticket for t, _ in self._buffer):
            self._send()
        while ticket not in self._done:
            if not self._order:  # pragma: no cover - a ticket that was never submitted
                raise KeyError(ticket)
            self._receive()
        return self._finished(ticket)

    def _send(self) -> None:
        files, self._buffer, self._buffer_chars, self._buffer_docs = self._buffer, [], 0, 0
        if not files:
            return
        batch = self._batch
        self._batch += 1
        self._sent[batch] = files
        self._order.append(batch)
        if not self._started:
            self._started = True
            if _WORKER_IN_USE.acquire(blocking=False):  # one import at a time speaks to it
                self._worker = _shared_worker()
                self._holds_worker = self._worker is not None
                if not self._holds_worker:
                    _WORKER_IN_USE.release()
        if self._worker is not None and not self._worker.send(batch, self.model, [i for _, items in files for i in items]):
            self._worker = None

    def _receive(self) -> None:
        batch = self._order.pop(0)
        files = self._sent.pop(batch)
        reply = self._worker.receive(batch) if self._worker is not None else None
        if reply is None:  # no worker, or it died: segment here
            self._worker = None
            flat = [item for _, items in files for item in items]
            results = _segment_items(flat, self.model)
        else:
            cpu, results = reply
            self.worker_batches += 1
            self.cpu_seconds += cpu
            _WORKER_CPU[0] += cpu
        found = iter(results)
        for ticket, items in files:
            self._done[ticket] = (items, [next(found) for _ in items])

    def close(self) -> None:
        """Wait for what is still in the worker, so the next user starts in step."""
        while self._order:
            batch = self._order.pop(0)
            self._sent.pop(batch, None)
            if self._worker is not None and self._worker.receive(batch) is None:
                self._worker = None
        self._buffer.clear()
        self._done.clear()
        if self._started and self._holds_worker:
            self._holds_worker = False
            _WORKER_IN_USE.release()


class _Worker:
    """The worker process, started as `python -c …` (or the frozen app with
    --segment-worker) so that it never re-runs the parent's main script, and spoken to
    through its standard input and output: length-prefixed pickles."""

    def __init__(self) -> None:
        import subprocess

        if getattr(sys, "frozen", False):  # a PyInstaller build: the app binary itself
            command = [sys.executable, WORKER_FLAG]
        else:
            command = [sys.executable, "-c", "from annotator.nlp import serve_worker; serve_worker()"]
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            close_fds=True,
        )
        for pipe in (self.process.stdin, self.process.stdout):
            _widen(pipe)

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, batch: int, model: str | None, items: list[tuple[str, str]]) -> bool:
        try:
            _write_message(self.process.stdin, (batch, model, items))
            return True
        except (OSError, ValueError):
            self.stop()
            return False

    def receive(self, batch: int) -> tuple[float, list[Any]] | None:
        """The reply to `batch`, or None if the worker is gone."""
        try:
            got, cpu, results = _read_message(self.process.stdout)
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            self.stop()
            return None
        if got != batch:  # pragma: no cover - replies come in order; anything else is a bug
            self.stop()
            return None
        return cpu, results

    def stop(self) -> None:
        global _WORKER
        for end in (self.process.stdin, self.process.stdout):
            try:
                end.close()
            except OSError:  # pragma: no cover
                pass
        try:
            self.process.wait(timeout=5)  # end of input: it quits
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
            self.process.kill()
            self.process.wait()
        if _WORKER is self:
            _WORKER = None


WORKER_FLAG = "--segment-worker"
PIPE_BYTES = 1 << 20


def _widen(pipe: Any) -> None:
    """Let a pipe hold a whole request or reply (Linux; 64 KiB is the default), so that
    neither process waits for the other to get the GIL back and read."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # other systems, or a lower limit: slower, still correct


def _write_message(stream: Any, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def _read_exactly(stream: Any, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) < size:
        raise EOFError("the other process closed the pipe")
    return data


def _read_message(stream: Any) -> Any:
    (size,) = struct.unpack("<Q", _read_exactly(stream, 8))
    return pickle.loads(_read_exactly(stream, size))


_WORKER: _Worker | None = None
_WORKER_IN_USE = threading.Lock()
_WORKER_CPU = [0.0]
_AT_EXIT: list[bool] = []


def worker_cpu_seconds() -> float:
    """CPU time worker processes have spent segmenting, in all, as they reported it."""
    return _WORKER_CPU[0]


def _shared_worker() -> _Worker | None:
    """The worker process, started if needed; None if it cannot be started."""
    global _WORKER
    if _WORKER is not None and not _WORKER.alive():
        _WORKER.stop()
    if _WORKER is None:
        try:
            _WORKER = _Worker()
        except (OSError, RuntimeError):
            return None
        if not _AT_EXIT:
            import atexit

            atexit.register(stop_worker)  # end it with this process, without a warning
            _AT_EXIT.append(True)
    return _WORKER


def stop_worker() -> None:
    """End the worker process, if there is one."""
    if _WORKER is not None:
        _WORKER.stop()


def worker_pid() -> int | None:
    """Process id of the running worker, if any."""
    return _WORKER.process.pid if _WORKER is not None and _WORKER.alive() else None


def use_worker(texts_bytes: int) -> bool:
    """Whether an import of about `texts_bytes` bytes is worth a worker process: there are
    two cores or more, and spaCy's work (about 0.3 s per MB) outweighs starting a
    process (the worker then imports spaCy instead of this process; once running it is
    kept for smaller imports too). ANNOTATOR_SEGMENT_WORKER=0 or 1 forces the choice."""
    forced = os.environ.get("ANNOTATOR_SEGMENT_WORKER", "")
    if forced in ("0", "1"):
        return forced == "1"
    if (os.cpu_count() or 1) < 2:
        return False
    if _WORKER is not None and _WORKER.alive():
        return texts_bytes >= WORKER_MIN_BYTES // 8
    return texts_bytes >= WORKER_MIN_BYTES


WORKER_MIN_BYTES = 1_000_000


def make_segmenter(texts_bytes: int, model: str | None = None, worker: bool | None = None) -> Segmenter:
    """A segmenter for an import of about `texts_bytes` bytes of input; `worker` forces
    the choice of a worker process (None: decide by size and cores)."""
    if use_worker(texts_bytes) if worker is None else worker:
        return ProcessSegmenter(model)
    return Segmenter(model)


def serve_worker(idle_seconds: float = IDLE_SECONDS) -> None:
    """The worker process's loop: segment each request and reply, in order.

    Requests come on standard input and replies go to the original standard output;
    anything else printed goes to standard error. A reader thread takes requests as they
    come, so the parent never blocks sending while this process is sending a reply. The
    loop ends when standard input reaches its end (the parent closed it, ended or was
    killed) or after `idle_seconds` without a request.
    """
    import queue
    import signal
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    requests = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not break replies
    pending: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        try:
            while True:
                pending.put(_read_message(requests))
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pending.put(None)

    threading.Thread(target=read, daemon=True).start()
    while True:
        try:
            request = pending.get(timeout=idle_seconds)
        except queue.Empty:
            return
        if request is None:
            return
        batch, model, items = request
        start = time.process_time()
        results = _segment_items(items, model)
        try:
            _write_message(replies, (batch, time.process_time() - start, results))
        except (OSError, ValueError):
            return
