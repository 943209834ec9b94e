"""Stored files: registered documents (and uploads, reports) keep their bytes in the database.

Upgrade moves every registered document from `<instance>/documents/<file_path>` into `stored_file`, checking
each file against the SHA-256 in the register; a missing or altered file stops the upgrade with nothing
changed (restore the file from the backup, or point KFFLOW_INSTANCE at the folder that holds it). The files
are left on disk for the operator to remove once a backup of the upgraded database exists.
Downgrade writes the bytes back under the documents folder.

Import previews under `<instance>/uploads/` are not moved: they live a day at most, and a user whose preview
was pending during the upgrade uploads the file again.

Revision ID: 0002_stored_files
Revises: 0001_initial
Create Date: 2026-11-30 11:44:35.382101
"""
import hashlib
import logging
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

import kfflow.db

revision = '0002_stored_files'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

_record = sa.table("document_record", sa.column("id", sa.Integer), sa.column("file_path", sa.String),
                   sa.column("sha256", sa.String), sa.column("size", sa.Integer),
                   sa.column("media_type", sa.String), sa.column("generated_by_id", sa.Integer),
                   sa.column("created_at", kfflow.db.UTCDateTime), sa.column("stored_file_id", sa.Integer))
_stored = sa.table("stored_file", sa.column("id", sa.Integer), sa.column("purpose", sa.String),
                   sa.column("filename", sa.String), sa.column("media_type", sa.String),
                   sa.column("size", sa.BigInteger), sa.column("sha256", sa.String), sa.column("backend", sa.String),
                   sa.column("content", sa.LargeBinary), sa.column("created_by_id", sa.Integer),
                   sa.column("created_at", kfflow.db.UTCDateTime))


def _documents_dir() -> Path:
    """The folder the registered documents were written to: the caller's instance folder, else the configured one."""
    instance = context.config.attributes.get("instance_path")
    if instance is None:
        from kfflow.config import Settings

        instance = Settings.from_env().instance_path
    return Path(instance) / "documents"


def upgrade() -> None:
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kfflow.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kfflow.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_stored_file_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file'))
    )
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_file_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_file_sha256'), ['sha256'], unique=False)

    with op.batch_alter_table('document_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_file_id', sa.Integer(), nullable=True))
    _move_documents_into_the_database()

    with op.batch_alter_table('document_record', schema=None) as batch_op:
        batch_op.alter_column('stored_file_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_document_record_file_path'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_document_record_stored_file_id'), ['stored_file_id'])
        batch_op.create_foreign_key(batch_op.f('fk_document_record_stored_file_id_stored_file'), 'stored_file', ['stored_file_id'], ['id'], ondelete='RESTRICT')
        batch_op.drop_column('file_path')


def _move_documents_into_the_database() -> None:
    conn = op.get_bind()
    records = conn.execute(sa.select(_record).order_by(_record.c.id)).all()
    if not records:
        return
    folder = _documents_dir()
    problems = []
    for record in records:
        path = folder / record.file_path
        try:
            content = path.read_bytes()
        except OSError as exc:
            problems.append(f"document_record {record.id}: {path} cannot be read ({exc.strerror})")
            continue
        if hashlib.sha256(content).hexdigest() != record.sha256:
            problems.append(f"document_record {record.id}: {path} does not match its SHA-256 in the register")
            continue
        stored_id = conn.execute(sa.insert(_stored).values(
            purpose="document", filename=Path(record.file_path).name[:255], media_type=record.media_type,
            size=len(content), sha256=record.sha256, backend="database", content=content,
            created_by_id=record.generated_by_id, created_at=record.created_at).returning(_stored.c.id)).scalar_one()
        conn.execute(sa.update(_record).where(_record.c.id == record.id).values(stored_file_id=stored_id))
    if problems:
        raise RuntimeError("registered documents cannot be moved into the database; nothing was changed:\n  "
                           + "\n  ".join(problems))
    log.info("moved %d registered documents from %s into stored_file; the files may be removed after a backup",
             len(records), folder)


def downgrade() -> None:
    with op.batch_alter_table('document_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_path', sa.VARCHAR(length=500), nullable=True))
    _write_documents_back_to_disk()

    with op.batch_alter_table('document_record', schema=None) as batch_op:
        batch_op.alter_column('file_path', existing_type=sa.VARCHAR(length=500), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_document_record_stored_file_id_stored_file'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_document_record_stored_file_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_document_record_file_path'), ['file_path'])
        batch_op.drop_column('stored_file_id')

    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_file_sha256'))
        batch_op.drop_index(batch_op.f('ix_stored_file_expires_at'))

    op.drop_table('stored_file')


def _write_documents_back_to_disk() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_record.c.id, _stored.c.filename, _stored.c.content)
                        .join(_stored, _stored.c.id == _record.c.stored_file_id).order_by(_record.c.id)).all()
    folder = _documents_dir()
    for record_id, filename, content in rows:
        relative = f"restored/{record_id:06d}-{filename}"  # the id keeps names distinct
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (path.exists() and path.read_bytes() == content):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
        conn.execute(sa.update(_record).where(_record.c.id == record_id).values(file_path=relative))
