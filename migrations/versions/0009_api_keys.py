"""Named personal and service account API tokens (with when they were last used), service accounts, and the
account events break-glass sign-ins and tokens given by admins are recorded in.

Revision ID: 0009_api_keys
Revises: 0008_indicators
Create Date: 2026-11-30 14:40:00
"""
from alembic import op
import sqlalchemy as sa

import kfflow.db

revision = '0009_api_keys'
down_revision = '0008_indicators'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_token') as batch:
        batch.add_column(sa.Column('name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('last_used_at', kfflow.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('service_account', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'account_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('detail', sa.String(length=200), nullable=True),
        sa.Column('at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_account_event_user_id_user_account')),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ondelete='SET NULL',
                                name=op.f('fk_account_event_actor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_event')))
    op.create_index(op.f('ix_account_event_user_id'), 'account_event', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_account_event_user_id'), table_name='account_event')
    op.drop_table('account_event')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('service_account')
    with op.batch_alter_table('api_token') as batch:
        batch.drop_column('last_used_at')
        batch.drop_column('name')
