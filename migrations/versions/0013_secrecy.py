"""Secrecy markings (OSL): the current marking of a case, a progress report or a registered document.

Revision ID: 0013_secrecy
Revises: 0012_job_attempts
Create Date: 2026-11-30 14:40:00
"""
from alembic import op
import sqlalchemy as sa

import kfflow.db

revision = '0013_secrecy'
down_revision = '0012_job_attempts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('secrecy_marking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('case_kind', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('ground', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user_account.id'],
                            name=op.f('fk_secrecy_marking_marked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secrecy_marking')),
    sa.UniqueConstraint('subject_kind', 'subject_id', name=op.f('uq_secrecy_marking_subject_kind_subject_id'))
    )
    with op.batch_alter_table('secrecy_marking', schema=None) as batch_op:
        batch_op.create_index('ix_secrecy_marking_case', ['case_kind', 'case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('secrecy_marking', schema=None) as batch_op:
        batch_op.drop_index('ix_secrecy_marking_case')
    op.drop_table('secrecy_marking')
