"""What goes where: the target fields, column rules, suggestions from headers, and saved mappings.

A mapping gives each target field a rule: a source column, a constant, or a template over several
columns (``"{City}[, {State}]"``: text in square brackets is dropped when its columns are empty),
plus simple transforms (trim, case, value map, date format, cut to length). Mappings are plain
JSON, saved by name in the database or in a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from incident_desk import audit
from incident_desk.actor import Actor
from incident_desk.errors import IncidentDeskError, NotFound, ValidationError
from incident_desk.imports.models import ImportMapping
from incident_desk.users.roles import require


class MappingError(IncidentDeskError):
    """The mapping does not fit the file (a missing column, a required field not mapped)."""


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    kind: str  # text | date | time | lookup | int
    required: bool = False
    max_length: int | None = None
    synonyms: tuple[str, ...] = ()


TARGETS: tuple[Target, ...] = (
    Target(
        "external_id",
        "External ID",
        "text",
        False,
        100,
        (
            "id",
            "external id",
            "incident id",
            "record id",
            "case id",
            "case number",
            "case no",
            "report id",
            "ref",
            "ref no",
        ),
    ),
    Target(
        "title", "Title", "text", True, 200, ("title", "summary", "subject", "headline", "short description")
    ),
    Target(
        "description",
        "Description",
        "text",
        False,
        None,
        ("description", "narrative", "final narrative", "details", "what happened", "incident description"),
    ),
    Target(
        "immediate_actions",
        "Immediate actions",
        "text",
        False,
        None,
        ("immediate actions", "immediate action", "actions taken", "action taken"),
    ),
    Target(
        "occurred",
        "Occurred (date, or date and time)",
        "date",
        True,
        None,
        (
            "date",
            "event date",
            "eventdate",
            "incident date",
            "occurred",
            "occurred at",
            "date of incident",
            "date occurred",
            "occurrence date",
            "date of event",
        ),
    ),
    Target(
        "occurred_time",
        "Time of day",
        "time",
        False,
        None,
        ("time", "event time", "incident time", "time of incident", "time of event"),
    ),
    Target(
        "reported",
        "Reported (date, or date and time)",
        "date",
        False,
        None,
        ("reported", "reported at", "date reported", "report date", "reported date"),
    ),
    Target(
        "type", "Incident type", "lookup", True, None, ("type", "incident type", "category", "event type")
    ),
    Target(
        "severity", "Severity", "lookup", True, None, ("severity", "severity level", "seriousness", "level")
    ),
    Target("site", "Site", "lookup", False, 100, ("site", "plant", "facility", "establishment", "site name")),
    Target("location", "Location", "lookup", False, 100, ("location", "area", "location name")),
    Target("customer", "Customer", "lookup", False, 200, ("customer", "client", "employer", "company")),
    Target("reporter_name", "Reported by", "text", False, 200, ("reporter", "reported by", "reporter name")),
    Target(
        "person_name",
        "Injured person",
        "text",
        False,
        200,
        ("injured person", "employee name", "injured", "victim", "employee", "person", "name"),
    ),
    Target(
        "job_title", "Injured person's job title", "text", False, 100, ("job title", "occupation", "position")
    ),
    Target(
        "body_part",
        "Part of body",
        "text",
        False,
        50,
        ("body part", "part of body", "part of body title", "body part affected"),
    ),
    Target(
        "nature_of_injury",
        "Nature of injury",
        "text",
        False,
        100,
        ("nature of injury", "nature", "naturetitle", "injury", "injury type"),
    ),
    Target(
        "treatment", "Treatment / outcome", "lookup", False, None, ("treatment", "outcome", "injury outcome")
    ),
    Target("days_away", "Days away from work", "int", False, None, ("days away", "days lost", "lost days")),
)
TARGET = {t.name: t for t in TARGETS}
PERSON_TARGETS = ("person_name", "job_title", "body_part", "nature_of_injury", "treatment", "days_away")
CASES = ("", "sentence", "title", "upper", "lower")
STATUSES = ("closed", "reported")
CREATABLE = ("site", "location", "customer")


@dataclass
class Rule:
    """Where one target field's value comes from, and how it is cleaned."""

    column: str = ""
    constant: str = ""
    template: str = ""
    derive: str = ""  # a named built-in rule over several columns (see DERIVED)
    date_format: str = ""  # strptime format, e.g. %d/%m/%Y; empty = recognise common formats
    value_map: dict[str, str] = field(default_factory=dict)  # source value (any case) -> value
    trim: bool = True
    case: str = ""
    truncate: bool = False  # cut over-long text to the field's limit instead of reporting it
    first_sentence: bool = False

    @property
    def empty(self) -> bool:
        return not (self.column or self.constant or self.template or self.derive)

    def describe(self) -> str:
        if self.column:
            return f"column {self.column}"
        if self.template:
            return f"template {self.template!r}"
        if self.derive:
            return DERIVED[self.derive].label if self.derive in DERIVED else self.derive
        if self.constant:
            return f"always {self.constant!r}"
        return "not mapped"

    def source_label(self) -> str:
        """How a problem names the source: the column, or what stands in for it."""
        if self.column:
            return self.column
        if self.template:
            return ", ".join(template_columns(self.template)) or "(template)"
        if self.derive and self.derive in DERIVED:
            return ", ".join(DERIVED[self.derive].columns)
        return "(constant)"

    def to_dict(self) -> dict[str, Any]:
        default = Rule()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | str) -> Rule:
        if isinstance(data, str):
            return cls(column=data)
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise MappingError(f"Unknown rule setting {', '.join(sorted(unknown))}.")
        rule = cls(**data)
        rule.value_map = {str(k): str(v) for k, v in (rule.value_map or {}).items()}
        return rule


