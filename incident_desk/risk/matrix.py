"""A risk matrix definition: levels on two axes, cell scores, bands; scoring, band lookup, validation.

Pure Python on plain JSON data, so the same code checks a file being imported, the editor's
work in progress and what is stored in ``risk_matrix_versions.definition``.

Definition schema (``schema_version`` 1) — levels are listed from the lowest to the highest,
bands from the lowest risk to the highest::

    {
      "schema": "incident-desk/risk-matrix",
      "schema_version": 1,
      "name": "5×5 Likelihood × Consequence",          # 1–100 characters, unique per database
      "description": "free text",
      "likelihood_title": "Likelihood",                # axis captions
      "severity_title": "Consequence",
      "likelihood": [                                  # 3–7 levels, least likely first
        {"code": "1", "label": "Rare", "descriptor": "May happen only in exceptional circumstances",
         "value": 1}
      ],
      "severity": [ ...same shape, least severe first (3–7 levels)... ],
      "score_overrides": [                             # optional: cells whose score is not L value × S value
        {"likelihood": "5", "severity": "5", "score": 30}
      ],
      "bands": [                                       # lowest risk first; every cell in exactly one band
        {"name": "Low", "colour": "#4caf50",
         "min_score": 1, "max_score": 4,               # inclusive score range (either may be null)
         "cells": [["2", "1"]],                        # explicit cells [likelihood code, severity code];
                                                       # an explicit cell beats any score range
         "response": "Manage by routine procedures",  # the required response, in words
         "response_hours": 720,                        # deadline from the report (0 = immediately)
         "accept_role": "officer",                     # lowest role that may accept the risk
         "signoffs_required": 1,                       # signatures needed before work proceeds
         "signoff_role": "manager"}                    # role whose members sign, or a list
                                                       # with one role per sign-off
      ]
    }

A band with neither a score range nor explicit cells holds no cells. Roles are the values of
:class:`incident_desk.users.roles.Role`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from incident_desk.errors import ValidationError
from incident_desk.users.roles import Role

SCHEMA = "incident-desk/risk-matrix"
SCHEMA_VERSION = 1
MIN_LEVELS = 3
MAX_LEVELS = 7
AXES = ("likelihood", "severity")
AXIS_NAMES = {"likelihood": "likelihood", "severity": "severity"}
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
ROLE_VALUES = tuple(r.value for r in Role)
MAX_SIGNOFFS = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition. ``where`` names the part at fault for the editor:
    "name", "likelihood:2" (level index), "severity:0", "band:1", "cell:L|S" (codes) or ""."""

    where: str
    message: str


@dataclass(frozen=True)
class CellRating:
    likelihood: str
    severity: str
    score: int
    band: str | None
    band_index: int | None
    colour: str
    overridden_score: bool
    explicit_band: bool


def response_text(hours: float | None) -> str:
    """A band's response time in words: "immediately", "within 24 h", "within 7 days"."""
    if hours is None:
        return ""
    if hours <= 0:
        return "immediately"
    if hours < 48 or hours % 24:
        return f"within {hours:g} h"
    return f"within {hours / 24:g} days"


def cell_key(likelihood: str, severity: str) -> str:
    return f"{likelihood}|{severity}"


