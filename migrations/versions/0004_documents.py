"""Audit response cases, the yttrande's fields and the register of generated documents.

Revision ID: 0004_documents
Revises: 0001_initial
Create Date: 2026-11-25 13:26:44.976260
"""
from alembic import op
import sqlalchemy as sa
import kfflow.db


revision = '0004_documents'
down_revision = 'api_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('diarienummer', sa.String(length=60), nullable=False),
    sa.Column('document_number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('file_path', sa.String(length=500), nullable=False),
    sa.Column('generated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['generated_by_id'], ['user_account.id'], name=op.f('fk_document_record_generated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_record')),
    sa.UniqueConstraint('diarienummer', 'document_number', name=op.f('uq_document_record_diarienummer_document_number')),
    sa.UniqueConstraint('file_path', name=op.f('uq_document_record_file_path')),
    sa.UniqueConstraint('kind', 'subject_kind', 'subject_id', 'version', name=op.f('uq_document_record_kind_subject_kind_subject_id_version'))
    )
    with op.batch_alter_table('document_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_record_diarienummer'), ['diarienummer'], unique=False)

    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=20), nullable=False, server_default='board'))
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('body', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('meeting_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('paragraph', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('state', sa.String(length=40), nullable=False, server_default='registered'))
        batch_op.add_column(sa.Column('workflow_name', sa.String(length=60), nullable=False, server_default='audit'))
        batch_op.add_column(sa.Column('workflow_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('updated_at', kfflow.db.UTCDateTime(timezone=True), nullable=False,
                                      server_default=sa.func.now()))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_state'), ['state'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_owner_id_user_account'), 'user_account', ['owner_id'], ['id'])

    # Audits registered before this revision start as registered cases; the defaults only serve
    # those rows, the models set every value themselves.
    with op.batch_alter_table('audit', schema=None) as batch_op:
        for column in ('template', 'state', 'workflow_name', 'workflow_version', 'version', 'updated_at'):
            batch_op.alter_column(column, server_default=None)

    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_measure_reason', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_column('no_measure_reason')

    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_owner_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_state'))
        batch_op.drop_index(batch_op.f('ix_audit_owner_id'))
        batch_op.drop_column('owner_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('workflow_version')
        batch_op.drop_column('workflow_name')
        batch_op.drop_column('state')
        batch_op.drop_column('follow_up_note')
        batch_op.drop_column('sent_on')
        batch_op.drop_column('paragraph')
        batch_op.drop_column('meeting_date')
        batch_op.drop_column('body')
        batch_op.drop_column('summary')
        batch_op.drop_column('template')

    with op.batch_alter_table('document_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_record_diarienummer'))

    op.drop_table('document_record')