@dataclass
class Mapping:
    name: str = ""
    rules: dict[str, Rule] = field(default_factory=dict)
    status: str = "closed"  # imported history is closed; "reported" puts rows in the workflow
    create_missing: tuple[str, ...] = ("customer",)  # of CREATABLE: unknown names are created
    description: str = ""

    def rule(self, target: str) -> Rule:
        return self.rules.get(target) or Rule()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "create_missing": list(self.create_missing),
            "rules": {k: r.to_dict() for k, r in self.rules.items() if not r.empty},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        if not isinstance(data, dict) or not isinstance(data.get("rules", {}), dict):
            raise MappingError('A mapping is a JSON object with a "rules" object inside.')
        unknown = set(data["rules"]) - set(TARGET) if "rules" in data else set()
        if unknown:
            raise MappingError(
                f"Unknown target field {', '.join(sorted(unknown))}; fields are: {', '.join(TARGET)}."
            )
        status = str(data.get("status", "closed"))
        if status not in STATUSES:
            raise MappingError(f"Status must be one of {', '.join(STATUSES)}, not {status!r}.")
        create = tuple(str(x) for x in data.get("create_missing", ("customer",)))
        if set(create) - set(CREATABLE):
            raise MappingError(f"create_missing may name {', '.join(CREATABLE)} only.")
        return cls(
            name=str(data.get("name", "")),
            description=str(data.get("description", "")),
            status=status,
            create_missing=create,
            rules={k: Rule.from_dict(v) for k, v in data.get("rules", {}).items()},
        )

    def copy(self, **changes: Any) -> Mapping:
        m = Mapping.from_dict(self.to_dict())
        for k, v in changes.items():
            setattr(m, k, v)
        return m


# -- templates ------------------------------------------------------------------------------
_TEMPLATE_TOKEN = re.compile(r"(\{[^{}]*\}|\[|\])")
Part = Any  # str literal | int column index | list of parts (an optional group)


def template_columns(template: str) -> list[str]:
    return [t[1:-1] for t in _TEMPLATE_TOKEN.findall(template) if t.startswith("{")]