class Matrix:
    """A read-only view over a definition dict, for scoring and band lookup.

    Build one with :func:`Matrix.from_definition` (validates) or ``Matrix(d)`` on trusted data.
    """

    def __init__(self, definition: dict[str, Any]) -> None:
        self.definition = definition
        self.likelihood: list[dict[str, Any]] = list(definition.get("likelihood") or [])
        self.severity: list[dict[str, Any]] = list(definition.get("severity") or [])
        self.bands: list[dict[str, Any]] = list(definition.get("bands") or [])
        self._l = {str(lv.get("code")): lv for lv in self.likelihood}
        self._s = {str(lv.get("code")): lv for lv in self.severity}
        self._overrides: dict[str, int] = {}
        for o in definition.get("score_overrides") or []:
            if isinstance(o, dict):
                self._overrides[cell_key(str(o.get("likelihood")), str(o.get("severity")))] = o.get("score")  # type: ignore[assignment]
        self._explicit: dict[str, list[int]] = {}
        for i, band in enumerate(self.bands):
            for cell in band.get("cells") or []:
                if isinstance(cell, list | tuple) and len(cell) == 2:
                    self._explicit.setdefault(cell_key(str(cell[0]), str(cell[1])), []).append(i)

    @classmethod
    def from_definition(cls, definition: dict[str, Any]) -> Matrix:
        problems = validate(definition)
        if problems:
            raise ValidationError({p.where or "": [p.message] for p in problems})
        return cls(definition)

    @property
    def name(self) -> str:
        return str(self.definition.get("name", ""))

    @property
    def likelihood_title(self) -> str:
        return str(self.definition.get("likelihood_title") or "Likelihood")

    @property
    def severity_title(self) -> str:
        return str(self.definition.get("severity_title") or "Severity")

    def level(self, axis: str, code: str) -> dict[str, Any]:
        table = self._l if axis == "likelihood" else self._s
        try:
            return table[code]
        except KeyError:
            raise ValidationError(
                f"The matrix “{self.name}” has no {axis} level with code {code!r}."
            ) from None

    def label(self, axis: str, code: str) -> str:
        return str(self.level(axis, code).get("label", code))

    def default_score(self, likelihood: str, severity: str) -> int:
        return int(self.level("likelihood", likelihood)["value"]) * int(
            self.level("severity", severity)["value"]
        )

    def score(self, likelihood: str, severity: str) -> int:
        override = self._overrides.get(cell_key(likelihood, severity))
        if isinstance(override, int) and not isinstance(override, bool):
            return override
        return self.default_score(likelihood, severity)

    def is_score_overridden(self, likelihood: str, severity: str) -> bool:
        return cell_key(likelihood, severity) in self._overrides

    def bands_for(self, likelihood: str, severity: str) -> list[int]:
        """Indexes of every band that claims the cell (exactly one in a valid matrix)."""
        explicit = self._explicit.get(cell_key(likelihood, severity))
        if explicit:
            return explicit
        score = self.score(likelihood, severity)
        found = []
        for i, band in enumerate(self.bands):
            lo, hi = band.get("min_score"), band.get("max_score")
            if lo is None and hi is None:
                continue
            if (lo is None or score >= lo) and (hi is None or score <= hi):
                found.append(i)
        return found

    def band_index(self, likelihood: str, severity: str) -> int | None:
        found = self.bands_for(likelihood, severity)
        return found[0] if len(found) == 1 else None

    def band(self, likelihood: str, severity: str) -> dict[str, Any] | None:
        i = self.band_index(likelihood, severity)
        return self.bands[i] if i is not None else None

    def band_by_name(self, name: str | None) -> dict[str, Any] | None:
        return next((b for b in self.bands if b.get("name") == name), None)

    def band_rank(self, name: str | None) -> int:
        """Position of a band from the lowest (0); -1 for an unknown band."""
        return next((i for i, b in enumerate(self.bands) if b.get("name") == name), -1)

    def rate(self, likelihood: str, severity: str) -> CellRating:
        i = self.band_index(likelihood, severity)
        band = self.bands[i] if i is not None else None
        return CellRating(
            likelihood,
            severity,
            self.score(likelihood, severity),
            band.get("name") if band else None,
            i,
            str(band.get("colour")) if band else "#9e9e9e",
            self.is_score_overridden(likelihood, severity),
            cell_key(likelihood, severity) in self._explicit,
        )

    def cells(self) -> list[CellRating]:
        return [self.rate(str(lv["code"]), str(sv["code"])) for lv in self.likelihood for sv in self.severity]

    def cell_name(self, likelihood: str, severity: str) -> str:
        return f"{self.label('likelihood', likelihood)} × {self.label('severity', severity)}"


