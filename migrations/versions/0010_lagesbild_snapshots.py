"""Frozen lägesbilder: the numbers at a steering meeting or when someone froze them.

Revision ID: 0010_lagesbild_snapshots
Revises: 0009_api_keys
Create Date: 2026-11-30 15:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import kfflow.db
from sqlalchemy.dialects import postgresql

revision = '0010_lagesbild_snapshots'
down_revision = '0009_api_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lagesbild_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('working_group', sa.String(length=120), nullable=True),
    sa.Column('frozen_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('frozen_by_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['frozen_by_id'], ['user_account.id'], name=op.f('fk_lagesbild_snapshot_frozen_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lagesbild_snapshot')),
    sa.UniqueConstraint('meeting_date', name=op.f('uq_lagesbild_snapshot_meeting_date'))
    )
    with op.batch_alter_table('lagesbild_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lagesbild_snapshot_as_of'), ['as_of'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lagesbild_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lagesbild_snapshot_as_of'))
    op.drop_table('lagesbild_snapshot')
