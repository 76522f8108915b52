"""Helpers for the project-file reliability tests: real processes, real locks, real limits."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child Python that imports this checkout's `annotator`."""
    # Bytecode is cached (as on a user's machine): each child compiling the package afresh
    # cost more than the test it served.
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir(),
           "QT_QPA_PLATFORM": "offscreen"}
    env.update(extra)
    return env


def as_plain_user() -> list[str]:
    """A command prefix that makes a root child obey permission bits as a user does.

    Root ignores them, and this venv's Python may live where an unprivileged user cannot
    reach it, so rather than changing user the child keeps uid 0 but loses the
    capabilities that override file permissions (setpriv, util-linux). Empty when we are
    not root; skips the test when that cannot be arranged.
    """
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot make a child obey file permissions")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


def run_python(code: str, *args: str, preexec_fn=None, plain_user: bool = False, timeout: float = 120,
               **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -c CODE ARGS` in a fresh process of this venv (as a plain user if asked)."""
    prefix = as_plain_user() if plain_user else []
    return subprocess.run([*prefix, sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          env=child_env(**env), preexec_fn=preexec_fn, timeout=timeout)


def run_cli(*args: str, preexec_fn=None, plain_user: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m annotator ARGS` in a fresh process (as a plain user if asked)."""
    prefix = as_plain_user() if plain_user else []
    return subprocess.run([*prefix, sys.executable, "-m", "annotator", *args], capture_output=True, text=True,
                          cwd=ROOT, env=child_env(**env), preexec_fn=preexec_fn, timeout=300)


# The other process a test talks to: it runs `annotator ARGS` (as `python -m annotator` would,
# through `main`) or a snippet (as `python -c` would: a traceback and status 1 on an error) on
# request, one JSON line each way. One per pytest worker (and kind of user) instead of a new
# Python per command: starting one costs ~0.4 s of CPU, its imports most of it. A snippet that
# must be a process of its own (killed, crashing, racing others) runs in processes forked from
# it: separate processes, with their own locks and exit status, that need no imports of their own.
WORKER = r"""
import contextlib, io, json, os, sys, tempfile, traceback
from annotator.cli import main
from annotator.project import Project
from annotator.store.files import open_project_files
protocol = os.fdopen(os.dup(1), "w")
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
kept = {}  # what a snippet keeps between requests (a project it holds open)

def status_of(stop):
    if isinstance(stop.code, str):
        print(stop.code, file=sys.stderr)
    return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)

def forked(code, args, copies):
    children = []
    for _ in range(copies):
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        pid = os.fork()
        if pid == 0:  # the child: its own process from here on, ending with the snippet's status
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            sys.stdout = open(1, "w", buffering=1, closefd=False)
            sys.stderr = open(2, "w", buffering=1, closefd=False)
            sys.argv = ["-c", *args]
            status = 0
            try:
                exec(code, {"__name__": "__main__"})
            except SystemExit as stop:
                status = status_of(stop)
            except BaseException:
                traceback.print_exc()
                status = 1
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        children.append((pid, out, err))
    done = []
    for pid, out, err in children:
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        out.seek(0)
        err.seek(0)
        done.append({"returncode": status, "stdout": out.read().decode(), "stderr": err.read().decode()})
        out.close()
        err.close()
    return done
for line in sys.stdin:
    request = json.loads(line)
    saved = dict(os.environ)
    os.environ.update(request["env"])
    out, err = io.StringIO(), io.StringIO()
    before = open_project_files()
    code = 0
    children = []
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                if "cli" in request:
                    code = main(request["cli"])
                elif "copies" in request:
                    children = forked(request["code"], request["args"], request["copies"])
                else:
                    sys.argv = ["-c", *request["args"]]
                    exec(request["code"], {"__name__": "__main__", "kept": kept})
            except SystemExit as stop:
                code = status_of(stop)
            except BaseException:
                traceback.print_exc()
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved)
    left = sorted(str(path) for path in open_project_files() - before)
    protocol.write(json.dumps({"returncode": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
                               "left_open": left, "children": children}) + "\n")
    protocol.flush()
"""


class Worker:
    """Another Python process of this venv (a plain user's if asked) that runs commands and
    snippets on request, so a test pays for one process start, not one per command."""

    def __init__(self, plain_user: bool) -> None:
        self.plain_user = plain_user
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""

    @property
    def pid(self) -> int:
        """The worker's process id (started if it was not running)."""
        return self._started().pid

    def _started(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            prefix = as_plain_user() if self.plain_user else []
            self._proc = subprocess.Popen([*prefix, sys.executable, "-c", WORKER], cwd=ROOT, env=child_env(),
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                          bufsize=0)
            self._buffer = b""
        return self._proc

    def _ask(self, request: dict, timeout: float, keep_open: bool) -> dict:
        proc = self._started()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(request).encode() + b"\n")
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                if not selector.select(timeout):
                    self.close()
                    raise TimeoutError(f"the worker did not answer {request} within {timeout} s")
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    self.close()
                    raise RuntimeError(f"the worker ended while running {request}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer = json.loads(line)
        if not keep_open:
            assert answer["left_open"] == [], f"{request} left {answer['left_open']} open"
        return answer

    def cli(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        """`annotator ARGS` in the worker: its exit status and what it printed."""
        answer = self._ask({"cli": list(args), "env": env}, timeout, keep_open=False)
        return subprocess.CompletedProcess(list(args), answer["returncode"], answer["stdout"], answer["stderr"])

    def python(self, code: str, *args: str, keep_open: bool = False, timeout: float = 120,
               **env: str) -> subprocess.CompletedProcess[str]:
        """`python -c CODE ARGS` in the worker (a dict `kept` survives between snippets)."""
        answer = self._ask({"code": code, "args": list(args), "env": env}, timeout, keep_open)
        return subprocess.CompletedProcess(["-c"], answer["returncode"], answer["stdout"], answer["stderr"])

    def processes(self, code: str, *args: str, copies: int = 1, timeout: float = 120,
                  **env: str) -> list[subprocess.CompletedProcess[str]]:
        """`python -c CODE ARGS` in `copies` processes of their own at once (forked from the
        worker, the package already imported), each ended by the snippet's exit or a crash;
        returns how each ended and what each printed."""
        answer = self._ask({"code": code, "args": list(args), "env": env, "copies": copies}, timeout, False)
        assert answer["returncode"] == 0, answer["stderr"]
        return [subprocess.CompletedProcess(["-c"], child["returncode"], child["stdout"], child["stderr"])
                for child in answer["children"]]

    def close(self) -> None:
        """End the worker (a new one starts on the next request)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None


def our_locks(path: Path) -> list[str]:
    """The POSIX/flock locks this process holds on `path`'s inode, from /proc/locks (Linux)."""
    if not Path("/proc/locks").exists():
        pytest.skip("needs /proc/locks (Linux)")
    inode = os.stat(path).st_ino
    found = []
    with open("/proc/locks", encoding="ascii") as handle:
        for line in handle:
            fields = line.split()
            if "->" in fields:  # a blocked waiter
                continue
            pid, device = int(fields[4]), fields[5]
            if pid == os.getpid() and int(device.rsplit(":", 1)[1]) == inode:
                found.append(" ".join(fields[1:4] + fields[6:8]))
    return found


def build_project(path: Path, documents: int, annotations: int = 0) -> None:
    """A project of `documents` synthetic articles (regex-segmented, as the benchmark builds them)."""
    from benchmarks.synthetic import build_large_project

    build_large_project(path, documents, annotations)
