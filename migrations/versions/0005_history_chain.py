"""Tamper-evident history: each case's history entries form a hash chain, and the database itself refuses
UPDATE and DELETE on history_entry and document_record (triggers, PostgreSQL and SQLite).

Upgrade chains the existing history of every case in the order it was written (by id) and records each
case's chain length and head; downgrade drops the triggers and the chain columns.

Revision ID: 0005_history_chain
Revises: 0004_jobs
Create Date: 2026-11-30 13:20:00
"""
from alembic import op
import sqlalchemy as sa

import kfflow.db
from kfflow.models.append_only import database_guard_sql, drop_database_guard_sql
from kfflow.models.history import HASHED_COLUMNS, chain_hash, content_digest

revision = '0005_history_chain'
down_revision = '0004_jobs'
branch_labels = None
depends_on = None

CASE_TABLES = ("measure", "audit", "recommendation")
GUARDED_TABLES = ("history_entry", "document_record")

_history = sa.table("history_entry", sa.column("id", sa.Integer), sa.column("case_kind", sa.String),
                    sa.column("case_id", sa.Integer), sa.column("trigger", sa.String),
                    sa.column("from_state", sa.String), sa.column("to_state", sa.String),
                    sa.column("actor_id", sa.Integer), sa.column("at", kfflow.db.UTCDateTime),
                    sa.column("fields", kfflow.db.JSONData), sa.column("comment", sa.Text),
                    sa.column("workflow_version", sa.Integer), sa.column("seq", sa.Integer),
                    sa.column("entry_hash", sa.String))


def upgrade() -> None:
    for table in CASE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('history_length', sa.Integer(), server_default='0', nullable=False))
            batch_op.add_column(sa.Column('history_head', sa.String(length=64), nullable=True))
    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    _chain_existing_history()
    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_index('ix_history_entry_case')
        batch_op.create_unique_constraint(batch_op.f('uq_history_entry_case_kind_case_id_seq'),
                                          ['case_kind', 'case_id', 'seq'])
    dialect = op.get_bind().dialect.name
    for table in GUARDED_TABLES:
        for statement in database_guard_sql(table, dialect):
            op.execute(statement)


def _chain_existing_history() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(*(_history.c[c] for c in HASHED_COLUMNS if c != "seq"), _history.c.id)
                        .order_by(_history.c.case_kind, _history.c.case_id, _history.c.id)).all()
    heads: dict[tuple[str, int], tuple[int, str | None]] = {}
    for row in rows:
        values = row._asdict()
        key = (values["case_kind"], values["case_id"])
        length, head = heads.get(key, (0, None))
        values["seq"] = length + 1
        entry_hash = chain_hash(head, content_digest(*(values[c] for c in HASHED_COLUMNS)))
        conn.execute(sa.update(_history).where(_history.c.id == values["id"])
                     .values(seq=length + 1, entry_hash=entry_hash))
        heads[key] = (length + 1, entry_hash)
    for (kind, case_id), (length, head) in heads.items():
        if kind in CASE_TABLES:
            case = sa.table(kind, sa.column("id", sa.Integer), sa.column("history_length", sa.Integer),
                            sa.column("history_head", sa.String))
            conn.execute(sa.update(case).where(case.c.id == case_id)
                         .values(history_length=length, history_head=head))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in GUARDED_TABLES:
        for statement in drop_database_guard_sql(table, dialect):
            op.execute(statement)
    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_history_entry_case_kind_case_id_seq'), type_='unique')
        batch_op.create_index('ix_history_entry_case', ['case_kind', 'case_id', 'id'], unique=False)
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('seq')
    for table in CASE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('history_head')
            batch_op.drop_column('history_length')
