"""Segmenting an import's texts with spaCy: in this process, or in a worker process beside it.

An import reads and stores files (Python, SQLite) and segments their texts (spaCy). All
of it holds the GIL, so a thread cannot overlap them; a worker process can: while it
parses one batch, this process reads the next files and stores the previous ones, and
spaCy alone sets the pace. The worker is used for large imports on machines with two
cores or more (use_worker), started with the first batch, kept for later imports, ends
after IDLE_SECONDS without work and at once when this process ends or is killed (its
input reaches end of file).

The worker is `python -P -c …` (or the frozen app started with --segment-worker), so it
never re-runs a caller's main script and never imports modules from the current folder.
It speaks through its standard input and output: length-prefixed pickles, first a hello
naming the protocol and the package it imported, which must be ours. Batches carry ids
unique in this process, so a reply can never be taken for another's. Anything that goes
wrong with the worker — it cannot start, says the wrong hello, dies, is interrupted
mid-message — ends it, and this process segments what is left itself: the stored result
is the same either way.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pickle
import struct
import sys
import threading
from collections import deque
from pathlib import Path
from typing import Any

from .spacy_pipeline import Parsed, Segmented, finish, finish_many, segment_items

PROTOCOL = 2
WORKER_FLAG = "--segment-worker"
WORKER_BATCH_SIZE = 32  # texts per request: small enough to keep both processes busy
BATCH_CHARS = 400_000  # characters per request at most (unless one text is longer)
IDLE_SECONDS = 600.0
HELLO_SECONDS = 60.0
WORKER_IDLE_SECONDS = 0.002  # a worker that waited longer for a request has time to spare  # a worker that has not said hello by then is not ours
PIPE_BYTES = 1 << 20
WORKER_MIN_BYTES = 1_000_000

Item = tuple[str, str]  # (language, text)


class Segmenter:
    """Segments texts in batches, in submission order, in this process.

    `submit` takes the (language, text) pairs of one file and returns a ticket;
    `result(ticket)` gives their Segmented results, tickets asked for in submission
    order. Texts wait until a result is asked for, so that spaCy sees large batches
    across files. `close()` ends normally; `abandon()` when an error or interruption is
    on its way out.
    """

    def __init__(self, model: str | None = None) -> None:
        self.model = model
        self._next = 0
        self._waiting: list[tuple[int, list[Item]]] = []
        self._done: dict[int, tuple[list[Item], list[Parsed | Segmented | str]]] = {}
        self.worker_batches = 0  # batches a worker process segmented

    def submit(self, items: list[Item]) -> int:
        ticket = self._next
        self._next += 1
        self._waiting.append((ticket, list(items)))
        return ticket

    def result(self, ticket: int) -> list[Segmented]:
        if ticket not in self._done:
            waiting, self._waiting = self._waiting, []
            texts = [item for _, items in waiting for item in items]
            # Offsets for the whole batch at once: per text, numpy's calls cost more than their work.
            results = iter(finish_many(segment_items(texts, self.model), [text for _, text in texts]))
            for waiting_ticket, items in waiting:
                self._done[waiting_ticket] = (items, [next(results) for _ in items])
        items, results = self._done.pop(ticket)
        return [finish(result, text) for (_, text), result in zip(items, results)]

    def close(self) -> None:
        """Forget what was not asked for."""
        self._waiting.clear()
        self._done.clear()

    def abandon(self) -> None:
        """Stop after an error or an interruption."""
        self.close()


class ProcessSegmenter(Segmenter):
    """Segments in a worker process while this one goes on (see the module docstring)."""

    def __init__(self, model: str | None = None) -> None:
        super().__init__(model)
        self._worker: _Worker | None = None
        self._started = False  # the worker is started with the first batch, not before
        self._holds_worker = False
        self._items: dict[int, list[Item]] = {}  # ticket -> its texts
        self._results: dict[int, list[Parsed | Segmented | str]] = {}  # ticket -> results so far
        self._buffer: list[tuple[int, Item]] = []  # (ticket, text) not sent yet
        self._buffer_chars = 0
        self._sent: deque[tuple[int, list[tuple[int, Item]]]] = deque()  # (batch id, entries), oldest first
        # Who turns spaCy's token rows into offsets: this process, unless the worker had
        # to wait for its last request (then this process is the slower one and the
        # worker takes that work too). The two trade it to stay equally busy.
        self._worker_finishes = False

    def submit(self, items: list[Item]) -> int:
        ticket = self._next
        self._next += 1
        self._items[ticket] = list(items)
        self._results[ticket] = []
        for item in items:  # a large file is split: it is parsed batch by batch too
            self._buffer.append((ticket, item))
            self._buffer_chars += len(item[1])
            if len(self._buffer) >= WORKER_BATCH_SIZE or self._buffer_chars >= BATCH_CHARS:
                self._send()
        return ticket

    def result(self, ticket: int) -> list[Segmented]:
        items = self._items[ticket]
        while len(self._results[ticket]) < len(items):
            if not self._sent or any(t == ticket for t, _ in self._buffer):
                self._send()
            self._receive()
        del self._items[ticket]
        return [finish(result, text) for (_, text), result in zip(items, self._results.pop(ticket))]

    def _send(self) -> None:
        entries, self._buffer, self._buffer_chars = self._buffer, [], 0
        if not entries:
            return
        batch = next(_BATCH_IDS)
        self._sent.append((batch, entries))
        if not self._started:
            self._started = True
            if _WORKER_IN_USE.acquire(blocking=False):  # one import at a time speaks to it
                self._worker = _shared_worker()
                self._holds_worker = self._worker is not None
                if not self._holds_worker:
                    _WORKER_IN_USE.release()
        if self._worker is None:
            return
        try:
            sent = self._worker.send(batch, self.model, [item for _, item in entries], self._worker_finishes)
        except BaseException:  # interrupted mid-message: the worker cannot be trusted
            self._drop_worker()
            raise
        if not sent:
            self._drop_worker()

    def _receive(self) -> None:
        """Take the reply to the oldest batch sent (or segment it here)."""
        batch, entries = self._sent[0]
        reply = None
        if self._worker is not None:
            try:
                reply = self._worker.receive(batch)
            except BaseException:
                self._drop_worker()
                raise
            if reply is None:
                self._drop_worker()
        if reply is None:
            results = segment_items([item for _, item in entries], self.model)
        else:
            cpu, idle, results = reply
            self._worker_finishes = idle > WORKER_IDLE_SECONDS
            self.worker_batches += 1
            _WORKER_CPU[0] += cpu
        results = finish_many(results, [text for _, (_, text) in entries])  # the batch's offsets at once
        self._sent.popleft()
        for (ticket, _), result in zip(entries, results):
            self._results[ticket].append(result)

    def _drop_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop(wait=False)
            self._worker = None

    def close(self) -> None:
        """Take what is still on its way (nothing, when every result was asked for), so
        the worker is in step for the next import; then let others use it."""
        try:
            while self._sent:
                self._receive()
        finally:
            self._release()

    def abandon(self) -> None:
        """After an error or an interruption: a worker with work in hand is ended, not
        waited for."""
        try:
            if self._sent:
                self._drop_worker()
        finally:
            self._release()

    def _release(self) -> None:
        self._buffer.clear()
        self._sent.clear()
        self._items.clear()
        self._results.clear()
        if self._holds_worker:
            self._holds_worker = False
            _WORKER_IN_USE.release()


class _Worker:
    """The worker process and its pipes."""

    def __init__(self) -> None:
        import subprocess

        if not sys.executable:
            raise OSError("this Python has no executable to start a worker with")
        if getattr(sys, "frozen", False):  # a PyInstaller build: the app binary itself
            command = [sys.executable, WORKER_FLAG]
        else:
            # -P: nothing from the current folder. The package is loaded from the very
            # folder this process loaded it from (a checkout may sit beside an installed
            # copy); everything else comes from the interpreter's own path.
            package = Path(__file__).resolve().parents[1]  # annotator/ (this is annotator/nlp/segmenter.py)
            code = ("import importlib.util, sys; "
                    f"spec = importlib.util.spec_from_file_location('annotator', {str(package / '__init__.py')!r}, "
                    f"submodule_search_locations=[{str(package)!r}]); "
                    "module = importlib.util.module_from_spec(spec); sys.modules['annotator'] = module; "
                    "spec.loader.exec_module(module); "
                    "from annotator.nlp.segmenter import serve_worker; serve_worker()")
            command = [sys.executable, "-P", "-c", code]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                                        close_fds=True)
        for pipe in (self.process.stdin, self.process.stdout):
            _widen(pipe)
        try:
            hello = _read_message(self.process.stdout, timeout=HELLO_SECONDS)
        except (EOFError, OSError, ValueError, TimeoutError, pickle.UnpicklingError) as error:
            self.stop(wait=False)
            raise OSError(f"the worker did not start: {error}") from None
        if hello != ("hello", PROTOCOL, _package_root()):
            self.stop(wait=False)
            raise OSError(f"the worker is not this version of the app: {hello!r}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, batch: int, model: str | None, items: list[Item], finished: bool = False) -> bool:
        try:
            _write_message(self.process.stdin, (batch, model, items, finished))
            return True
        except (OSError, ValueError):
            return False

    def receive(self, batch: int) -> tuple[float, float, list[Parsed | Segmented | str]] | None:
        """The reply to `batch`: the worker's CPU time on it, how long it waited for it, the
        results; None if the worker is gone or out of step."""
        try:
            got, cpu, idle, results = _read_message(self.process.stdout)
        except (EOFError, OSError, ValueError, TypeError, pickle.UnpicklingError):
            return None
        return (cpu, idle, results) if got == batch else None

    def stop(self, wait: bool = True) -> None:
        """End the worker: by closing its input (it quits), or at once if not `wait`."""
        global _WORKER
        if _WORKER is self:
            _WORKER = None
        for end in (self.process.stdin, self.process.stdout):
            try:
                end.close()
            except OSError:  # pragma: no cover
                pass
        if wait:
            try:
                self.process.wait(timeout=5)
                return
            except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
                pass
        self.process.kill()
        self.process.wait()


_BATCH_IDS = itertools.count()  # unique in this process: a stale reply is never taken for another
_WORKER: _Worker | None = None
_WORKER_IN_USE = threading.Lock()
_WORKER_CPU = [0.0]


def _package_root() -> str:
    """The folder holding this `annotator` package (this module is annotator/nlp/segmenter.py)."""
    return str(Path(__file__).resolve().parents[2])


def _widen(pipe: Any) -> None:
    """Let a pipe hold a whole request or reply (Linux; 64 KiB is the default), so that
    neither process waits for the other to get the GIL back and read."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # other systems, or a lower limit: slower, still correct


