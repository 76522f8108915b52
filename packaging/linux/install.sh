#!/usr/bin/env bash
# Install Discourse Annotator for the current user (into ~/.local): the app, its menu entry,
# icons, AppStream metadata and the .annot file type. No root needed.
#
#   packaging/linux/install.sh [--prefix DIR] [--dist DIR | --exec COMMAND] [--uninstall]
#
#   --prefix DIR    where to install (default: ~/.local)
#   --dist DIR      the one-folder build to copy (default: dist/annotator of this checkout)
#   --exec COMMAND  do not copy a build; the menu entry runs COMMAND. Without a build, the
#                   default is the pip-installed `annotator` of the active virtual
#                   environment, else of this checkout's .venv, else the one on PATH
#   --uninstall     remove everything this script installed under the prefix
set -euo pipefail

APP_ID=org.example.DiscourseAnnotator
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ICONS="$ROOT/resources/icons"
SIZES="16 22 24 32 48 64 128 256 512"
PREFIX="${HOME}/.local"
DIST="$ROOT/dist/annotator"
EXEC=""
UNINSTALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift ;;
    --dist) DIST="$2"; shift ;;
    --exec) EXEC="$2"; shift ;;
    --uninstall) UNINSTALL=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

SHARE="$PREFIX/share"
APPDIR="$PREFIX/lib/discourse-annotator"
BIN="$PREFIX/bin/annotator"

refresh_caches() {
  # Each tool is optional: desktops pick the files up at next login without them.
  if command -v update-mime-database >/dev/null; then update-mime-database "$SHARE/mime" >/dev/null 2>&1 || true; fi
  if command -v update-desktop-database >/dev/null; then update-desktop-database "$SHARE/applications" >/dev/null 2>&1 || true; fi
  if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t -f "$SHARE/icons/hicolor" >/dev/null 2>&1 || true; fi
}

if [ "$UNINSTALL" = 1 ]; then
  rm -f "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml" \
        "$SHARE/mime/packages/$APP_ID.xml" "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
  for size in $SIZES; do rm -f "$SHARE/icons/hicolor/${size}x${size}/apps/$APP_ID.png"; done
  if [ -L "$BIN" ] && [ "$(readlink "$BIN")" = "$APPDIR/annotator" ]; then rm -f "$BIN"; fi
  rm -rf "$APPDIR"
  refresh_caches
  echo "removed Discourse Annotator from $PREFIX"
  exit 0
fi

if [ -z "$EXEC" ]; then
  if [ -x "$DIST/annotator" ]; then
    rm -rf "$APPDIR"
    mkdir -p "$APPDIR" "$PREFIX/bin"
    cp -a "$DIST/." "$APPDIR/"
    ln -sfn "$APPDIR/annotator" "$BIN"
    EXEC="$APPDIR/annotator"
  elif [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/annotator" ]; then
    EXEC="$VIRTUAL_ENV/bin/annotator"
  elif [ -x "$ROOT/.venv/bin/annotator" ]; then  # the README's install command, not activated
    EXEC="$ROOT/.venv/bin/annotator"
  elif command -v annotator >/dev/null; then
    EXEC="$(command -v annotator)"
  else
    echo "install.sh: no build at $DIST, no .venv/bin/annotator in this checkout and no annotator on PATH; run packaging/pyinstaller/build.sh or pass --exec" >&2
    exit 1
  fi
fi
EXEC="$(cd "$(dirname "$EXEC")" && pwd)/$(basename "$EXEC")"  # menus do not search ~/.local/bin
case "$EXEC" in
  *[[:space:]\"\'\\\`\$]*) echo "install.sh: the command path must not hold spaces or quotes: $EXEC" >&2; exit 1 ;;
esac

mkdir -p "$SHARE/applications" "$SHARE/metainfo" "$SHARE/mime/packages" "$SHARE/icons/hicolor/scalable/apps"
sed -e "s|^Exec=annotator|Exec=$EXEC|" -e "s|^TryExec=annotator|TryExec=$EXEC|" \
  "$HERE/$APP_ID.desktop" > "$SHARE/applications/$APP_ID.desktop"
cp "$HERE/$APP_ID.metainfo.xml" "$SHARE/metainfo/$APP_ID.metainfo.xml"
cp "$HERE/$APP_ID.mime.xml" "$SHARE/mime/packages/$APP_ID.xml"
cp "$ICONS/discourse-annotator.svg" "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
for size in $SIZES; do
  mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
  cp "$ICONS/discourse-annotator-$size.png" "$SHARE/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
refresh_caches
echo "installed Discourse Annotator in $PREFIX (runs $EXEC); .annot files open with it"
