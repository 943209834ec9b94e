"""Users who sign in through an OpenID Connect provider: their issuer and subject.

Revision ID: 0006_external_sign_in
Revises: 0005_history_chain
Create Date: 2026-11-30 13:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_external_sign_in'
down_revision = '0005_history_chain'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('external_subject', sa.String(length=500), nullable=True))
        batch.create_unique_constraint('uq_user_account_external_subject', ['external_subject'])


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.drop_constraint('uq_user_account_external_subject', type_='unique')
        batch.drop_column('external_subject')
