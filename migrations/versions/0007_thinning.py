"""Retention: the gallringslogg (thinning_log, append-only like the history) and thinned history entries
(`history_entry.thinned_digest`); the history trigger now lets exactly one change through: thinning, which
replaces an entry's content by its digest once and leaves its place in the chain as it was.

Revision ID: 0007_thinning
Revises: 0006_external_sign_in
Create Date: 2026-11-30 13:35:00
"""
from alembic import op
import sqlalchemy as sa

import kfflow.db
from kfflow.models.append_only import database_guard_sql, drop_database_guard_sql, history_guard_sql

revision = '0007_thinning'
down_revision = '0006_external_sign_in'
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table('thinning_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=300), nullable=False),
    sa.Column('rule', sa.String(length=300), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('case_kind', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('thinned_history', kfflow.db.JSONData, nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_thinning_log_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thinning_log'))
    )
    with op.batch_alter_table('thinning_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thinning_log_case_id'), ['case_id'], unique=False)
    for statement in database_guard_sql("thinning_log", dialect):
        op.execute(statement)
    for statement in drop_database_guard_sql("history_entry", dialect):
        op.execute(statement)
    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thinned_digest', sa.String(length=64), nullable=True))
    for statement in history_guard_sql(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_database_guard_sql("history_entry", dialect):
        op.execute(statement)
    with op.batch_alter_table('history_entry', schema=None) as batch_op:
        batch_op.drop_column('thinned_digest')
    for statement in database_guard_sql("history_entry", dialect):
        op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kfflow_history_thinning_only()")
    for statement in drop_database_guard_sql("thinning_log", dialect):
        op.execute(statement)
    with op.batch_alter_table('thinning_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thinning_log_case_id'))
    op.drop_table('thinning_log')
