"""API bearer tokens (hashes only) and failed token requests for the throttle

Revision ID: api_tokens
Revises: 0001_initial
Create Date: 2026-11-25 13:29:47.802703
"""
from alembic import op
import sqlalchemy as sa
import kfflow.db


revision = 'api_tokens'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('token_request_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token_request_failure'))
    )
    with op.batch_alter_table('token_request_failure', schema=None) as batch_op:
        batch_op.create_index('ix_token_request_failure_username_at', ['username', 'at'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', kfflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('token_request_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_token_request_failure_username_at')

    op.drop_table('token_request_failure')
