"""Registration cannot wedge: killed at any step, or refused by a full or read-only database, it leaves the
register and the stored bytes in agreement and the next attempt succeeds."""
from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import event, func, select

from kfflow.errors import StorageUnavailable
from kfflow.models import DocumentRecord, Job, StoredFile
from kfflow.services.documents import register_yttrande, verify_register
from kfflow.services.tokens import grant_token

from tests.audit_factories import answered_audit, decide
from tests.conftest import IN_CI, NOW, ROLES
from tests.jobs_support import hold_jobs, run_waiting_jobs
from tests.web_support import sign_in

# Bigger than the free space a page limit leaves: a full database cannot take it.
PLAN = ("Åtgärd;Kategori;Beskrivning\n" + "".join(f"Åtgärd {i};Behålla;{'Mentorskap för nya. ' * 8}\n"
                                                  for i in range(300))).encode()
STEPS = ("register:rendered", "register:stored", "register:recorded", "register:committed")


@pytest.fixture
def decided_audit(session, users):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    return audit


def register_and_agree(session) -> list[DocumentRecord]:
    """Every register row's stored bytes hash to its SHA-256, and no stored document lacks its row."""
    session.rollback()
    records = list(session.scalars(select(DocumentRecord).order_by(DocumentRecord.version)))
    assert verify_register(session) == (len(records), [])
    documents = session.scalar(select(func.count()).select_from(StoredFile)
                               .where(StoredFile.purpose == StoredFile.PURPOSE_DOCUMENT))
    assert documents == len(records), "bytes without a register row, or a row without bytes"
    assert [r.version for r in records] == list(range(1, len(records) + 1))
    return records


# The real `kfflow` command, told at which step to die.
KFFLOW_CRASHING_AT = ("import sys, kfflow.faults; kfflow.faults.crash_at = sys.argv[1]; "
                      "from kfflow.cli import main; main(sys.argv[2:], prog_name='kfflow')")


def test_killed_at_each_step_the_next_registration_succeeds(session, users, decided_audit, settings, tmp_path):
    env = {**os.environ, "KFFLOW_DATABASE_URL": settings.database_url,
           "KFFLOW_INSTANCE": str(settings.instance_path)}
    expected = 0
    for step in STEPS:
        out = tmp_path / f"{step.replace(':', '-')}.pdf"
        killed = subprocess.run([sys.executable, "-c", KFFLOW_CRASHING_AT, step, "render", "yttrande",
                                 str(decided_audit.id), "--register", "-o", str(out), "--as", "registrar"],
                                env=env, capture_output=True, timeout=120)
        assert killed.returncode == -signal.SIGKILL, (step, killed.stderr.decode()[-2000:])
        if step == "register:committed":
            expected += 1  # it committed before it died: the register holds it
        assert len(register_and_agree(session)) == expected, step
        register_yttrande(session, users["registrar"], decided_audit.id, now=NOW)
        expected += 1
        assert len(register_and_agree(session)) == expected, step
    assert not (settings.instance_path / "documents").exists()


# --- a database that refuses writes: full (SQLite's page limit), read-only (SQLite, a PostgreSQL standby) --

