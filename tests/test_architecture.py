"""The core never imports Qt: only incident_desk/ui may."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "incident_desk"


def qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        found += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} imports {n}" for n in names
                  if n.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6", "pytestqt"}]
    return found


def test_no_qt_outside_ui() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts[:1]:
            continue
        offenders += qt_imports(path)
    assert offenders == []


def test_the_check_detects_a_qt_import(tmp_path: Path) -> None:
    bad = PACKAGE / "_tmp_probe_module.py"
    bad.write_text("from PySide6.QtCore import QObject\n", encoding="utf-8")
    try:
        assert qt_imports(bad)
    finally:
        bad.unlink()


def test_importing_the_core_does_not_load_qt() -> None:
    import subprocess
    import sys

    code = ("import sys, incident_desk.cli.parser as m; m.build_parser(); "
            "import incident_desk.incidents.service, incident_desk.db.models, incident_desk.demo; "
            "print([k for k in sys.modules if k.startswith('PySide6')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
