"""Sign-in: one failure table for the throttle of web sign-in and API tokens; expiring calendar feeds;
one-time passwords an admin gives.

- `login_failure` and `token_request_failure` become `sign_in_failure` (recent rows are carried over,
  so an upgrade does not reset a throttle under way; API failures had no address and get 'unknown').
- `calendar_token.expires_at`: existing feeds expire 365 days after they were made.
- `user_account.must_change_password`: false for everyone.

Revision ID: 0003_sign_in
Revises: 0002_stored_files
Create Date: 2026-11-30 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import kfflow.db

revision = '0003_sign_in'
down_revision = '0002_stored_files'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.create_index('ix_sign_in_failure_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_sign_in_failure_username_at', ['username', 'at'], unique=False)
        batch_op.create_index('ix_sign_in_failure_at', ['at'], unique=False)
    op.execute("INSERT INTO sign_in_failure (username, address, channel, at) "
               "SELECT username, address, 'web', at FROM login_failure")
    op.execute("INSERT INTO sign_in_failure (username, address, channel, at) "
               "SELECT username, 'unknown', 'api', at FROM token_request_failure")
    _drop_old_failure_tables()

    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', kfflow.db.UTCDateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE calendar_token SET expires_at = created_at + interval '365 days'")
    else:
        op.execute("UPDATE calendar_token SET expires_at = datetime(created_at, '+365 days')")
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=kfflow.db.UTCDateTime(timezone=True), nullable=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def _drop_old_failure_tables() -> None:
    with op.batch_alter_table('token_request_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_token_request_failure_username_at')
    op.drop_table('token_request_failure')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_username_at')
        batch_op.drop_index('ix_login_failure_address_at')
    op.drop_table('login_failure')


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('calendar_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_login_failure_username_at', ['username', 'at'], unique=False)
    op.create_table('token_request_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_token_request_failure'))
    )
    with op.batch_alter_table('token_request_failure', schema=None) as batch_op:
        batch_op.create_index('ix_token_request_failure_username_at', ['username', 'at'], unique=False)
    op.execute("INSERT INTO login_failure (username, address, at) "
               "SELECT username, address, at FROM sign_in_failure WHERE channel = 'web'")
    op.execute("INSERT INTO token_request_failure (username, at) "
               "SELECT username, at FROM sign_in_failure WHERE channel <> 'web'")
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failure_at')
        batch_op.drop_index('ix_sign_in_failure_username_at')
        batch_op.drop_index('ix_sign_in_failure_address_at')
    op.drop_table('sign_in_failure')