# -- validation ------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(definition: Any) -> list[Problem]:
    """Everything wrong with a definition, each problem naming the level, band or cell at fault."""
    if not isinstance(definition, dict):
        return [Problem("", "A risk matrix must be a JSON object.")]
    problems: list[Problem] = []
    add = problems.append
    schema = definition.get("schema", SCHEMA)
    if schema != SCHEMA:
        add(Problem("", f"This is not an Incident Desk risk matrix (schema {schema!r})."))
        return problems
    version = definition.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        add(
            Problem(
                "", f"Risk matrix format version {version!r} is not supported (expected {SCHEMA_VERSION})."
            )
        )
        return problems
    name = definition.get("name")
    if not isinstance(name, str) or not name.strip():
        add(Problem("name", "The matrix needs a name."))
    elif len(name.strip()) > 100:
        add(Problem("name", "The matrix name is longer than 100 characters."))

    codes: dict[str, set[str]] = {}
    for axis in AXES:
        levels = definition.get(axis)
        title = "Likelihood" if axis == "likelihood" else "Severity"
        codes[axis] = set()
        if not isinstance(levels, list):
            add(Problem(axis, f"{title} levels are missing (a list of 3 to 7 levels)."))
            continue
        if not MIN_LEVELS <= len(levels) <= MAX_LEVELS:
            add(
                Problem(
                    axis, f"{title} has {len(levels)} levels; a matrix needs {MIN_LEVELS} to {MAX_LEVELS}."
                )
            )
        seen_labels: dict[str, int] = {}
        for i, level in enumerate(levels):
            where = f"{axis}:{i}"
            what = f"{title} level {i + 1}"
            if not isinstance(level, dict):
                add(Problem(where, f"{what} is not an object with code, label, descriptor and value."))
                continue
            label = level.get("label")
            code = level.get("code")
            if isinstance(label, str) and label.strip():
                what = f"{title} level “{label.strip()}”"
                key = label.strip().casefold()
                if key in seen_labels:
                    add(
                        Problem(
                            where,
                            f"{what} has the same label as {title.lower()} level {seen_labels[key] + 1}: "
                            "labels must be unique.",
                        )
                    )
                seen_labels[key] = i
            else:
                add(Problem(where, f"{what} needs a label."))
            if not isinstance(code, str) or not code.strip():
                add(
                    Problem(
                        where, f"{what} needs a short code (for example “{i + 1}” or “{'ABCDEFG'[i % 7]}”)."
                    )
                )
            elif len(code) > 20:
                add(Problem(where, f"{what}: the code “{code}” is longer than 20 characters."))
            elif code in codes[axis]:
                add(Problem(where, f"{what}: the code “{code}” is used twice on the {title.lower()} axis."))
            else:
                codes[axis].add(code)
            if not _is_int(level.get("value")):
                add(Problem(where, f"{what} needs a whole-number value."))
            if not isinstance(level.get("descriptor", ""), str):
                add(Problem(where, f"{what}: the descriptor must be text."))
    if problems:
        return problems

    m = Matrix(definition)
    for o in definition.get("score_overrides") or []:
        if (
            not isinstance(o, dict)
            or o.get("likelihood") not in codes["likelihood"]
            or o.get("severity") not in codes["severity"]
        ):
            add(Problem("", f"A score override names a cell that is not in the matrix: {o!r}."))
        elif not _is_int(o.get("score")):
            add(
                Problem(
                    f"cell:{cell_key(o['likelihood'], o['severity'])}",
                    f"Cell {m.cell_name(o['likelihood'], o['severity'])}: the score must be a whole number.",
                )
            )
    bands = definition.get("bands")
    if not isinstance(bands, list) or not bands:
        add(Problem("bands", "The matrix needs at least one band."))
        return problems
    names: set[str] = set()
    for i, band in enumerate(bands):
        where = f"band:{i}"
        if not isinstance(band, dict):
            add(Problem(where, f"Band {i + 1} is not an object."))
            continue
        bname = band.get("name")
        what = f"Band “{bname}”" if isinstance(bname, str) and bname.strip() else f"Band {i + 1}"
        if not isinstance(bname, str) or not bname.strip():
            add(Problem(where, f"{what} needs a name."))
        elif len(bname) > 50:
            add(Problem(where, f"{what}: the name is longer than 50 characters."))
        elif bname.strip().casefold() in names:
            add(Problem(where, f"{what}: two bands have this name."))
        else:
            names.add(bname.strip().casefold())
        if not isinstance(band.get("colour"), str) or not COLOUR_RE.match(band["colour"]):
            add(Problem(where, f"{what} needs a colour written as #rrggbb."))
        lo, hi = band.get("min_score"), band.get("max_score")
        for bound, label in ((lo, "lowest"), (hi, "highest")):
            if bound is not None and not _is_int(bound):
                add(Problem(where, f"{what}: the {label} score must be a whole number or empty."))
        if _is_int(lo) and _is_int(hi) and lo > hi:
            add(Problem(where, f"{what}: the score range {lo}–{hi} is empty (lowest above highest)."))
        for cell in band.get("cells") or []:
            if not (
                isinstance(cell, list | tuple)
                and len(cell) == 2
                and cell[0] in codes["likelihood"]
                and cell[1] in codes["severity"]
            ):
                add(Problem(where, f"{what} lists a cell that is not in the matrix: {cell!r}."))
        if not isinstance(band.get("response", ""), str):
            add(Problem(where, f"{what}: the required response must be text."))
        hours = band.get("response_hours")
        if hours is not None and (not isinstance(hours, int | float) or isinstance(hours, bool) or hours < 0):
            add(Problem(where, f"{what}: the response time must be a number of hours, 0 or more."))
        if band.get("accept_role") not in ROLE_VALUES:
            add(
                Problem(
                    where,
                    f"{what}: who may accept the risk must be one of {', '.join(ROLE_VALUES)} "
                    f"(not {band.get('accept_role')!r}).",
                )
            )
        signoff_role = band.get("signoff_role")
        roles = signoff_role if isinstance(signoff_role, list) and signoff_role else [signoff_role]
        if any(r not in ROLE_VALUES for r in roles):
            add(
                Problem(
                    where,
                    f"{what}: who signs off must be one of {', '.join(ROLE_VALUES)}, or a list of "
                    f"them, one per sign-off (not {signoff_role!r}).",
                )
            )
        required = band.get("signoffs_required", 1)
        if not _is_int(required) or not 1 <= required <= MAX_SIGNOFFS:
            add(Problem(where, f"{what}: the number of sign-offs must be between 1 and {MAX_SIGNOFFS}."))
    if problems:
        return problems
    for lv in m.likelihood:
        for sv in m.severity:
            lc, sc = lv["code"], sv["code"]
            found = m.bands_for(lc, sc)
            if len(found) == 1:
                continue
            cell = f"Cell {lv['label']} × {sv['label']} (score {m.score(lc, sc)})"
            if not found:
                add(
                    Problem(
                        f"cell:{cell_key(lc, sc)}",
                        f"{cell} is in no band: widen a band's score range or assign the cell to a band.",
                    )
                )
            else:
                listed = " and ".join(f"“{bands[i]['name']}”" for i in found)
                add(
                    Problem(
                        f"cell:{cell_key(lc, sc)}",
                        f"{cell} is in more than one band ({listed}): "
                        "make the score ranges or explicit cells not overlap.",
                    )
                )
    return problems