def _refuse_writes(database, how: str) -> dict:
    """Switch the database's connections to refusing writes the way a full or read-only store does."""
    state = {"on": False}

    @event.listens_for(database.engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        if how == "sqlite-full":
            if state["on"]:
                pages = cursor.execute("PRAGMA page_count").fetchone()[0]
                cursor.execute(f"PRAGMA max_page_count = {pages}")  # not one page more: the disk is full
            else:
                cursor.execute("PRAGMA max_page_count = 1073741823")
        elif how == "sqlite-read-only":
            cursor.execute(f"PRAGMA query_only = {1 if state['on'] else 0}")
        else:  # what a hot standby (after a fail-over) or a database set read-only answers
            cursor.execute(f"SET SESSION default_transaction_read_only = {'on' if state['on'] else 'off'}")
            dbapi_connection.commit()
        cursor.close()
    return state


def _refusals(db_url: str) -> tuple[str, ...]:
    return ("sqlite-full", "sqlite-read-only") if db_url.startswith("sqlite") else ("postgresql-read-only",)


def test_a_full_or_read_only_database_answers_503_in_swedish_and_the_next_attempt_succeeds(
        make_web_app, database, session, users, decided_audit, db_url):
    app = make_web_app()
    hold_jobs(app)  # registration jobs run when the test says
    client = app.test_client()
    token = grant_token(session, users["registrar"]).token
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/audits/{decided_audit.id}/yttrande"
    browser = sign_in(app, session, users["registrar"])
    for how in _refusals(db_url):
        state = _refuse_writes(database, how)
        state["on"] = True
        with pytest.raises(StorageUnavailable):
            register_yttrande(session, users["registrar"], decided_audit.id, now=NOW)
        response = client.post(url, headers=headers)
        if how == "sqlite-full":
            # The job's small row still fits in the pages the database has; the registration does not, and
            # the job ends failed with the same Swedish message, nothing written.
            assert response.status_code == 202, response.get_data(as_text=True)
            run_waiting_jobs(app)
            job = _jobs(session)[-1]
            assert job.state == "failed" and "Det går inte att spara just nu" in job.error
        else:
            assert response.status_code == 503, (how, response.get_data(as_text=True))
            error = response.get_json()["error"]
            assert error["code"] == "storage_unavailable" and "Inget har sparats" in error["message"]
            page = browser.post(f"/granskningar/{decided_audit.id}/yttrande")
            assert page.status_code == 503 and "Det går inte att spara just nu" in page.get_data(as_text=True)
            assert [j.state for j in _jobs(session)] in ([], ["failed"])  # no job was queued
        upload = browser.post("/atgarder/importera", content_type="multipart/form-data",
                              data={"fil": (io.BytesIO(PLAN), "plan.csv")})
        assert upload.status_code == 503 and "Inget har sparats" in upload.get_data(as_text=True)
        state["on"] = False
        assert register_and_agree(session) == []  # nothing half-written
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
    response = client.post(url, headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    run_waiting_jobs(app)
    assert len(register_and_agree(session)) == 1 and _jobs(session)[-1].state == "done"


def _jobs(session) -> list[Job]:
    session.rollback()
    return list(session.scalars(select(Job).order_by(Job.id).execution_options(populate_existing=True)))


# --- a real full and read-only disk: the embedded SQLite database on a small tmpfs --------------------
# (PostgreSQL keeps its files in its own data folder; its refusals are the standby case above.)

@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs, mounted for this test (needs root, as on the development machines and CI)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs: {mounted.stderr.strip()}"
        if IN_CI:
            pytest.fail(reason + " (CI=true: the full-disk test must run)")
        pytest.skip(reason)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def _fill(folder) -> None:
    # Unbuffered: a buffered file keeps the bytes the full disk refused and fails again when it is closed.
    with open(folder / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_a_full_then_read_only_disk_refuses_registration_and_leaves_nothing(small_disk, password_hash):
    from kfflow.database import Database
    from kfflow.models import Base
    from kfflow.services.users import create_user

    url = f"sqlite:///{small_disk / 'kfflow.sqlite'}"
    database = Database.connect(url)
    Base.metadata.create_all(database.engine)
    with database.session() as session:
        users = {role: create_user(session, None, username=role, role=role, password_hash=password_hash,
                                   email=f"{role}@example.org") for role in ROLES}
        audit, _ = answered_audit(session, users)
        decide(session, users, audit)

        _fill(small_disk)
        with pytest.raises(StorageUnavailable):
            register_yttrande(session, users["registrar"], audit.id, now=NOW)
        assert register_and_agree(session) == []
        (small_disk / "filler").unlink()
        assert len(register_and_agree(session)) == 0
        register_yttrande(session, users["registrar"], audit.id, now=NOW)
        assert len(register_and_agree(session)) == 1

        session.close()
        database.engine.dispose()  # no file held open: SQLite opens them anew on the read-only disk
        subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
        try:
            with pytest.raises(StorageUnavailable):
                register_yttrande(session, users["registrar"], audit.id, now=NOW)
        finally:
            session.close()
            database.engine.dispose()
            subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
        register_yttrande(session, users["registrar"], audit.id, now=NOW)
        assert len(register_and_agree(session)) == 2
    database.dispose()
