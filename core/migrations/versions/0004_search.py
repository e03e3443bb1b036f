"""Search: the full-text index of tickets (character pairs; core.search)

Revision ID: 0004_search
Revises: 0003_followups

SQLite: an FTS5 table `ticket_fts(terms, chars)`; PostgreSQL: `ticket_terms` with tsvector
columns and GIN indexes. Rows are keyed ticket id × 16 + n. Existing tickets are indexed
here: their summary, topic and location, and the texts written on them since.
"""

import json

import sqlalchemy as sa
from alembic import op

from core import textsearch
from core.search import SLOTS, TEXT_KEYS, write_terms

revision = '0004_search'
down_revision = '0003_followups'
branch_labels = None
depends_on = None

def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:
        op.execute("CREATE TABLE ticket_terms (id BIGINT PRIMARY KEY, ticket_id INTEGER NOT "
                   "NULL, terms TSVECTOR NOT NULL, chars TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_ticket_terms_terms ON ticket_terms USING gin (terms)")
        op.execute("CREATE INDEX ix_ticket_terms_chars ON ticket_terms USING gin (chars)")
    else:
        op.execute("CREATE VIRTUAL TABLE ticket_fts USING fts5(terms, chars, "
                   "tokenize='unicode61 remove_diacritics 0')")
    _backfill(bind)


def _backfill(bind: sa.Connection) -> None:
    later: dict[int, list[str]] = {}
    for tid, data in bind.execute(sa.text("SELECT ticket_id, data FROM ticket_events")):
        if isinstance(data, str):
            data = json.loads(data)
        texts = [v for k, v in (data or {}).items() if k in TEXT_KEYS and isinstance(v, str)]
        if texts:
            later.setdefault(tid, []).extend(texts)
    rows = []
    for tid, summary, topic, location in bind.execute(sa.text(
            "SELECT id, summary, topic, location FROM tickets ORDER BY id")):
        rows.append((tid * SLOTS, *textsearch.terms([summary, topic, location])))
        if tid in later:
            rows.append((tid * SLOTS + 1, *textsearch.terms(later[tid])))
        if len(rows) >= 5000:
            write_terms(bind, rows)
            rows = []
    write_terms(bind, rows)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE ticket_terms")
    else:
        op.execute("DROP TABLE ticket_fts")
