"""The restore drill of docs/operations.md, run as written there: back up a database holding registered documents
and pending uploads with `pg_dump -Fc`, drop it, restore it into a fresh database with `pg_restore`, and find every
table row for row, every registered document matching the SHA-256 of its register row, and the restored database
serving. PostgreSQL only: the backup is PostgreSQL's."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import uuid
from datetime import timedelta

from sqlalchemy import select, text

from kfflow.config import PROJECT_ROOT, Settings
from kfflow.database import Database
from kfflow.migrate import upgrade
from kfflow.models import Base, DocumentRecord, StoredFile
from kfflow.services.comments import add_comment
from kfflow.services.documents import register_yttrande
from kfflow.services.measures import add_progress_report
from kfflow.services.tokens import grant_token
from kfflow.services.users import create_user
from kfflow.storage import store_bytes

from tests.audit_factories import answered_audit, decide
from tests.conftest import NOW, PG_ADMIN_URL, ROLES, WORKFLOWS_PATH
from tests.deploy_support import BIN, clean_env, fresh_pg_database, pg_url

OPERATIONS_DOC = PROJECT_ROOT / "docs" / "operations.md"


def drill_block(name: str) -> str:
    """The shell block of docs/operations.md that starts with `# <name>`."""
    found = re.search(rf"```sh\n# {name}\n(.*?)```", OPERATIONS_DOC.read_text(encoding="utf-8"), re.S)
    assert found, f"docs/operations.md has no `# {name}` block"
    return found.group(1)


def run_block(name: str, **variables: str) -> str:
    env = clean_env(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", **variables)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", drill_block(name)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table kfflow's models declare, in primary-key order."""
    db = Database.connect(url)
    try:
        with db.engine.connect() as conn:
            return {table.name: [tuple(row) for row in conn.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for table in Base.metadata.sorted_tables}
    finally:
        db.dispose()


def _seed(url: str, password_hash: str) -> dict:
    db = Database.connect(url)
    try:
        with db.session() as session:
            users = {role: create_user(session, None, username=role, role=role, email=f"{role}@example.org",
                                       password_hash=password_hash) for role in ROLES}
            audit, measures = answered_audit(session, users)
            decide(session, users, audit)
            record = register_yttrande(session, users["registrar"], audit.id, now=NOW)
            add_progress_report(session, users["owner"], measures[0].id, done="Portalen upphandlad.",
                                ongoing="Införande.", planned="Utvärdering.", now=NOW)
            add_comment(session, users["steering"], measures[0], "Bra, fortsätt.", now=NOW)
            # An import preview waiting for its confirmation: bytes with no register row.
            store_bytes(session, b"PK\x03\x04 preview", filename="plan.xlsx", purpose="upload",
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        created_by=users["registrar"], expires_at=NOW + timedelta(days=1))
            session.commit()
            return {"audit_id": audit.id, "records": [record.sha256],
                    "token": grant_token(session, users["owner"]).token}
    finally:
        db.dispose()


def test_backup_drop_restore_keeps_every_row_and_every_document(tmp_path, pg_database_url, password_hash):
    backup = tmp_path / "kfflow.dump"
    restore_db = f"kfflow_restored_{uuid.uuid4().hex[:8]}"
    with fresh_pg_database("kfflow_live") as live_url:
        upgrade(live_url)
        seeded = _seed(live_url, password_hash)
        before = snapshot(live_url)
        assert len(before["document_record"]) == 1 and len(before["stored_file"]) == 2
        run_block("backup", KFFLOW_DATABASE_URL=live_url, BACKUP=str(backup))
    # The live database is gone (dropped with its connections); only the dump is left.

    with fresh_pg_database(restore_db, create=False) as restore_url:
        out = run_block("restore", PG_ADMIN_URL=PG_ADMIN_URL, RESTORE_DB=restore_db, RESTORE_URL=restore_url,
                        BACKUP=str(backup), KFFLOW_INSTANCE=str(tmp_path / "instance"))
        assert "Alla 1 registrerade handlingar stämmer med registret." in out

        after = snapshot(restore_url)
        assert after == before, [name for name in before if after[name] != before[name]]

        # Checked here too, not only by `kfflow documents verify`: the bytes hash to what the register says.
        db = Database.connect(restore_url)
        with db.session() as session:
            rows = session.execute(select(DocumentRecord.sha256, StoredFile.content)
                                   .join(StoredFile, StoredFile.id == DocumentRecord.stored_file_id)).all()
            assert sorted(sha for sha, _ in rows) == sorted(seeded["records"])
            assert all(hashlib.sha256(content).hexdigest() == sha for sha, content in rows)
            history = session.execute(text(
                "select trigger from history_entry where case_kind = 'audit' and case_id = :id order by id"),
                {"id": seeded["audit_id"]}).scalars().all()
            assert history[-1] == "register_document" and "decide" in history
        db.dispose()

        # The restored database serves: the token from before the backup works, the document downloads.
        from webui import create_app
        app = create_app(Settings(instance_path=tmp_path / "node", database_url=restore_url,
                                  workflows_path=WORKFLOWS_PATH, secret_key="restore-drill-key"),
                         config={"TESTING": True})
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        pdf = client.get(f"/api/v1/audits/{seeded['audit_id']}/yttrande.pdf",
                         headers={"Authorization": f"Bearer {seeded['token']}"})
        assert pdf.status_code == 200 and hashlib.sha256(pdf.data).hexdigest() == seeded["records"][0]
        app.extensions["kfflow_db"].dispose()
    assert restore_url == pg_url(restore_db)
