"""Users who sign in through an OpenID Connect provider: their issuer and subject, and the history of the
roles their groups gave them.

Revision ID: 0006_external_sign_in
Revises: 0005_history_chain
Create Date: 2026-11-30 13:40:00
"""
from alembic import op
import sqlalchemy as sa

import kfflow.db

revision = '0006_external_sign_in'
down_revision = '0005_history_chain'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('external_subject', sa.String(length=500), nullable=True))
        batch.create_unique_constraint('uq_user_account_external_subject', ['external_subject'])
    op.create_table(
        'user_role_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('from_role', sa.String(length=40), nullable=True),
        sa.Column('to_role', sa.String(length=40), nullable=False),
        sa.Column('groups', kfflow.db.JSONData, nullable=False),
        sa.Column('at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_role_change_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_role_change')))
    op.create_index(op.f('ix_user_role_change_user_id'), 'user_role_change', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_user_role_change_user_id'), table_name='user_role_change')
    op.drop_table('user_role_change')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint('uq_user_account_external_subject', type_='unique')
        batch.drop_column('external_subject')
