"""Jobs: the `job` table users poll, and on PostgreSQL the queue procrastinate runs them from.

procrastinate's schema is its own (tables, types and functions named procrastinate_*); it is created here
from the installed procrastinate's schema.sql so that `kfflow db upgrade` is the one step that prepares a
database. pyproject pins procrastinate to one minor version: moving to another comes with a migration that
runs procrastinate's own migration files in between. SQLite has no procrastinate schema (its jobs run in
the web process from memory).

Revision ID: 0004_jobs
Revises: 0003_sign_in
Create Date: 2026-11-30 11:44:06.542040
"""
from alembic import op
import sqlalchemy as sa
import kfflow.db
from sqlalchemy.dialects import postgresql

revision = '0004_jobs'
down_revision = '0003_sign_in'
branch_labels = None
depends_on = None


# Everything procrastinate's schema.sql creates: tables (their triggers and indexes go with them), then
# every routine and type named procrastinate_*.
DROP_PROCRASTINATE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE 'DROP ROUTINE ' || r.sig || ' CASCADE';
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%' AND t.typtype IN ('e', 'c')
    LOOP
        EXECUTE 'DROP TYPE ' || quote_ident(r.typname) || ' CASCADE';
    END LOOP;
END $$;
"""


def _run_script(sql: str) -> None:
    """A whole SQL script as it is: the driver would read its `%` signs as placeholders."""
    op.get_bind().exec_driver_sql(sql.replace("%", "%%"))


def upgrade() -> None:
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('params_key', sa.String(length=500), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('result_file_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', kfflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', kfflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_job_requested_by_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_file_id'], ['stored_file.id'], name=op.f('fk_job_result_file_id_stored_file'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index('ix_job_cache', ['kind', 'params_key', 'fingerprint'], unique=False)
        batch_op.create_index('ix_job_requested_by_state', ['requested_by_id', 'state'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run_script(DROP_PROCRASTINATE)
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_requested_by_state')
        batch_op.drop_index('ix_job_cache')

    op.drop_table('job')
