#!/usr/bin/env bash
# Build the one-folder bundle dist/incident-desk/ with PyInstaller (from the `packaging` extra).
#   packaging/build.sh            build with .venv/bin/python (or $PYTHON)
# On Linux the bundle also gets share/ with the .desktop file, AppStream metainfo and icons,
# laid out for copying under /usr or ~/.local (see docs/desktop.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
APP_ID=$("$PYTHON" -c 'import incident_desk; print(incident_desk.APP_ID)')

if ! "$PYTHON" -c 'import PyInstaller' 2>/dev/null; then
  echo "PyInstaller is not installed: $PYTHON -m pip install -e '.[packaging]'" >&2
  exit 1
fi

rm -rf dist/incident-desk
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
  packaging/incident-desk.spec

if [ "$(uname -s)" = Linux ]; then
  share=dist/incident-desk/share
  install -Dm644 "resources/$APP_ID.desktop" "$share/applications/$APP_ID.desktop"
  install -Dm644 "resources/$APP_ID.metainfo.xml" "$share/metainfo/$APP_ID.metainfo.xml"
  for png in resources/icons/hicolor/*/apps/*.png resources/icons/hicolor/scalable/apps/*.svg; do
    install -Dm644 "$png" "$share/icons/${png#resources/icons/}"
  done
fi
echo "Built dist/incident-desk/ (run dist/incident-desk/incident-desk)"
