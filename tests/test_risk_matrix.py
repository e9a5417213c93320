"""Risk matrix definitions: scoring, band lookup, validation messages, templates, storage and versions."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from incident_desk.actor import Actor
from incident_desk.db import Database
from incident_desk.errors import PermissionDenied, ValidationError
from incident_desk.org.models import Organisation
from incident_desk.paths import resources_dir
from incident_desk.risk import matrices
from incident_desk.risk import matrix as mx
from incident_desk.risk.models import RiskMatrix, RiskMatrixVersion

TEMPLATES = sorted((resources_dir() / "risk_matrices").glob("*.json"))


def five() -> dict:
    return json.loads(
        (resources_dir() / "risk_matrices" / "5x5-likelihood-consequence.json").read_text("utf-8")
    )


def messages(definition: dict) -> list[str]:
    return [p.message for p in mx.validate(definition)]


# -- pure definition logic -------------------------------------------------------------------


def test_default_score_is_the_product_and_can_be_overridden() -> None:
    d = five()
    m = mx.Matrix(d)
    assert m.score("4", "3") == 12
    assert m.score("1", "1") == 1
    d2 = mx.set_cell(d, "4", "3", score=14, band=None)
    m2 = mx.Matrix(d2)
    assert m2.score("4", "3") == 14 and m2.is_score_overridden("4", "3")
    assert m2.band("4", "3")["name"] == "High"
    assert mx.cell_overrides(d2, "4", "3") == (14, None)


def test_band_lookup_follows_the_published_5x5_map() -> None:
    m = mx.Matrix(five())
    rows = {"5": "M H H VH VH", "4": "L M H H VH", "3": "L M M H H", "2": "L L M M M", "1": "L L L M M"}
    short = {"Low": "L", "Medium": "M", "High": "H", "Very high": "VH"}
    for lc, expected in rows.items():
        got = " ".join(short[m.band(lc, sc)["name"]] for sc in "12345")
        assert got == expected, lc


def test_explicit_cell_beats_the_score_range() -> None:
    m = mx.Matrix(five())
    # Score 4 is Low by range, but Rare × Major is listed as Medium.
    assert m.score("1", "4") == 4 and m.band("1", "4")["name"] == "Medium"
    assert m.score("4", "1") == 4 and m.band("4", "1")["name"] == "Low"
    d = mx.set_cell(five(), "4", "1", score=None, band="Very high")
    assert mx.Matrix(d).band("4", "1")["name"] == "Very high"
    assert mx.validate(d) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_each_template_loads_and_validates(path: Path) -> None:
    d = matrices.parse_json(path.read_text("utf-8"), source=path.name)
    m = mx.Matrix(d)
    assert 3 <= len(m.likelihood) <= 7 and 3 <= len(m.severity) <= 7
    assert all(len(m.bands_for(c.likelihood, c.severity)) == 1 for c in m.cells())
    top = m.bands[-1]
    assert top["signoffs_required"] >= 2 and top["signoff_role"] == "manager"
    assert all("response_hours" in b and b["accept_role"] for b in m.bands)


def test_four_templates_are_shipped() -> None:
    names = {json.loads(p.read_text("utf-8"))["name"] for p in TEMPLATES}
    assert names == {
        "5×5 Likelihood × Consequence",
        "4×4 Likelihood × Severity",
        "3×3 Simple (BS 8800 style)",
        "4×5 MIL-STD-882E style",
    }
    mil = mx.Matrix(json.loads((TEMPLATES[0].parent / "4x5-mil-std-882e.json").read_text("utf-8")))
    assert mil.band("A", "1")["name"] == "High" and mil.band("E", "4")["name"] == "Low"
    assert mil.band("D", "1")["name"] == "Serious"


def test_a_cell_in_no_band_is_named() -> None:
    d = five()
    d["bands"][1]["min_score"] = 6  # score 5 now falls in no band
    msgs = messages(d)
    assert any("Cell Almost certain × Insignificant (score 5) is in no band" in m for m in msgs)
    assert any("Cell Rare × Catastrophic (score 5) is in no band" in m for m in msgs)
    assert {p.where for p in mx.validate(d)} == {"cell:5|1", "cell:1|5"}


def test_overlapping_bands_are_named() -> None:
    d = five()
    d["bands"][2]["min_score"] = 9  # 9 is both Medium and High
    msgs = messages(d)
    assert any(
        "Possible × Moderate (score 9) is in more than one band (“Medium” and “High”)" in m for m in msgs
    )


def test_duplicate_labels_codes_and_sizes() -> None:
    d = five()
    d["likelihood"][1]["label"] = "rare"
    assert any("Likelihood level “rare” has the same label as likelihood level 1" in m for m in messages(d))
    d = five()
    d["severity"][2]["code"] = "1"
    assert any("the code “1” is used twice on the severity axis" in m for m in messages(d))
    d = five()
    d["likelihood"] = d["likelihood"][:2]
    assert any("Likelihood has 2 levels; a matrix needs 3 to 7" in m for m in messages(d))
    d = five()
    for _ in range(2):
        d = mx.add_level(d, "severity")
    with pytest.raises(ValidationError, match="at most 7"):
        mx.add_level(d, "severity")


def test_band_problems_name_the_band() -> None:
    d = five()
    d["bands"][3]["colour"] = "red"
    d["bands"][0]["accept_role"] = "boss"
    d["bands"][1]["signoffs_required"] = 0
    d["bands"][2]["name"] = "Low"
    msgs = messages(d)
    assert "Band “Very high” needs a colour written as #rrggbb." in msgs
    assert any(m.startswith("Band “Low”: who may accept the risk must be one of") for m in msgs)
    assert any(m.startswith("Band “Medium”: the number of sign-offs") for m in msgs)
    assert "Band “Low”: two bands have this name." in msgs


def test_add_and_remove_levels_carry_cells_along() -> None:
    d = mx.add_level(five(), "severity")
    assert [s["code"] for s in d["severity"]] == ["1", "2", "3", "4", "5", "6"]
    assert d["severity"][-1]["value"] == 6
    d = mx.remove_level(five(), "severity", 3)  # drop Major: the explicit cell Rare × Major goes with it
    assert ["1", "4"] not in d["bands"][1]["cells"] and ["2", "5"] in d["bands"][1]["cells"]
    d = mx.rename_code(five(), "likelihood", 1, "U")
    assert ["U", "5"] in d["bands"][1]["cells"]
    assert mx.validate(d) == []
    # Typing "1" then "12" over Unlikely's code must not drag Rare's cells along.
    d = mx.rename_code(five(), "likelihood", 1, "1")
    d = mx.rename_code(d, "likelihood", 1, "12")
    assert ["1", "4"] in d["bands"][1]["cells"]


# -- storage and versions ----------------------------------------------------------------------


def test_new_database_has_the_templates_and_the_5x5_active(db: Database) -> None:
    with db.transaction() as s:
        summaries = matrices.list_matrices(s)
        assert len(summaries) == 4
        active = [m for m in summaries if m.active]
        assert [m.name for m in active] == ["5×5 Likelihood × Consequence"]
        matrices.install_templates(s)  # idempotent
        assert s.execute(select(func.count()).select_from(RiskMatrix)).scalar_one() == 4
        # A template the organisation deleted is not brought back.
        mil = matrices.by_name(s, "4×5 MIL-STD-882E style")
        s.delete(mil)
        s.flush()
        matrices.install_templates(s)
        assert s.execute(select(func.count()).select_from(RiskMatrix)).scalar_one() == 3


def test_saving_creates_a_new_version_and_never_changes_the_old(
    db: Database, actors: dict[str, Actor]
) -> None:
    with db.transaction() as s:
        m = matrices.by_name(s, "5×5 Likelihood × Consequence")
        v1 = matrices.latest_version(s, m.id)
        original = copy.deepcopy(v1.definition)
        d = copy.deepcopy(v1.definition)
        d["likelihood"][0]["label"] = "Very rare"
        v2 = matrices.save(s, actors["manager"], m.id, d, note="Renamed Rare", based_on_version=1)
        assert v2.number == 2
    with db.reading() as s:
        assert matrices.get_version(s, v1.id).definition == original
        assert matrices.latest_version(s, m.id).definition["likelihood"][0]["label"] == "Very rare"
    with db.transaction() as s, pytest.raises(ValidationError, match="saved as version 2 by someone else"):
        matrices.save(s, actors["manager"], m.id, d, based_on_version=1)
    with db.transaction() as s, pytest.raises(ValidationError, match="Nothing has changed"):
        matrices.save(s, actors["manager"], m.id, d)


def test_only_matrix_editors_may_change_matrices(db: Database, actors: dict[str, Actor]) -> None:
    with db.transaction() as s:
        m = matrices.by_name(s, "4×4 Likelihood × Severity")
        d = copy.deepcopy(matrices.latest_version(s, m.id).definition)
        d["description"] = "changed"
        for key in ("officer", "reporter"):
            with pytest.raises(PermissionDenied, match="may not edit risk matrices"):
                matrices.save(s, actors[key], m.id, d)
            with pytest.raises(PermissionDenied):
                matrices.set_active(s, actors[key], m.id)
        matrices.save(s, actors["admin"], m.id, d)
        matrices.set_active(s, actors["manager"], m.id)
        assert s.get(Organisation, 1).active_matrix_id == m.id
        copy_ = matrices.duplicate(s, actors["manager"], m.id)
        assert copy_.name == "4×4 Likelihood × Severity (copy)"


def test_import_export_round_trip_and_bad_files(db: Database, actors: dict[str, Actor]) -> None:
    manager = actors["manager"]
    with db.reading() as s:
        text = matrices.export_json(s, matrices.by_name(s, "3×3 Simple (BS 8800 style)").id)
        before = s.execute(select(func.count()).select_from(RiskMatrixVersion)).scalar_one()
    bad_cases = {
        "{not json": "is not valid JSON (line 1",
        "[1, 2]": "does not contain a risk matrix",
        text.replace('"Likely"', '"Unlikely"'): "has the same label as likelihood level 2",
        text.replace(
            '"max_score": 9', '"max_score": 8'
        ): "Cell Likely × Extremely harmful (score 9) is in no band",
        text: "already exists",
    }
    for content, expected in bad_cases.items():
        with pytest.raises(ValidationError, match=re.escape(expected)), db.transaction() as s:
            matrices.import_json(s, manager, content, source="m.json")
    with db.reading() as s:
        assert s.execute(select(func.count()).select_from(RiskMatrixVersion)).scalar_one() == before
    with db.transaction() as s:
        v = matrices.import_json(s, manager, text, name="Imported 3×3")
        assert v.number == 1 and v.definition["name"] == "Imported 3×3"
        changed = text.replace("No action required", "Nothing to do")
        v2 = matrices.import_json(s, manager, changed, new_version=True)
        assert v2.number == 2
        assert json.loads(matrices.export_json(s, v2.matrix_id))["bands"][0]["response"].startswith("Nothing")


def test_signoff_role_may_name_a_role_per_signature() -> None:
    d = five()
    d["bands"][3]["signoff_role"] = ["manager", "admin"]
    assert mx.validate(d) == []
    d["bands"][3]["signoff_role"] = ["manager", "chief"]
    assert any("who signs off must be one of" in m for m in messages(d))


def test_response_time_in_words() -> None:
    assert [mx.response_text(h) for h in (None, 0, 2, 24, 36, 168, 720)] == [
        "",
        "immediately",
        "within 2 h",
        "within 24 h",
        "within 36 h",
        "within 7 days",
        "within 30 days",
    ]
