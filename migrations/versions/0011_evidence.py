"""Evidence files attached to a case's progress report or transition (the `attachment` table).

Revision ID: 0011_evidence
Revises: 0010_lagesbild_snapshots
Create Date: 2026-11-30 14:45:00.000000
"""
from alembic import op
import sqlalchemy as sa
import kfflow.db

revision = '0011_evidence'
down_revision = '0010_lagesbild_snapshots'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_kind', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('history_entry_id', sa.Integer(), nullable=False),
    sa.Column('progress_report_id', sa.Integer(), nullable=True),
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['history_entry_id'], ['history_entry.id'], name=op.f('fk_attachment_history_entry_id_history_entry'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['progress_report_id'], ['progress_report.id'], name=op.f('fk_attachment_progress_report_id_progress_report'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_file.id'], name=op.f('fk_attachment_stored_file_id_stored_file'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_file_id', name=op.f('uq_attachment_stored_file_id'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_case', ['case_kind', 'case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_history_entry_id'), ['history_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_progress_report_id'), ['progress_report_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_progress_report_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_history_entry_id'))
        batch_op.drop_index('ix_attachment_case')
    op.drop_table('attachment')
