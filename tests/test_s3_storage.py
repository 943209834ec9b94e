"""Stored files in an S3-compatible bucket (KFFLOW_STORAGE_URL=s3://…), against moto's S3 server on loopback.

The row stays in the database (hash, name, who, when); the bytes go to the bucket before the row is flushed,
so a row never lacks its object. Objects left without a row (a rollback, a deleted upload) are swept later.
"""
from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from kfflow.config import Settings
from kfflow.database import Database
from kfflow.db import utcnow
from kfflow.models import StoredFile
from kfflow.services.documents import verify_register
from kfflow.services.tokens import grant_token
from kfflow.storage import (StoredFileCorrupt, delete_stored, read_bytes, store_bytes, sweep_orphans,
                            sweep_stored_files)
from kfflow.storage.s3 import s3_store_from_url

from tests.audit_factories import answered_audit, decide
from tests.conftest import WORKFLOWS_PATH
from tests.jobs_support import run_waiting_jobs


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def storage_url(s3_endpoint) -> str:
    bucket = f"kfflow-{uuid.uuid4().hex[:12]}"
    url = f"s3://test-key:test-secret@{bucket}/dokument?endpoint_url={s3_endpoint}&region=eu-north-1"
    store = s3_store_from_url(url)
    store.client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    return url


@pytest.fixture
def s3_session(db_url, storage_url):
    store = s3_store_from_url(storage_url)
    database = Database.connect(db_url, blob_store=store)
    with database.session() as session:
        yield session, store
    database.dispose()


def _objects(store) -> list[str]:
    listed = store.client.list_objects_v2(Bucket=store.bucket)
    return sorted(item["Key"].rsplit("/", 1)[-1] for item in listed.get("Contents", ()))


def test_bytes_go_to_the_bucket_the_row_to_the_database(s3_session, users):
    session, store = s3_session
    kept = store_bytes(session, b"%PDF-1.7 kept", filename="a.pdf", media_type="application/pdf",
                       purpose=StoredFile.PURPOSE_REPORT)
    session.commit()
    assert kept.backend == "s3" and store.key(kept.sha256).startswith("dokument/sha256/")
    assert session.scalar(select(StoredFile.content).where(StoredFile.id == kept.id)) is None
    assert read_bytes(session, kept.id) == b"%PDF-1.7 kept"

    # A rollback leaves an object without a row, never a row without an object; the sweep removes it.
    orphan = store_bytes(session, b"%PDF-1.7 rolled back", filename="b.pdf", media_type="application/pdf",
                         purpose=StoredFile.PURPOSE_REPORT)
    orphan_sha = orphan.sha256
    session.rollback()
    upload = store_bytes(session, b"a;b\n1;2\n", filename="c.csv", media_type="text/csv",
                         purpose=StoredFile.PURPOSE_IMPORT_UPLOAD)
    session.commit()
    delete_stored(session, upload)
    session.commit()
    assert _objects(store) == sorted([kept.sha256, orphan_sha, upload.sha256])
    assert sweep_orphans(session) == 0, "young objects may belong to a transaction still open"
    assert sweep_stored_files(session, now=utcnow() + timedelta(hours=2)) == (0, 2)
    assert _objects(store) == [kept.sha256]
    assert read_bytes(session, kept.id) == b"%PDF-1.7 kept"

    # Bytes changed in the bucket are caught on reading, as in the database.
    store.client.put_object(Bucket=store.bucket, Key=store.key(kept.sha256), Body=b"changed")
    with pytest.raises(StoredFileCorrupt):
        read_bytes(session, kept.id)


def test_a_node_configured_for_s3_registers_and_serves_documents(tmp_path, db_url, storage_url, session, users):
    from webui import create_app

    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    settings = Settings(instance_path=tmp_path / "node", database_url=db_url, workflows_path=WORKFLOWS_PATH,
                        secret_key="one-key-for-every-node", storage_url=storage_url)
    app = create_app(settings, config={"TESTING": True})
    client = app.test_client()
    registrar = {"Authorization": f"Bearer {grant_token(session, users['registrar']).token}"}
    try:
        accepted = client.post(f"/api/v1/audits/{audit.id}/yttrande", headers=registrar)
        assert accepted.status_code == 202, accepted.get_data(as_text=True)   # registering is a job
        run_waiting_jobs(app)
        job = client.get(f"/api/v1/jobs/{accepted.get_json()['id']}", headers=registrar).get_json()
        assert job["state"] == "done", job
        created = job["outcome"]
        pdf = client.get(f"/api/v1/audits/{audit.id}/yttrande.pdf", headers=registrar)
        assert hashlib.sha256(pdf.data).hexdigest() == created["sha256"]
    finally:
        app.extensions["kfflow_db"].dispose()

    session.rollback()
    assert session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.backend == "s3")) == 1
    assert session.scalar(text("select count(*) from stored_file where content is not null")) == 0
    store = s3_store_from_url(storage_url)
    assert _objects(store) == [created["sha256"]]
    s3_database = Database.connect(db_url, blob_store=store)
    with s3_database.session() as s3_session:
        assert verify_register(s3_session) == (1, [])
    s3_database.dispose()
