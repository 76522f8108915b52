"""What the faster start leaves out must not change what the user gets: the start loads no numpy
(sqlite-utils is imported without its numpy type mapping, segmentations are decoded without numpy),
yet the features that do use numpy, run later in the same process, give the same results, and a
damaged segmentation is still named as such."""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from annotator.nlp.segmentation import Segmentation, blob_problem

ROOT = Path(__file__).resolve().parents[2]

# `annotator DEMO --annotator ada` as a user starts it (the window quits itself once shown), then,
# in the same process, the agreement command (numpy) and an import (spaCy, numpy, sqlite-utils).
PROBE = (
    "import sys\n"
    "from annotator.cli import main\n"
    "status = main([sys.argv[1], '--annotator', 'ada'])\n"
    "print('NUMPY_AT_START', 'numpy' in sys.modules)\n"
    "print('STATUS', status)\n"
    "print('AGREEMENT', main(['agreement', sys.argv[1], '--layer', 'Framing', '--json']))\n"
    "print('IMPORT', main(['import', sys.argv[1], sys.argv[2]]))\n"
)


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANNOTATOR_SMOKE_EXIT_MS="50",
                       XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH", "")]))
    return environment


def test_the_start_loads_no_numpy_and_numpy_features_work_after_it(demo_path: Path, tmp_path: Path,
                                                                   cli) -> None:
    """The window opens on the demo without numpy; agreement and import then run in that process
    and give what they give in a process that had numpy from the start."""
    article = tmp_path / "late.txt"
    article.write_text("Imported after the window: the budget debate goes on.\n", encoding="utf-8")
    expected = cli("agreement", str(demo_path), "--layer", "Framing", "--json")
    assert expected.returncode == 0, expected.stderr
    documents_before = json.loads(cli("info", str(demo_path), "--json").stdout)["documents"]

    done = subprocess.run([sys.executable, "-c", PROBE, str(demo_path), str(article)], capture_output=True,
                          text=True, env=_environment(tmp_path), cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"project={demo_path}" in done.stderr  # the window was shown with the demo open
    assert "STATUS 0" in done.stdout
    assert "NUMPY_AT_START False" in done.stdout, "numpy was loaded to show the first window"
    assert "AGREEMENT 0" in done.stdout and "IMPORT 0" in done.stdout, done.stderr[-2000:]
    printed = done.stdout[done.stdout.index("{"):done.stdout.index("AGREEMENT 0")]
    assert _without_timings(json.loads(printed)) == _without_timings(json.loads(expected.stdout))
    info = json.loads(cli("info", str(demo_path), "--json").stdout)
    assert info["documents"] == documents_before + 1


def _without_timings(value: object) -> object:
    """A JSON report without its run times (the only figures that differ from run to run)."""
    if isinstance(value, dict):
        return {key: _without_timings(item) for key, item in value.items() if "seconds" not in key}
    if isinstance(value, list):
        return [_without_timings(item) for item in value]
    return value


def _reference_problem(blob: bytes, length: int | None, what: str) -> str | None:
    """The check as it was written with numpy (the reference the numpy-free one must equal)."""
    if len(blob) % 8:
        return f"{what} blob of {len(blob)} bytes, not whole (start, end) pairs"
    if not blob:
        return None
    pairs = np.frombuffer(blob, dtype="<u4")
    starts, ends = pairs[0::2], pairs[1::2]
    if not (starts < ends).all():
        return f"an empty or reversed {what[:-1]} in the {what} blob"
    if not (starts[1:] >= ends[:-1]).all():
        return f"{what} out of order or overlapping"
    if length is not None and int(ends[-1]) > length:
        return f"{what} reaching character {int(ends[-1])}, past the end of the text ({length})"
    return None


def _random_pairs(rng: random.Random) -> list[int]:
    """Sorted token-like (start, end) pairs, then sometimes damaged in one place."""
    values, position = [], rng.randrange(3)
    for _ in range(rng.randrange(0, 40)):
        start = position + rng.choice((0, 0, 1, 2))
        end = start + rng.randint(1, 6)
        values += [start, end]
        position = end
    if values and rng.random() < 0.7:
        index = rng.randrange(len(values))
        values[index] = max(0, values[index] + rng.choice((-3, -1, 0, 1, 3)))
    if rng.random() < 0.15:  # offsets around 2**31, where 32-bit arithmetic would overflow
        shift = rng.choice((2**31 - 150, 2**31 - 3, 2**32 - 400))
        values = [min(value + shift, 2**32 - 1) for value in values]
    return values


def test_segmentation_checks_name_the_same_damage_as_before() -> None:
    """Thousands of valid and damaged blobs: every one gets the verdict of the numpy version,
    and decoding a valid one gives its pairs back."""
    rng = random.Random(19)
    damaged = 0
    for _ in range(3000):
        values = _random_pairs(rng)
        blob = struct.pack(f"<{len(values)}I", *values)
        length = rng.choice((None, values[-1] if values else 0, (values[-1] - 1) if values else 0))
        expected = _reference_problem(blob, length, "tokens")
        assert blob_problem(blob, length, "tokens") == expected, values
        if expected is None:
            decoded = Segmentation.from_blobs(blob, b"", length)
            assert decoded.tokens == list(zip(values[0::2], values[1::2]))
        else:
            damaged += 1
            with pytest.raises(ValueError, match="tokens"):
                Segmentation.from_blobs(blob, b"", length)
    assert 500 < damaged < 2500  # both kinds were tried
    assert blob_problem(b"\x00" * 12, None, "sentences") == "sentences blob of 12 bytes, not whole (start, end) pairs"
    assert blob_problem("text", None, "tokens") == "tokens stored as str, not as a blob"