def _write_message(stream: Any, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    for part in (struct.pack("<Q", len(payload)), payload):
        data = memoryview(part)
        while data:  # an unbuffered pipe may take part of it at a time
            written = stream.write(data)
            data = data[written or 0:]
    stream.flush()


def _read_exactly(stream: Any, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("the other process closed the pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_message(stream: Any, timeout: float | None = None) -> Any:
    if timeout is not None and os.name == "posix":  # Windows cannot wait on a pipe
        import select

        if not select.select([stream], [], [], timeout)[0]:
            raise TimeoutError(f"no answer in {timeout:.0f} s")
    (size,) = struct.unpack("<Q", _read_exactly(stream, 8))
    return pickle.loads(_read_exactly(stream, size))


def worker_cpu_seconds() -> float:
    """CPU time worker processes have spent segmenting, in all, as they reported it."""
    return _WORKER_CPU[0]


def _shared_worker() -> _Worker | None:
    """The worker process, started if needed; None if it cannot be started."""
    global _WORKER
    if _WORKER is not None and not _WORKER.alive():
        _WORKER.stop(wait=False)
    if _WORKER is None:
        try:
            _WORKER = _Worker()
        except Exception:  # noqa: BLE001 - any reason at all: segment in this process
            return None
    return _WORKER


def stop_worker() -> None:
    """End the worker process, if there is one."""
    if _WORKER is not None:
        _WORKER.stop()


atexit.register(stop_worker)  # a worker ends with this process, without a warning


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


def make_segmenter(texts_bytes: int, model: str | None = None, worker: bool | None = None) -> Segmenter:
    """A segmenter for an import of about `texts_bytes` bytes of input; `worker` forces
    the choice of a worker process (None: decide by size and cores)."""
    if use_worker(texts_bytes) if worker is None else worker:
        return ProcessSegmenter(model)
    return Segmenter(model)


def serve_worker(idle_seconds: float = IDLE_SECONDS) -> None:
    """The worker process's loop: say hello, then parse each request and reply, in order.

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
    _write_message(replies, ("hello", PROTOCOL, _package_root()))
    pending: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        try:
            while True:
                pending.put(_read_message(requests))
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            pending.put(None)

    threading.Thread(target=read, daemon=True).start()
    while True:
        waiting = time.perf_counter()
        try:
            request = pending.get(timeout=idle_seconds)
        except queue.Empty:
            return
        if request is None:
            return
        idle = time.perf_counter() - waiting
        batch, model, items, finished = request
        start = time.process_time()
        results = segment_items(items, model, finished)
        try:
            _write_message(replies, (batch, time.process_time() - start, idle, results))
        except (OSError, ValueError):
            return
