#!/usr/bin/env bash
# Build the one-folder app with PyInstaller, then run its smoke test.
#
#   packaging/pyinstaller/build.sh [--no-smoke] [--runs N]
#
# Uses $PYTHON (default: the active virtualenv's python, else python3) with the project
# installed or importable from this checkout; installs PyInstaller into it if missing.
# Output: dist/annotator/ (run dist/annotator/annotator), with the licence texts of every
# bundled package in dist/annotator/licenses/; work files in build/pyinstaller/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIST="${DIST:-$ROOT/dist}"
WORK="${WORK:-$ROOT/build/pyinstaller}"
SMOKE=1
RUNS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --no-smoke) SMOKE=0 ;;
    --runs) RUNS="$2"; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "${PYTHON:-}" ]; then
  if [ -n "${VIRTUAL_ENV:-}" ]; then PYTHON="$VIRTUAL_ENV/bin/python"; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  "$PYTHON" -m pip install "pyinstaller>=6.10"
fi

cd "$ROOT"
# Licence texts of Python and of every distribution the app needs, collected first so that
# a package without one stops the build before PyInstaller's few minutes (--strict).
NOTICES="$(mktemp -d)"
trap 'rm -rf "$NOTICES"' EXIT
"$PYTHON" packaging/collect_licenses.py --strict "$NOTICES/licenses"

"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/pyinstaller/annotator.spec

# The Linux wheels of spaCy, thinc, blis and CPython's own modules keep their debug
# sections (about a third of the folder). Drop only those: a full strip, or stripping the
# auditwheel-patched libraries in *.libs/, breaks them.
if [ "$(uname -s)" = Linux ] && command -v strip >/dev/null && command -v readelf >/dev/null; then
  find "$DIST/annotator" -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0 |
    while IFS= read -r -d '' library; do
      if readelf -S --wide "$library" 2>/dev/null | grep -q '\.debug_info'; then
        strip --strip-debug "$library"
      fi
    done
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
