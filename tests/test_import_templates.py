"""Import mapping templates: "{column}" fills in a value, "[…]" keeps its text only when a value inside it is filled."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from incident_desk.imports.mapping import Rule, compile_rule

HEADERS = ["a", "b", "c", "d"]


def reference(template: str, row: list[str]) -> str:
    """The documented meaning, written independently of the importer's compiled renderer."""

    def render(pos: int, depth: int) -> tuple[str, bool, int]:
        out, filled = [], False
        while pos < len(template):
            ch = template[pos]
            if ch == "[":
                text, any_value, pos = render(pos + 1, depth + 1)
                if any_value:
                    out.append(text)
                    filled = True
                continue
            if ch == "]" and depth > 0:
                return "".join(out), filled, pos + 1
            if ch == "{" and "}" in template[pos:]:
                end = template.index("}", pos)
                name = template[pos + 1 : end]
                if name in HEADERS and "{" not in name:
                    value = row[HEADERS.index(name)].strip()
                    filled = filled or bool(value)
                    out.append(value)
                    pos = end + 1
                    continue
            out.append(ch)
            pos += 1
        return "".join(out), filled, pos

    text, filled, _ = render(0, 0)
    return text if filled else ""


_literal = st.text(alphabet=" ,.:;-\n()#xyzé", max_size=6)


def _parts(depth: int) -> st.SearchStrategy[str]:
    leaf = _literal | st.sampled_from(HEADERS).map(lambda h: "{" + h + "}")
    if depth == 0:
        return leaf
    return leaf | st.lists(_parts(depth - 1), max_size=4).map(lambda ps: "[" + "".join(ps) + "]")


templates = st.lists(_parts(2), min_size=1, max_size=6).map("".join)
rows = st.lists(st.sampled_from(["", " ", "x", " Zoë ", "{a}", "7", "  two words "]), min_size=4, max_size=4)


@settings(max_examples=400, deadline=None)
@given(template=templates, row=rows)
def test_compiled_template_matches_its_meaning(template: str, row: list[str]) -> None:
    render = compile_rule(Rule(template=template, trim=False), HEADERS)
    assert render(row) == reference(template, row)


def test_osha_style_template() -> None:
    render = compile_rule(Rule(template="{a}[\n\nPlace: {b}][, {c}][ ({b}, {d})]", trim=False), HEADERS)
    assert render(["Fell.", "tampa", "", ""]) == "Fell.\n\nPlace: tampa (tampa, )"
    assert render(["Fell.", "", "florida", ""]) == "Fell., florida"
    assert render(["", "", "", ""]) == ""
    assert render(["", "", "", "x"]) == " (, x)"