def _compile_template(template: str, index: dict[str, int]) -> Callable[[Sequence[str]], str]:
    stack: list[list[Part]] = [[]]
    for token in _TEMPLATE_TOKEN.split(template):
        if not token:
            continue
        if token == "[":
            group: list[Part] = []
            stack[-1].append(group)
            stack.append(group)
        elif token == "]" and len(stack) > 1:
            stack.pop()
        elif token.startswith("{") and token.endswith("}"):
            name = token[1:-1]
            if name not in index:
                raise MappingError(f"The template uses column {name!r}, which the file does not have.")
            stack[-1].append(index[name])
        else:
            stack[-1].append(token)
    top = stack[0]

    def render(parts: list[Part], row: Sequence[str]) -> tuple[str, bool]:
        out: list[str] = []
        filled = False
        for part in parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, int):
                value = row[part].strip()
                filled = filled or bool(value)
                out.append(value)
            else:
                text, any_value = render(part, row)
                if any_value:
                    out.append(text)
                    filled = True
        return "".join(out), filled

    if any(isinstance(part, list) and not _flat(part) for part in top):

        def run(row: Sequence[str]) -> str:
            text, filled = render(top, row)
            return text if filled else ""

        return run

    # No group inside a group (the usual case): each part becomes a literal, a column, or a
    # group rendered with one str.format — the same text as ``render`` with far less work per row.
    items: list[tuple[int, Any, tuple[int, ...]]] = []
    for part in top:
        if isinstance(part, str):
            items.append((0, part, ()))
        elif isinstance(part, int):
            items.append((1, part, ()))
        elif sum(isinstance(p, int) for p in part) == 1:  # "[, {state}]": one column and its words
            at = next(i for i, p in enumerate(part) if isinstance(p, int))
            before, after = "".join(part[:at]), "".join(part[at + 1 :])  # type: ignore[arg-type]
            items.append((3, (before, after), (part[at],)))  # type: ignore[arg-type]
        else:
            fmt = "".join("{}" if isinstance(p, int) else p.replace("{", "{{").replace("}", "}}") for p in part)
            items.append((2, fmt, tuple(p for p in part if isinstance(p, int))))

    def run_flat(row: Sequence[str]) -> str:
        out: list[str] = []
        filled = False
        for kind, value, columns in items:
            if kind == 0:
                out.append(value)
            elif kind == 1:
                text = row[value].strip()
                if text:
                    filled = True
                    out.append(text)
            elif kind == 3:
                text = row[columns[0]].strip()
                if text:
                    filled = True
                    out.append(value[0] + text + value[1])
            else:
                values = [row[c].strip() for c in columns]
                if any(values):
                    filled = True
                    out.append(value.format(*values))
        return "".join(out) if filled else ""

    return run_flat


def _flat(group: list[Part]) -> bool:
    return all(isinstance(p, str | int) for p in group)


# -- derived values ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Derivation:
    label: str
    columns: tuple[str, ...]  # the first ``required`` must exist; the rest are used when present
    required: int
    fn: Callable[[Sequence[str]], str]


def _count(value: str) -> float:
    try:
        return float(value.strip() or 0)
    except ValueError:
        return 0.0


def _osha_severity(values: Sequence[str]) -> str:
    hospitalized, amputation, *rest = (_count(v) for v in values)
    if amputation > 0 or any(x > 0 for x in rest):
        return "Critical"  # permanent: amputation or loss of an eye
    return "Urgent" if hospitalized > 0 else "Major"


def _osha_treatment(values: Sequence[str]) -> str:
    hospitalized, amputation, *rest = (_count(v) for v in values)
    if amputation > 0 or any(x > 0 for x in rest):
        return "permanent"
    return "hospitalised" if hospitalized > 0 else "medical"


DERIVED: dict[str, Derivation] = {
    "osha_severity": Derivation(
        "severity from OSHA counts: amputation or loss of eye → Critical, hospitalised → Urgent, else Major",
        ("Hospitalized", "Amputation", "Loss of Eye"),
        2,
        _osha_severity,
    ),
    "osha_treatment": Derivation(
        "treatment from OSHA counts: amputation or loss of eye → permanent, "
        "hospitalised → hospitalised, else medical",
        ("Hospitalized", "Amputation", "Loss of Eye"),
        2,
        _osha_treatment,
    ),
}


# -- compiling a rule against a file's headers -------------------------------------------------
_SENTENCE_END = re.compile(r"[.!?](\s|$)")


def _first_sentence(text: str) -> str:
    m = _SENTENCE_END.search(text)
    return text[: m.start() + 1] if m and m.start() > 10 else text


def _apply_case(text: str, case: str) -> str:
    if case == "upper":
        return text.upper()
    if case == "lower":
        return text.lower()
    if case == "title":
        return text.title()
    if case == "sentence":
        return text[:1].upper() + text[1:]
    return text