# -- building and editing definitions (used by the editor and templates) -----------------------


def normalise(definition: dict[str, Any]) -> dict[str, Any]:
    """A clean copy with the schema keys and defaults filled in (call before validating input)."""
    d = copy.deepcopy(definition)
    d.setdefault("schema", SCHEMA)
    d.setdefault("schema_version", SCHEMA_VERSION)
    d.setdefault("description", "")
    d.setdefault("likelihood_title", "Likelihood")
    d.setdefault("severity_title", "Severity")
    d.setdefault("score_overrides", [])
    if isinstance(d.get("name"), str):
        d["name"] = d["name"].strip()
    for axis in AXES:
        levels = d.get(axis)
        for level in levels if isinstance(levels, list) else []:
            if isinstance(level, dict):
                level.setdefault("descriptor", "")
                for key in ("code", "label"):
                    if isinstance(level.get(key), str):
                        level[key] = level[key].strip()
    bands = d.get("bands")
    for band in bands if isinstance(bands, list) else []:
        if isinstance(band, dict):
            band.setdefault("min_score", None)
            band.setdefault("max_score", None)
            band.setdefault("cells", [])
            band.setdefault("response", "")
            band.setdefault("response_hours", None)
            band.setdefault("accept_role", Role.MANAGER.value)
            band.setdefault("signoffs_required", 1)
            band.setdefault("signoff_role", Role.MANAGER.value)
            if isinstance(band["cells"], list | tuple):
                band["cells"] = [list(c) if isinstance(c, list | tuple) else c for c in band["cells"]]
    return d


