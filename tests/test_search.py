"""Full-text search: ranked results, phrases, prefixes, literal symbols, and an index kept in step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from incident_desk.db import Database
from incident_desk.incidents import service
from incident_desk.incidents.models import Incident
from incident_desk.incidents.query import IncidentFilter
from incident_desk.search import parse, search
from incident_desk.search.query import fts5_query, tsquery


def refs(db: Database, query: str, **kw: Any) -> list[str]:
    with db.reading() as s:
        return [h.reference for h in search(s, query, **kw)]


def listed(db: Database, text: str) -> set[int]:
    with db.reading() as s:
        return set(s.scalars(IncidentFilter(text=text).apply(select(Incident.id))))


@pytest.fixture
def three(db: Database, make_incident: Any, actors: dict[str, Any]) -> dict[str, int]:
    ids = {
        "ladder": make_incident(
            title="Fall from ladder in workshop",
            description="The operator fell from a step ladder while changing a lamp.",
        ),
        "forklift": make_incident(
            title="Forklift near miss",
            description="A reversing forklift nearly struck a pedestrian at the loading bay.",
            immediate_actions="Banksman assigned; 100% of drivers re-briefed.",
        ),
        "spill": make_incident(
            title="Chemical spill", description="Drum of solvent leaked; ladder used to reach the valve."
        ),
    }
    with db.transaction() as s:
        service.add_person(
            s, actors["officer"], ids["forklift"], service.PersonData(name="Siobhan O'Brien", role="witness")
        )
        service.add_comment(s, actors["officer"], ids["spill"], "Supplier's data sheet says 'flammable'.")
    return ids


def test_query_parsing_quotes_everything() -> None:
    terms = parse('"wet floor" O\'Brien lad* x"); DROP TABLE incidents; --')
    assert fts5_query(terms) == '"wet floor" "o brien" "lad" * "x" "drop" "table" "incidents"'
    assert tsquery(parse("ladder fall*")) == "('ladder') & ('fall':*)"
    assert parse("slip on wet flo", prefix_last=True)[-1].prefix
    assert not parse("slip on wet flo ", prefix_last=True)[-1].prefix
    assert not parse("slip on wet f", prefix_last=True)[-1].prefix  # too short to be worth a prefix query
    assert parse("!!! %% ''") == []


def test_finds_word_from_the_narrative_ranked(db: Database, three: dict[str, int]) -> None:
    with db.reading() as s:
        hits = search(s, "ladder")
        ref = {i: s.get(Incident, i).reference for i in three.values()}
    # Both mention a ladder; the one with it in the title ranks first.
    assert [h.incident_id for h in hits] == [three["ladder"], three["spill"]]
    assert refs(db, "pedestrian") == [ref[three["forklift"]]]
    assert refs(db, "Pedestrian LOADING") == [ref[three["forklift"]]]  # every word, any case


def test_name_with_apostrophe(db: Database, three: dict[str, int]) -> None:
    with db.reading() as s:
        forklift = s.get(Incident, three["forklift"]).reference
    assert refs(db, "O'Brien") == [forklift]
    assert refs(db, "Siobhan O'Brien") == [forklift]
    assert refs(db, "o’brien") == [forklift]  # typographic apostrophe
    assert listed(db, "O'Brien") == {three["forklift"]}


def test_phrase_and_prefix(db: Database, three: dict[str, int]) -> None:
    with db.reading() as s:
        ref = {k: s.get(Incident, i).reference for k, i in three.items()}
    assert refs(db, '"step ladder"') == [ref["ladder"]]
    assert refs(db, '"ladder step"') == []
    assert set(refs(db, "lad*")) == {ref["ladder"], ref["spill"]}
    assert refs(db, "revers*") == [ref["forklift"]]
    # As you type: the unfinished last word is a prefix in the list's filter.
    assert listed(db, "forklift pedest") == {three["forklift"]}


def test_symbols_and_sql_are_plain_text(db: Database, three: dict[str, int]) -> None:
    with db.reading() as s:
        ref = {k: s.get(Incident, i).reference for k, i in three.items()}
    assert refs(db, "'flammable'") == [ref["spill"]]  # in a comment, with quotes around it
    assert refs(db, "Supplier's") == [ref["spill"]]
    assert refs(db, "100%") == [ref["forklift"]]
    assert refs(db, "ladder'; DROP TABLE incidents; --") == []
    assert refs(db, 'ladder" OR "spill') == []  # not an OR: the words must all appear
    assert refs(db, "NEAR(ladder fall)") == []
    assert listed(db, "%") == set()  # symbols only: literal substring search, no match
    assert listed(db, "_") == set()
    with db.reading() as s:
        assert s.execute(select(func.count()).select_from(Incident)).scalar_one() == 3


def test_index_follows_every_change(db: Database, three: dict[str, int], actors: dict[str, Any]) -> None:
    with db.reading() as s:
        inc = s.get(Incident, three["ladder"])
        data = service.data_of(inc)
        ref = inc.reference
    data.title = "Fall from scaffold tower"
    with db.transaction() as s:
        service.update(s, actors["officer"], three["ladder"], data)
    assert refs(db, "scaffold") == [ref]
    assert refs(db, "lamp") == [ref]  # description unchanged, still found
    assert refs(db, '"ladder in workshop"') == []  # the old title is gone from the index
    with db.transaction() as s:
        person = service.add_person(
            s, actors["officer"], three["ladder"], service.PersonData(name="Zoë Ærø", role="injured")
        )
        service.add_comment(s, actors["officer"], three["ladder"], "Tower inspected by Kowalczyk.")
    assert refs(db, "kowalczyk") == [ref]
    assert refs(db, "Zoë") == [ref]
    with db.transaction() as s:
        service.remove_person(s, actors["officer"], person.id)
    assert refs(db, "Ærø") == []


def test_location_and_site_names(db: Database, three: dict[str, int]) -> None:
    from incident_desk.org.models import Location

    with db.reading() as s:
        loading = {s.get(Incident, i).reference for i in three.values()}
    assert set(refs_(db, "workshop")) <= loading
    with db.transaction() as s:
        loc = s.scalars(select(Location).where(Location.name == "Workshop")).one()
        loc.name = "Machine hall"
    assert set(refs_(db, "machine hall")) == loading  # every test incident is in that location
    assert refs_(db, "test plant")  # the site's name


def refs_(db: Database, query: str) -> list[str]:
    return refs(db, query)


def test_void_incidents_are_left_out(db: Database, three: dict[str, int], actors: dict[str, Any]) -> None:
    with db.transaction() as s:
        service.void(s, actors["officer"], three["spill"], "Duplicate")
    assert len(refs(db, "ladder")) == 1
    assert len(refs(db, "ladder", include_void=True)) == 2
    assert listed(db, "solvent") == set()


def test_paging(db: Database, make_incident: Any) -> None:
    for n in range(5):
        make_incident(title=f"Glove tear {n}", description="glove")
    first, second = refs(db, "glove", limit=3), refs(db, "glove", limit=3, offset=3)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
