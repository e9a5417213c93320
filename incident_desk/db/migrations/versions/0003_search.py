"""Full-text search index over incidents, kept in step by triggers.

SQLite: an FTS5 table whose content is a view over incidents, people, comments, locations,
sites and customers (external content: the text is not stored twice). BEFORE triggers remove
a document with the values it was indexed with, AFTER triggers add the new one, so every write
(form, import, bulk demo insert) is indexed. PostgreSQL: a ``tsvector`` per incident with a GIN
index, refreshed by statement-level triggers (one refresh per statement, not per row). On both,
bulk writers may pause the triggers and index their new rows in one pass afterwards.

Revision ID: 0003_search
Revises: 0002_risk_signoff_alerts
"""

from __future__ import annotations

from alembic import op

revision = "0003_search"
down_revision = "0002_risk_signoff_alerts"
branch_labels = None
depends_on = None

COLUMNS = "title, body, people, comments, places"

SQLITE_VIEW = """
CREATE VIEW incident_search_source AS
SELECT i.id AS id,
       i.reference || ' ' || i.title AS title,
       i.description || ' ' || i.immediate_actions AS body,
       (SELECT group_concat(p.name, ' ') FROM people p WHERE p.incident_id = i.id) AS people,
       (SELECT group_concat(c.body, ' ') FROM comments c WHERE c.incident_id = i.id) AS comments,
       coalesce(l.name, '') || ' ' || coalesce(s.name, '') || ' ' || coalesce(cu.name, '') AS places
FROM incidents i
LEFT JOIN locations l ON l.id = i.location_id
LEFT JOIN sites s ON s.id = i.site_id
LEFT JOIN customers cu ON cu.id = i.customer_id
"""


def _sqlite_remove(where: str) -> str:
    return (
        f"INSERT INTO incident_search(incident_search, rowid, {COLUMNS}) "
        f"SELECT 'delete', id, {COLUMNS} FROM incident_search_source WHERE {where};"
    )


def _sqlite_add(where: str) -> str:
    return (
        f"INSERT INTO incident_search(rowid, {COLUMNS}) "
        f"SELECT id, {COLUMNS} FROM incident_search_source WHERE {where};"
    )


# Bulk writers (demo data, import) pause the row triggers and index their new rows in one pass
# afterwards (see incident_desk.search.index): a row trigger costs ten times a bulk rebuild.
ACTIVE = "WHEN NOT EXISTS (SELECT 1 FROM counters WHERE name = 'search:paused')"


def _sqlite_pair(name: str, event: str, table: str, where: str) -> list[str]:
    """A BEFORE trigger taking the old document out and an AFTER trigger putting the new one in."""
    old_where = where.replace("NEW.", "OLD.") if event == "DELETE" else where
    statements = []
    if event != "INSERT":
        statements.append(
            f"CREATE TRIGGER {name}_bd BEFORE {event} ON {table} {ACTIVE} BEGIN "
            f"{_sqlite_remove(old_where)} END"
        )
    else:
        statements.append(
            f"CREATE TRIGGER {name}_bd BEFORE INSERT ON {table} {ACTIVE} BEGIN {_sqlite_remove(where)} END"
        )
    if event != "DELETE":
        statements.append(
            f"CREATE TRIGGER {name}_ai AFTER {event} ON {table} {ACTIVE} BEGIN {_sqlite_add(where)} END"
        )
    else:
        statements.append(
            f"CREATE TRIGGER {name}_ai AFTER DELETE ON {table} {ACTIVE} BEGIN {_sqlite_add(old_where)} END"
        )
    return statements


SQLITE_TRIGGERS = [
    f"CREATE TRIGGER incident_search_incident_ai AFTER INSERT ON incidents {ACTIVE} BEGIN "
    f"{_sqlite_add('id = NEW.id')} END",
    *_sqlite_pair(
        "incident_search_incident_u",
        "UPDATE OF reference, title, description, immediate_actions, location_id, site_id, customer_id",
        "incidents",
        "id = OLD.id",
    ),
    f"CREATE TRIGGER incident_search_incident_bd BEFORE DELETE ON incidents {ACTIVE} BEGIN "
    f"{_sqlite_remove('id = OLD.id')} END",
    *_sqlite_pair("incident_search_person_i", "INSERT", "people", "id = NEW.incident_id"),
    *_sqlite_pair(
        "incident_search_person_u",
        "UPDATE OF name, incident_id",
        "people",
        "id IN (OLD.incident_id, NEW.incident_id)",
    ),
    *_sqlite_pair("incident_search_person_d", "DELETE", "people", "id = NEW.incident_id"),
    *_sqlite_pair("incident_search_comment_i", "INSERT", "comments", "id = NEW.incident_id"),
    *_sqlite_pair(
        "incident_search_comment_u",
        "UPDATE OF body, incident_id",
        "comments",
        "id IN (OLD.incident_id, NEW.incident_id)",
    ),
    *_sqlite_pair("incident_search_comment_d", "DELETE", "comments", "id = NEW.incident_id"),
]
for _table, _column in (("locations", "location_id"), ("sites", "site_id"), ("customers", "customer_id")):
    SQLITE_TRIGGERS += _sqlite_pair(
        f"incident_search_{_table}_u",
        "UPDATE OF name",
        _table,
        f"id IN (SELECT id FROM incidents WHERE {_column} = OLD.id)",
    )

