"""``incident-desk matrix``: list, export, import (with clear errors) and activate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_desk.cli.parser import main


def run(db: Path, *args: str) -> int:
    return main(["matrix", *args, "--db", str(db)])


def test_matrix_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite3"
    assert run(db, "list") == 0
    out = capsys.readouterr().out
    assert "*  5×5 Likelihood × Consequence" in out and "4×5 MIL-STD-882E style" in out
    exported = tmp_path / "m.json"
    assert run(db, "export", "4×4 Likelihood × Severity", "-o", str(exported)) == 0
    data = json.loads(exported.read_text("utf-8"))
    assert data["name"] == "4×4 Likelihood × Severity" and len(data["bands"]) == 4
    capsys.readouterr()
    assert run(db, "import", str(exported)) == 1
    assert "already exists" in capsys.readouterr().err
    data["bands"][0]["max_score"] = 2  # score 3 falls in no band
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), "utf-8")
    assert run(db, "import", str(bad), "--name", "Broken") == 1
    err = capsys.readouterr().err
    assert "Cell Possible × Minor (score 2)" not in err and "(score 3) is in no band" in err
    assert "nothing was imported" in err or "Nothing was imported" in err
    assert run(db, "import", str(exported), "--name", "Site 4×4", "--activate") == 0
    assert run(db, "activate", "nope") == 1
    capsys.readouterr()
    assert run(db, "list") == 0
    out = capsys.readouterr().out
    assert "*  Site 4×4" in out and "Broken" not in out
    assert run(db, "activate", "5×5 likelihood × consequence") == 0
