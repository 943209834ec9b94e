"""`kfflow render …`: the same services as the web, run from the shell against the configured database."""
import hashlib

from kfflow.models import DocumentRecord
from kfflow.services.documents import read_registered

from tests.audit_factories import answered_audit, decide
from tests.pdf_checks import embedded_json, pdfa_part, text


def test_render_yttrande_draft_then_registered(session, users, invoke, settings, tmp_path):
    audit, _ = answered_audit(session, users)
    out = tmp_path / "utkast.pdf"
    result = invoke("render", "yttrande", str(audit.id), "-o", str(out), "--as", "owner")
    assert result.exit_code == 0, result.output
    assert "UTKAST" in text(out.read_bytes()) and pdfa_part(out.read_bytes()) == ("3", "A")

    result = invoke("render", "yttrande", str(audit.id), "-o", str(tmp_path / "x.pdf"), "--as", "registrar",
                    "--register")
    assert result.exit_code == 1 and "först när beslutet" in result.output
    assert not (tmp_path / "x.pdf").exists()

    decide(session, users, audit)
    final = tmp_path / "yttrande.pdf"
    result = invoke("render", "yttrande", str(audit.id), "-o", str(final), "--as", "registrar", "--register")
    assert result.exit_code == 0, result.output
    record = session.query(DocumentRecord).one()
    assert hashlib.sha256(final.read_bytes()).hexdigest() == record.sha256
    assert f"SHA-256 {record.sha256}" in result.output
    assert read_registered(session, record) == final.read_bytes()
    assert not (settings.instance_path / "documents").exists(), "nothing on the node's own disk"
    verified = invoke("documents", "verify")
    assert verified.exit_code == 0 and "Alla 1 registrerade handlingar stämmer" in verified.output

    again = tmp_path / "igen.pdf"
    assert invoke("render", "yttrande", str(audit.id), "-o", str(again), "--as", "contributor").exit_code == 0
    assert again.read_bytes() == final.read_bytes()  # the latest registered version, not a new rendering

    docx_file = tmp_path / "yttrande.docx"
    assert invoke("render", "yttrande", str(audit.id), "-o", str(docx_file), "--as", "registrar",
                  "--docx").exit_code == 0
    assert docx_file.read_bytes()[:2] == b"PK"


def test_documents_verify_names_a_document_whose_bytes_were_changed(session, users, invoke):
    from sqlalchemy import text as sql

    from kfflow.services.documents import register_yttrande

    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    record = register_yttrande(session, users["registrar"], audit.id)
    session.execute(sql("update stored_file set content = :c where id = :i"),
                    {"c": b"%PDF-1.7 changed", "i": record.stored_file_id})
    session.commit()
    result = invoke("documents", "verify")
    assert result.exit_code == 1
    assert "RS/351/2022 handling 1 version 1: Den lagrade filen" in result.output
    assert "1 av 1 registrerade handlingar stämmer inte med registret." in result.output


def test_render_refuses_unknown_users_and_roles(session, users, invoke, tmp_path):
    audit, _ = answered_audit(session, users)
    decide(session, users, audit)
    result = invoke("render", "yttrande", str(audit.id), "-o", str(tmp_path / "a.pdf"), "--as", "nobody")
    assert result.exit_code == 2 and "ingen aktiv användare" in result.output
    result = invoke("render", "yttrande", str(audit.id), "-o", str(tmp_path / "a.pdf"), "--as", "steering",
                    "--register")
    assert result.exit_code == 1 and "Din roll får inte ”Skapa yttrande” här." in result.output
    result = invoke("render", "yttrande", "999999", "-o", str(tmp_path / "a.pdf"), "--as", "steering")
    assert result.exit_code == 1 and "Granskningen finns inte" in result.output
    assert not (tmp_path / "a.pdf").exists()
    assert session.query(DocumentRecord).count() == 0


def test_render_reports(session, users, invoke, tmp_path):
    answered_audit(session, users)
    out = tmp_path / "del.pdf"
    result = invoke("render", "delrapport", "--from", "2026-02-01", "--to", "2026-03-02", "--dnr", "RS/351/2022",
                    "-o", str(out), "--as", "steering")
    assert result.exit_code == 0, result.output
    assert embedded_json(out.read_bytes())["period"] == {"from": "2026-02-01", "to": "2026-03-02"}
    assert "Dnr: RS/351/2022" in text(out.read_bytes())

    result = invoke("render", "delrapport", "--from", "2026-03-02", "--to", "2026-02-01", "-o",
                    str(tmp_path / "fel.pdf"), "--as", "steering")
    assert result.exit_code == 2 and "Till-datumet" in result.output

    out = tmp_path / "slut.pdf"
    assert invoke("render", "slutredovisning", "-o", str(out), "--as", "owner").exit_code == 0
    assert "Slutredovisning" in text(out.read_bytes())


def test_documents_sweep_deletes_expired_previews_and_keeps_the_rest(session, users, invoke):
    import io
    from datetime import timedelta

    from sqlalchemy import func, select

    from kfflow.db import utcnow
    from kfflow.models import StoredFile
    from kfflow.services.importing import stage_upload

    stage_upload(session, users["steering"], io.BytesIO(b"a;b\n3;4\n"), "ny.csv")
    stage_upload(session, users["registrar"], io.BytesIO(b"a;b\n1;2\n"), "gammal.csv", now=utcnow() - timedelta(days=2))
    result = invoke("documents", "sweep")
    assert result.exit_code == 0 and "Borttaget: 1 tillfälliga filer, 0 objekt utan rad." in result.output
    session.rollback()
    assert session.scalars(select(StoredFile.filename)).all() == ["ny.csv"]