def compile_rule(rule: Rule, headers: Sequence[str]) -> Callable[[Sequence[str]], str]:
    """A function from a row to the rule's text (before typed parsing); raises MappingError."""
    index = {h: i for i, h in enumerate(headers)}
    getter: Callable[[Sequence[str]], str]
    if rule.column:
        if rule.column not in index:
            raise MappingError(f"The mapping uses column {rule.column!r}, which the file does not have.")
        col = index[rule.column]

        def getter(row: Sequence[str]) -> str:
            return row[col]
    elif rule.template:
        getter = _compile_template(rule.template, index)
    elif rule.derive:
        d = DERIVED.get(rule.derive)
        if d is None:
            raise MappingError(f"Unknown derived rule {rule.derive!r}.")
        missing = [c for c in d.columns[: d.required] if c not in index]
        if missing:
            raise MappingError(f"The mapping needs column {missing[0]!r}, which the file does not have.")
        cols = [index[c] for c in d.columns if c in index]

        def getter(row: Sequence[str]) -> str:
            return d.fn([row[c] for c in cols])
    else:
        constant = rule.constant

        def getter(row: Sequence[str]) -> str:
            return constant

    value_map = {k.strip().lower(): v for k, v in rule.value_map.items()}
    trim, case, first = rule.trim, rule.case, rule.first_sentence
    if not (value_map or trim or case or first):
        return getter
    if rule.column and trim and not (value_map or case or first):
        # The most common rule: a column, trimmed.
        def trimmed(row: Sequence[str]) -> str:
            return row[col].strip()

        return trimmed

    def transformed(row: Sequence[str]) -> str:
        value = getter(row)
        if trim:
            value = value.strip()
        if value_map:
            value = value_map.get(value.strip().lower(), value)
        if first:
            value = _first_sentence(value)
        if case:
            value = _apply_case(value, case)
        return value

    return transformed


def mapping_problems(mapping: Mapping, headers: Sequence[str]) -> list[str]:
    """Problems with the mapping itself (before looking at any row)."""
    problems = []
    for target in TARGETS:
        rule = mapping.rule(target.name)
        if rule.empty:
            if target.required:
                problems.append(f"{target.label} is required: choose a column or a constant value.")
            continue
        try:
            compile_rule(rule, headers)
        except MappingError as exc:
            problems.append(f"{target.label}: {exc}")
    return problems


# -- suggestions and built-in layouts -----------------------------------------------------------
def normalise_header(header: str) -> str:
    return " ".join(re.sub(r"[_\-./]+", " ", header).lower().split())


def suggest(headers: Sequence[str]) -> Mapping:
    """A first mapping from the headers: a built-in layout when one fits, else synonyms."""
    builtin = detect_builtin(headers)
    if builtin is not None:
        return builtin.copy()
    normal = {normalise_header(h): h for h in headers}
    rules: dict[str, Rule] = {}
    used: set[str] = set()
    for target in TARGETS:
        for syn in target.synonyms:
            header = normal.get(syn)
            if header and header not in used:
                rules[target.name] = Rule(column=header, truncate=target.name == "title")
                used.add(header)
                break
    if "title" not in rules and "description" in rules:
        rules["title"] = Rule(column=rules["description"].column, first_sentence=True, truncate=True)
    return Mapping(name="", rules=rules)


OSHA_SIR = Mapping(
    name="OSHA Severe Injury Reports",
    description="OSHA's Severe Injury Reports (ID, EventDate, Employer, … Final Narrative, NatureTitle …).",
    create_missing=("customer",),
    rules={
        "external_id": Rule(column="ID"),
        "title": Rule(
            template="{EventTitle}[ ({NatureTitle}[, {Part of Body Title}])]", truncate=True, case="sentence"
        ),
        "description": Rule(
            template="{Final Narrative}[\n\nEmployer: {Employer}][, {Address1}][ {Address2}]"
            "[, {City}][, {State}][ {Zip}][\nIndustry (NAICS): {Primary NAICS}]"
            "[\nSource: {SourceTitle}][; secondary source: {Secondary Source Title}]"
            "[\nOSHA inspection {Inspection}]"
        ),
        "occurred": Rule(column="EventDate"),
        "type": Rule(constant="injury"),
        "severity": Rule(derive="osha_severity"),
        "customer": Rule(column="Employer", truncate=True),
        "person_name": Rule(constant="Unknown"),
        "body_part": Rule(column="Part of Body Title", truncate=True),
        "nature_of_injury": Rule(column="NatureTitle", truncate=True),
        "treatment": Rule(derive="osha_treatment"),
    },
)

