"""Jobs that write (registering a yttrande, confirming an import) and retries: the attempt that holds a job,
and what a finished job did when its result is not a file.

Revision ID: 0012_job_attempts
Revises: 0011_evidence
Create Date: 2026-11-30 15:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0012_job_attempts'
down_revision = '0011_evidence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('outcome', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('outcome')
        batch_op.drop_column('attempt')
