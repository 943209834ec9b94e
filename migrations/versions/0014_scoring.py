"""A measure's judgement under the scoring model (workflows/scoring.yaml): {criterion: step} as JSON.

The score itself is not stored: it is computed from the judgement and the current model when read, so a
changed weight re-ranks every measure without a migration.

Revision ID: 0014_scoring
Revises: 0013_secrecy
Create Date: 2026-11-30 14:45:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0014_scoring'
down_revision = '0013_secrecy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scores', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_column('scores')