OSHA_FATALITIES = Mapping(
    name="OSHA fatalities",
    description="OSHA's list of worker fatalities (id, incident_date, day_of_week, city, state, description, "
    "plan, citation).",
    create_missing=(),
    rules={
        "external_id": Rule(column="id"),
        "title": Rule(column="description", first_sentence=True, truncate=True, case="sentence"),
        "description": Rule(
            template="{description}[\n\nPlace: {city}][, {state}][\nState plan: {plan}]"
            "[\nCitation: {citation}]"
        ),
        "occurred": Rule(column="incident_date"),
        "type": Rule(constant="injury"),
        "severity": Rule(constant="Critical"),
        "person_name": Rule(constant="Unknown"),
        "treatment": Rule(constant="fatality"),
    },
)

BUILTIN: dict[str, Mapping] = {m.name: m for m in (OSHA_SIR, OSHA_FATALITIES)}


def required_columns(mapping: Mapping) -> set[str]:
    cols: set[str] = set()
    for rule in mapping.rules.values():
        if rule.column:
            cols.add(rule.column)
        elif rule.template:
            cols.update(template_columns(rule.template))
        elif rule.derive in DERIVED:
            d = DERIVED[rule.derive]
            cols.update(d.columns[: d.required])
    return cols


def detect_builtin(headers: Sequence[str]) -> Mapping | None:
    """The built-in layout whose columns the file has (extra columns are fine)."""
    present = set(headers)
    for mapping in BUILTIN.values():
        if required_columns(mapping) <= present:
            return mapping
    return None


# -- saved mappings -------------------------------------------------------------------------
def saved_names(session: Session) -> list[str]:
    return list(session.scalars(select(ImportMapping.name).order_by(ImportMapping.name)))


def save(session: Session, actor: Actor, mapping: Mapping) -> ImportMapping:
    require(actor, "import.run")
    name = mapping.name.strip()
    if not name:
        raise ValidationError({"name": ["Give the mapping a name to save it under."]})
    if len(name) > 100:
        raise ValidationError({"name": ["Keep the mapping's name to 100 characters."]})
    if name.lower() in (n.lower() for n in BUILTIN):
        raise ValidationError({"name": [f"“{name}” is a built-in mapping; save yours under another name."]})
    definition = mapping.copy(name=name).to_dict()
    row = session.scalars(select(ImportMapping).where(ImportMapping.name == name)).first()
    if row is None:
        row = ImportMapping(name=name, definition=definition)
        session.add(row)
    else:
        row.definition = definition
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        entity="import_mapping",
        entity_id=row.id,
        summary=f"Saved import mapping {name}",
        details=definition,
    )
    return row


def load(session: Session | None, name_or_path: str) -> Mapping:
    """A mapping by built-in name, saved name, or JSON file path."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" or path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise MappingError(f"Cannot read the mapping file {path}: {exc.strerror or exc}.") from exc
        except json.JSONDecodeError as exc:
            raise MappingError(f"{path.name} is not valid JSON (line {exc.lineno}): {exc.msg}.") from exc
        mapping = Mapping.from_dict(data)
        mapping.name = mapping.name or path.stem
        return mapping
    for name, mapping in BUILTIN.items():
        if name.lower() == name_or_path.strip().lower():
            return mapping.copy()
    if session is not None:
        row = session.scalars(select(ImportMapping).where(ImportMapping.name == name_or_path.strip())).first()
        if row is not None:
            mapping = Mapping.from_dict(row.definition)
            mapping.name = row.name
            return mapping
    known = list(BUILTIN) + (saved_names(session) if session is not None else [])
    raise NotFound(f"No import mapping named {name_or_path!r}. Mappings: {', '.join(known)}.")