def _next_code(levels: list[dict[str, Any]]) -> str:
    used = {str(lv.get("code")) for lv in levels}
    numeric = all(str(lv.get("code", "")).isdigit() for lv in levels)
    if numeric:
        n = len(levels) + 1
        while str(n) in used:
            n += 1
        return str(n)
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if letter not in used:
            return letter
    return f"X{len(levels) + 1}"


def add_level(definition: dict[str, Any], axis: str, index: int | None = None) -> dict[str, Any]:
    """A copy with a new level on ``axis`` at ``index`` (default: the highest)."""
    d = copy.deepcopy(definition)
    levels = d[axis]
    if len(levels) >= MAX_LEVELS:
        raise ValidationError(f"A matrix can have at most {MAX_LEVELS} {axis} levels.")
    index = len(levels) if index is None else max(0, min(index, len(levels)))
    value = (
        max((int(lv.get("value", 0)) for lv in levels), default=0) + 1
        if index == len(levels)
        else int(levels[index].get("value", 1))
    )
    code = _next_code(levels)
    levels.insert(index, {"code": code, "label": f"New level {code}", "descriptor": "", "value": value})
    return d


def remove_level(definition: dict[str, Any], axis: str, index: int) -> dict[str, Any]:
    """A copy without level ``index`` on ``axis``; overrides and explicit cells for it go too."""
    d = copy.deepcopy(definition)
    levels = d[axis]
    if len(levels) <= MIN_LEVELS:
        raise ValidationError(f"A matrix needs at least {MIN_LEVELS} {axis} levels.")
    code = levels.pop(index)["code"]
    pos = 0 if axis == "likelihood" else 1
    d["score_overrides"] = [o for o in d.get("score_overrides") or [] if o.get(axis) != code]
    for band in d.get("bands") or []:
        band["cells"] = [c for c in band.get("cells") or [] if c[pos] != code]
    return d


def rename_code(definition: dict[str, Any], axis: str, index: int, new_code: str) -> dict[str, Any]:
    """A copy with a level's code changed, carried through overrides and explicit cells.

    While the code is (or was) the same as another level's — half-way through typing — the
    references are left alone: carrying them would move the other level's cells too.
    """
    d = copy.deepcopy(definition)
    old = d[axis][index]["code"]
    d[axis][index]["code"] = new_code
    others = {lv.get("code") for i, lv in enumerate(d[axis]) if i != index}
    if old in others or new_code in others:
        return d
    pos = 0 if axis == "likelihood" else 1
    for o in d.get("score_overrides") or []:
        if o.get(axis) == old:
            o[axis] = new_code
    for band in d.get("bands") or []:
        for c in band.get("cells") or []:
            if c[pos] == old:
                c[pos] = new_code
    return d


def set_cell(
    definition: dict[str, Any], likelihood: str, severity: str, *, score: int | None, band: str | None
) -> dict[str, Any]:
    """A copy with a cell's score override (None = default product) and explicit band
    (None = by score range) set."""
    d = copy.deepcopy(definition)
    d["score_overrides"] = [
        o
        for o in d.get("score_overrides") or []
        if not (o.get("likelihood") == likelihood and o.get("severity") == severity)
    ]
    if score is not None:
        d["score_overrides"].append({"likelihood": likelihood, "severity": severity, "score": int(score)})
    for b in d.get("bands") or []:
        b["cells"] = [c for c in b.get("cells") or [] if not (c[0] == likelihood and c[1] == severity)]
        if band is not None and b.get("name") == band:
            b["cells"].append([likelihood, severity])
    return d


def cell_overrides(
    definition: dict[str, Any], likelihood: str, severity: str
) -> tuple[int | None, str | None]:
    """The cell's explicit score and band, or None for each that follows the defaults."""
    score = next(
        (
            o.get("score")
            for o in definition.get("score_overrides") or []
            if o.get("likelihood") == likelihood and o.get("severity") == severity
        ),
        None,
    )
    band = next(
        (
            b.get("name")
            for b in definition.get("bands") or []
            if [likelihood, severity] in [list(c) for c in b.get("cells") or []]
        ),
        None,
    )
    return score, band


def score_range(definition: dict[str, Any]) -> tuple[int, int]:
    m = Matrix(definition)
    scores = [c.score for c in m.cells()]
    return (min(scores), max(scores)) if scores else (0, 0)