SQLITE_TRIGGER_NAMES = [s.split()[2] for s in SQLITE_TRIGGERS]


PG_DOCUMENT = """
CREATE FUNCTION incident_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
INSERT INTO incident_search (incident_id, document)
SELECT i.id,
       setweight(to_tsvector('simple', i.reference || ' ' || i.title), 'A')
       || setweight(to_tsvector('simple', i.description || ' ' || i.immediate_actions), 'B')
       || setweight(to_tsvector('simple', coalesce(
            (SELECT string_agg(p.name, ' ') FROM people p WHERE p.incident_id = i.id), '')), 'B')
       || setweight(to_tsvector('simple', coalesce(
            (SELECT string_agg(c.body, ' ') FROM comments c WHERE c.incident_id = i.id), '')), 'C')
       || setweight(to_tsvector('simple', coalesce(l.name, '') || ' ' || coalesce(s.name, '') || ' '
                                          || coalesce(cu.name, '')), 'C')
FROM incidents i
LEFT JOIN locations l ON l.id = i.location_id
LEFT JOIN sites s ON s.id = i.site_id
LEFT JOIN customers cu ON cu.id = i.customer_id
WHERE i.id = ANY(ids)
ON CONFLICT (incident_id) DO UPDATE SET document = EXCLUDED.document
$$
"""

# (trigger function, table, event, transition table, SQL giving the incident ids to refresh)
PG_STATEMENT_TRIGGERS = [
    (
        "incident_search_incidents_ins",
        "incidents",
        "INSERT",
        "NEW TABLE AS changed",
        "SELECT id FROM changed",
    ),
    (
        "incident_search_incidents_upd",
        "incidents",
        "UPDATE",
        "NEW TABLE AS changed",
        "SELECT id FROM changed",
    ),
    (
        "incident_search_people_ins",
        "people",
        "INSERT",
        "NEW TABLE AS changed",
        "SELECT incident_id FROM changed",
    ),
    (
        "incident_search_people_upd",
        "people",
        "UPDATE",
        "NEW TABLE AS changed OLD TABLE AS before",
        "SELECT incident_id FROM changed UNION SELECT incident_id FROM before",
    ),
    (
        "incident_search_people_del",
        "people",
        "DELETE",
        "OLD TABLE AS before",
        "SELECT incident_id FROM before",
    ),
    (
        "incident_search_comments_ins",
        "comments",
        "INSERT",
        "NEW TABLE AS changed",
        "SELECT incident_id FROM changed",
    ),
    (
        "incident_search_comments_upd",
        "comments",
        "UPDATE",
        "NEW TABLE AS changed OLD TABLE AS before",
        "SELECT incident_id FROM changed UNION SELECT incident_id FROM before",
    ),
    (
        "incident_search_comments_del",
        "comments",
        "DELETE",
        "OLD TABLE AS before",
        "SELECT incident_id FROM before",
    ),
]
# As on SQLite, bulk writers pause the triggers and index their new rows afterwards.
PG_PAUSED = "IF EXISTS (SELECT 1 FROM counters WHERE name = 'search:paused') THEN RETURN NULL; END IF; "
PG_NAME_TRIGGERS = [("locations", "location_id"), ("sites", "site_id"), ("customers", "customer_id")]


def _upgrade_sqlite() -> None:
    op.execute(SQLITE_VIEW)
    op.execute(
        f"CREATE VIRTUAL TABLE incident_search USING fts5({COLUMNS}, content='incident_search_source', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO incident_search(incident_search) VALUES ('rebuild')")


def _upgrade_postgresql() -> None:
    op.execute(
        "CREATE TABLE incident_search (incident_id integer PRIMARY KEY "
        "REFERENCES incidents(id) ON DELETE CASCADE, document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_incident_search_document ON incident_search USING gin (document)")
    op.execute(PG_DOCUMENT)
    for name, table, event, transition, ids in PG_STATEMENT_TRIGGERS:
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {PG_PAUSED}"
            f"PERFORM incident_search_refresh(ARRAY(SELECT DISTINCT x FROM ({ids}) AS t(x))); "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    for table, column in PG_NAME_TRIGGERS:
        name = f"incident_search_{table}_name"
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM incident_search_refresh(ARRAY(SELECT id FROM incidents WHERE {column} = NEW.id)); "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER UPDATE OF name ON {table} FOR EACH ROW "
            f"WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION {name}()"
        )
    op.execute("SELECT incident_search_refresh(ARRAY(SELECT id FROM incidents))")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, *_rest in PG_STATEMENT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        for table, _column in PG_NAME_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS incident_search_{table}_name ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS incident_search_{table}_name()")
        op.execute("DROP FUNCTION IF EXISTS incident_search_refresh(integer[])")
        op.execute("DROP TABLE IF EXISTS incident_search")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS incident_search")
        op.execute("DROP VIEW IF EXISTS incident_search_source")
