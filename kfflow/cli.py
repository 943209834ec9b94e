"""The `kfflow` command."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

import click

from kfflow import __version__
from kfflow.config import Settings, SettingsError
from kfflow.errors import KfflowError, ValidationError, WorkflowDefinitionError


class Context:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or _load_settings()
        self._db = None

    @property
    def db(self):
        if self._db is None:
            from kfflow.database import Database
            from kfflow.workflow import configure

            configure(self.settings.workflows_path)  # the loader validates at start-up
            self._db = Database.from_settings(self.settings)
            # Closed when the command ends, however it ends (a refusal exits through sys.exit).
            click.get_current_context().find_root().call_on_close(self._db.dispose)
        return self._db


def _load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        fail(str(exc), 2)


pass_ctx = click.make_pass_decorator(Context, ensure=True)


def fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


class _Commands(click.Group):
    """kfflow's own commands plus those another package registers under the entry-point group
    `kfflow.commands`: `serve` lives in webui, so that importing kfflow pulls in no Flask."""

    @staticmethod
    def _plugins() -> dict:
        from importlib.metadata import entry_points

        return {ep.name: ep for ep in entry_points(group="kfflow.commands")}

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None and (entry := self._plugins().get(name)) is not None:
            command = entry.load()
        return command


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="kfflow")
@click.pass_context
def main(click_ctx: click.Context):
    """kfflow — åtgärder och revisionens rekommendationer genom sina livscykler."""
    from kfflow.logs import configure_logging

    if not isinstance(click_ctx.obj, Context):  # a caller (a test) may pass its own
        click_ctx.obj = Context()
    configure_logging(click_ctx.obj.settings)
    for name in Settings.unknown_variables():
        logging.getLogger("kfflow.config").warning("%s is set but is no kfflow setting (misspelt?); ignored", name)


# --- database -----------------------------------------------------------------------------------

@main.group()
def db():
    """Databasen."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context):
    """Uppgradera databasen till senaste schemat."""
    from kfflow.migrate import upgrade

    if ctx.settings.database_url.startswith("sqlite"):
        ctx.settings.ensure_instance()
    upgrade(ctx.settings.database_url, instance_path=ctx.settings.instance_path)
    click.echo("Databasen är uppgraderad.")


@main.command()
@pass_ctx
def demo(ctx: Context):
    """Läs in demodata (en gång; att köra igen ändrar inget)."""
    from kfflow.services.demo import demo_summary, load_demo

    if ctx.settings.production:
        fail("KFFLOW_ENV=production: demodata läses inte in i en produktionsdatabas.", 2)

    with ctx.db.session() as session:
        loaded = load_demo(session)
        click.echo("Demodata inläst." if loaded else "Demodata finns redan; inget ändrat.")
        click.echo("Demoanvändare (användarnamn, roll, lösenord):")
        for username, role, password in demo_summary(session):
            click.echo(f"  {username:<8} {role:<12} {password}")


# --- users --------------------------------------------------------------------------------------

@main.group()
def users():
    """Användare."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="contributor, owner, council, steering, registrar eller admin")
@click.option("--email")
@click.option("--display-name")
@click.option("--body", help="Organ som användaren hör till")
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard input")
@click.option("--service-account", is_flag=True,
              help="Ett tjänstekonto för en integration: inget lösenord, bara API-nycklar från en administratör")
@pass_ctx
def users_add(ctx: Context, username, role, email, display_name, body, password_stdin, service_account):
    """Lägg till en användare."""
    from kfflow.services.users import create_user

    if password_stdin and service_account:
        fail("Ett tjänstekonto har inget lösenord.", 2)
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    with ctx.db.session() as session:
        try:
            user = create_user(session, None, username=username, role=role, email=email,
                               display_name=display_name, password=password, body=body,
                               service_account=service_account)
        except ValidationError as exc:
            fail("\n".join(exc.fields.values()) or exc.message, 2)
        click.echo(f"Tjänstekontot {user.username} ({user.role}) är skapat." if service_account
                   else f"Användaren {user.username} ({user.role}) är skapad.")


@users.command("history")
@click.argument("username")
@pass_ctx
def users_history(ctx: Context, username):
    """Visa kontots händelser: nödinloggningar med lösenord och API-nycklar som skapats och återkallats."""
    from kfflow.services.api_keys import account_events

    with ctx.db.session() as session:
        try:
            events = account_events(session, username)
        except KfflowError as exc:
            fail(exc.message, 2)
        for event in events:
            by = f" (av {event.by})" if event.by else ""
            click.echo(f"{event.at.isoformat(timespec='seconds')}  {event.label:<32} {event.detail}{by}")


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Läs engångslösenordet från standard input (annars slumpas det)")
@pass_ctx
def users_password(ctx: Context, username, password_stdin):
    """Ge en användare ett engångslösenord (t.ex. den enda administratören som glömt sitt).

    Användaren väljer ett eget vid nästa inloggning; alla inloggningar, API-nycklar och kalenderlänkar slutar gälla."""
    from sqlalchemy import select

    from kfflow.models import User
    from kfflow.services.credentials import reset_password

    given = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with ctx.db.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == username.strip().lower()))
        if user_id is None:
            fail(f"Det finns ingen användare {username}.", 2)
        try:
            password = reset_password(session, None, user_id, given)
        except ValidationError as exc:
            fail("\n".join(exc.fields.values()) or exc.message, 2)
        except KfflowError as exc:   # a service account has no password
            fail(exc.message, 2)
        click.echo(f"Engångslösenord för {username}: {password}" if given is None
                   else f"{username} har fått engångslösenordet.")


# --- workflows ----------------------------------------------------------------------------------

@main.group()
def workflows():
    """Livscykler (YAML)."""


@workflows.command("check")
@click.option("--path", type=click.Path(file_okay=False, path_type=str), help="Mapp med livscykelfiler")
@pass_ctx
def workflows_check(ctx: Context, path):
    """Kontrollera livscykelfilerna strikt."""
    from kfflow.workflow import load_workflows

    folder = path or str(ctx.settings.workflows_path)
    try:
        loaded = load_workflows(folder)
    except WorkflowDefinitionError as exc:
        fail(f"Fel i livscykelfilerna i {folder}:\n{exc.message}", 1)
    for name in loaded.names():
        wf = loaded.current(name)
        click.echo(f"{wf.source_file.name}: {name} version {wf.version}, "
                   f"{len(wf.states)} lägen, {len(wf.transitions)} övergångar, {len(wf.actions)} andra behörigheter — OK")
    if loaded.scoring is not None:
        click.echo(f"{loaded.scoring.source_file.name}: {len(loaded.scoring.criteria)} kriterier, "
                   f"högst {loaded.scoring.maximum} poäng — OK")
    from kfflow.importing.mapping import MAPPING_FILE, load_import_mapping

    try:
        columns = load_import_mapping(Path(folder), loaded.vocabularies)
    except WorkflowDefinitionError as exc:
        fail(f"Fel i importmappningen i {folder}:\n{exc.message}", 1)
    click.echo(f"{MAPPING_FILE}: {len(columns)} kolumner — OK")
    # reminders (issue 6): the reminder rules live beside the lifecycles and are checked with them
    from kfflow.reminders.rules import load_reminder_rules

    try:
        reminder_rules = load_reminder_rules(folder, loaded)
    except WorkflowDefinitionError as exc:
        fail(f"Fel i påminnelsereglerna i {folder}:\n{exc.message}", 1)
    if reminder_rules.source_file is not None:
        click.echo(f"{reminder_rules.source_file.name}: {len(reminder_rules.rules)} påminnelseregler — OK")
    from kfflow.retention import RETENTION_FILE, load_retention_rules

    try:
        retention = load_retention_rules(folder, loaded)
    except WorkflowDefinitionError as exc:
        fail(f"Fel i gallringsreglerna i {folder}:\n{exc.message}", 1)
    if retention is not None:
        click.echo(f"{RETENTION_FILE}: {len(retention.rules)} gallringsregler — OK")
    from kfflow.services.lagesbild_rules import LAGESBILD_FILE, load_lagesbild_rules

    try:
        load_lagesbild_rules(folder, loaded)
    except WorkflowDefinitionError as exc:
        fail(f"Fel i lägesbildens statusregel i {folder}:\n{exc.message}", 1)
    click.echo(f"{LAGESBILD_FILE}: statusregel — OK")
    from kfflow.services.recurring import FOLLOW_UP_FILE, load_follow_up_rules

    try:
        load_follow_up_rules(folder, loaded)
    except WorkflowDefinitionError as exc:
        fail(f"Fel i uppföljningens regler i {folder}:\n{exc.message}", 1)
    click.echo(f"{FOLLOW_UP_FILE}: flaggor och återkommande rekommendationer — OK")


# --- reminders (issue 6) ------------------------------------------------------------------------

def _reminder_rules(ctx: Context):
    from kfflow.reminders.rules import load_reminder_rules
    from kfflow.workflow import get_workflows

    ctx.db  # loads and validates the lifecycles first
    return load_reminder_rules(ctx.settings.workflows_path, get_workflows())


@main.command()
@click.option("--once", is_flag=True, help="Kör ett svep och avsluta (för cron, systemd-timer, CronJob)")
@click.option("--now", "now_text", metavar="ISO-TIDPUNKT",
              help="Kör svepet som vid denna tidpunkt (utan tidszon: lokal tid i Europe/Stockholm)")
@click.option("--dry-run", is_flag=True, help="Visa vad som skulle skickas; skicka och skriv inget")
@pass_ctx
def remind(ctx: Context, once, now_text, dry_run):
    """Skicka påminnelser och eskaleringar som har förfallit."""
    from kfflow.reminders.clock import parse_now
    from kfflow.reminders.mail import Mailer, SmtpConfigError, SmtpSettings, base_url
    from kfflow.reminders.runner import run_sweep

    if not once:
        fail("Ange --once för ett svep, eller kör `kfflow scheduler` för återkommande svep.", 2)
    rules = _reminder_rules(ctx)
    try:
        now = parse_now(now_text, rules.timezone)
    except ValidationError as exc:
        fail("\n".join(exc.fields.values()), 2)
    try:
        smtp = SmtpSettings.from_settings(ctx.settings)
    except SmtpConfigError as exc:
        fail(f"Felaktig KFFLOW_SMTP_URL: {exc}", 2)
    mailer = Mailer(smtp) if smtp and not dry_run else None
    try:
        result = run_sweep(ctx.db, rules, now, mailer=mailer, dry_run=dry_run, base=base_url(ctx.settings),
                           echo=click.echo)
    finally:
        ctx.db.dispose()
    if dry_run:
        click.echo(f"Torrkörning: {result.would_send} e-postmeddelanden skulle skickas, "
                   f"{result.notifications} aviseringar hittades. Inget skickat, inget sparat.")
        return
    report = result.delivery
    click.echo(f"Svep klart: {len(report.sent)} skickade, {len(report.failed)} misslyckade.")
    if report.undeliverable:
        click.echo(f"{len(report.undeliverable)} e-postmeddelanden kan inte skickas och är markerade som "
                   "misslyckade; administratörer ser dem under Administration → E-post.")
    if result.waiting:
        fail(f"KFFLOW_SMTP_URL är inte satt: {result.waiting} e-postmeddelanden väntar i utkorgen.", 1)
    if result.all_failed:
        fail(f"Inget e-postmeddelande kunde skickas ({len(report.failed)} misslyckades: {report.failed[0][2]}). "
             "De ligger kvar i utkorgen och skickas igen vid nästa svep.", 1)


@main.command()
@click.option("--interval", default=lambda: _settings().remind_interval, show_default="$KFFLOW_REMIND_INTERVAL, 300",
              type=click.IntRange(min=10), help="Sekunder mellan svepen")
@click.option("--standby-poll", default=15, show_default=True, type=click.IntRange(min=1),
              help="Sekunder mellan en reservs försök att ta över; så länge kan det dröja innan den tar över")
@pass_ctx
def scheduler(ctx: Context, interval, standby_poll):
    """Kör påminnelsesvepet regelbundet i en egen process (aldrig i webbprocesserna).

    På PostgreSQL väntar en andra schemaläggare som reserv; på SQLite ska bara en köras per värd."""
    from kfflow.reminders.mail import SmtpConfigError, SmtpSettings
    from kfflow.reminders.scheduler import SchedulerLock, daily_jobs, periodic_sweep, run_scheduler

    rules = _reminder_rules(ctx)
    try:
        smtp = SmtpSettings.from_settings(ctx.settings)
    except SmtpConfigError as exc:
        fail(f"Felaktig KFFLOW_SMTP_URL: {exc}", 2)
    if smtp is None:
        click.echo("Varning: KFFLOW_SMTP_URL är inte satt; påminnelser läggs i utkorgen men skickas inte.", err=True)
    sweep = periodic_sweep(ctx.db, ctx.settings, rules, echo=click.echo)
    lock = SchedulerLock(ctx.db, ctx.settings.instance_path / "scheduler.lock")
    click.echo(f"Schemaläggaren startar: ett svep var {interval}:e sekund, historikens kontroll dagligen kl. 03.15.")
    run_scheduler(ctx.db, lock, sweep, interval_seconds=interval, tz=rules.timezone, poll_seconds=standby_poll,
                  daily=daily_jobs(ctx.db))


# --- history: the tamper-evident record -----------------------------------------------------------

@main.group()
def history():
    """Ärendenas historik."""


@history.command("verify")
@pass_ctx
def history_verify(ctx: Context):
    """Kontrollera varje ärendes hashkedja; avslutar med fel och namnger första posten som inte stämmer."""
    from kfflow.services.history import verify_and_record

    report = verify_and_record(ctx.db)
    if not report.ok:
        fail(f"Historiken stämmer inte: {report.problem}")
    click.echo(f"Historiken stämmer: {report.checked} poster kontrollerade.")


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(min=1),
              help="Jobb som körs samtidigt i processen (rendering är CPU-bunden: starta hellre fler processer)")
@click.option("--once", is_flag=True, help="Kör de jobb som väntar och avsluta")
@click.option("--nice", default=10, show_default=True, type=click.IntRange(0, 19),
              help="Lägre CPU-prioritet för processen, så att webbförfrågningar på samma värd går före")
@pass_ctx
def worker(ctx: Context, concurrency, once, nice):
    """Kör jobben (rapporter, registreringar, importer, e-post) från kön i PostgreSQL tills processen stoppas
    (SIGTERM: efter pågående jobb). En annan workers jobb tas över när den slutat höras av sig."""
    from kfflow.jobs.queue import WORKER, JobQueue

    if ctx.settings.jobs_mode != WORKER:
        fail("kfflow worker kör jobb från kön i PostgreSQL (KFFLOW_JOBS=worker). Med SQLite körs jobben i "
             "webbprocessen; då behövs ingen worker.", 2)
    if nice:
        os.nice(nice)  # a report can wait a moment; a page someone looks at should not
    queue = JobQueue(ctx.db, WORKER, concurrency=concurrency, settings=ctx.settings)
    click.echo(f"Jobbkön: {concurrency} jobb åt gången" + (", avslutar när kön är tom." if once else "."))
    queue.run_worker(wait=not once)


# --- person: personal data ---------------------------------------------------------------------

@main.group()
def person():
    """Personuppgifter: registerutdrag och anonymisering."""


@person.command("export")
@click.argument("username")
@click.option("-o", "--output", type=click.File("wb"), default="-",
              help="Fil att skriva till (standard: standard output)")
@click.option("--pdf", "as_pdf", is_flag=True, help="Ett läsbart PDF-dokument (PDF/A, med JSON bifogad) i stället för JSON")
@pass_ctx
def person_export_command(ctx: Context, username, output, as_pdf):
    """Allt kfflow har om en person, som ett JSON-dokument eller en PDF (registerutdrag enligt GDPR art. 15)."""
    import json

    from kfflow.db import utcnow
    from kfflow.documents.registerutdrag import registerutdrag_pdf
    from kfflow.services.documents import organisation_name
    from kfflow.services.personal_data import person_export

    with _render_session(ctx) as session:
        try:
            data = person_export(session, username)
        except KfflowError as exc:
            _render_failed(exc)
        organisation = organisation_name(session)
    if as_pdf:
        output.write(registerutdrag_pdf(data, organisation=organisation, when=utcnow()))
    else:
        output.write((json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


@person.command("anonymise")
@click.argument("username")
@click.option("--as", "as_user", required=True, metavar="ANVÄNDARNAMN", default=lambda: _settings().user,
              help="Administratören som anonymiserar (loggas); standard: $KFFLOW_USER")
@pass_ctx
def person_anonymise_command(ctx: Context, username, as_user):
    """Ersätt en persons namn, e-post och inloggning med en pseudonym överallt där de visas; historiken och
    registrerade handlingar behålls oförändrade (arkivlagen), och anonymiseringen loggas."""
    from kfflow.services.anonymise import anonymise_person

    with _render_session(ctx) as session:
        try:
            done = anonymise_person(session, _render_actor(session, as_user), username)
        except KfflowError as exc:
            _render_failed(exc)
    click.echo(f"{username} är nu {done.display_name} ({done.username}). Avslutade: {done.ended.sessions} "
               f"inloggningar, {done.ended.api_tokens} API-nycklar, {done.ended.calendar_feeds} kalenderflöden; "
               f"{done.signatures} underskrifter ersatta.")


# --- gallra: retention ---------------------------------------------------------------------------

@main.command()
@click.option("--dry-run", "mode", flag_value="dry-run", help="Visa vad reglerna tillåter att gallra; ändra inget")
@click.option("--execute", "mode", flag_value="execute", help="Gallra, logga varje handling i gallringsloggen")
@click.option("--as", "as_user", metavar="ANVÄNDARNAMN", default=lambda: _settings().user,
              help="Den som gallrar (krävs med --execute); standard: $KFFLOW_USER")
@click.option("--now", "now_text", metavar="ISO-TIDPUNKT", help="Räkna tiderna som vid denna tidpunkt")
@pass_ctx
def gallra(ctx: Context, mode, as_user, now_text):
    """Gallra det som en regel i workflows/retention.yaml tillåter (--dry-run eller --execute)."""
    from kfflow.clock import LOCAL_TZ
    from kfflow.reminders.clock import parse_now
    from kfflow.retention import load_retention_rules
    from kfflow.services.retention import execute_thinning, thinning_candidates
    from kfflow.workflow import get_workflows

    if mode is None:
        fail("Ange --dry-run eller --execute.", 2)
    try:
        rules = load_retention_rules(ctx.settings.workflows_path, get_workflows())
        now = parse_now(now_text, LOCAL_TZ)
    except WorkflowDefinitionError as exc:
        fail(f"Fel i gallringsreglerna: {exc.message}", 1)
    except ValidationError as exc:
        fail("\n".join(exc.fields.values()), 2)
    if rules is None:
        fail("Det finns inga gallringsregler (workflows/retention.yaml); inget gallras.", 1)
    with _render_session(ctx) as session:
        if mode == "dry-run":
            candidates = thinning_candidates(session, rules, now)
        else:
            if not as_user:
                fail("Ange --as ANVÄNDARNAMN: gallring loggas med den som gallrar.", 2)
            try:
                candidates = execute_thinning(session, _render_actor(session, as_user), rules, now)
            except KfflowError as exc:
                _render_failed(exc)
    verb = "Skulle gallra" if mode == "dry-run" else "Gallrat"
    for c in candidates:
        click.echo(f"{verb}: {c.rule.record} {c.record_id} ({c.case_kind} {c.case_id}, avslutat "
                   f"{c.closed_at:%Y-%m-%d}) — {c.rule.label}")
    click.echo(f"{verb} {len(candidates)} handlingar.")


# --- archive: delivery to the archive -----------------------------------------------------------

@main.group()
def archive():
    """Leverans till arkivet: E-ARK/FGS-paket (SIP) för avslutade ärenden."""


def _case_ref(_ctx, _param, value):
    from kfflow.archive import ARCHIVED_KINDS, parse_case_ref

    if value is None:
        return None
    try:
        return parse_case_ref(value)
    except ValueError:
        raise click.BadParameter(f"skriv SLAG:ID, där SLAG är {' eller '.join(ARCHIVED_KINDS)} (t.ex. measure:12)")


@archive.command("export")
@click.option("--to", "to", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Katalogen paketen skrivs till (ett paket per ärende)")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Bara ärenden som avslutades senast detta datum (ÅÅÅÅ-MM-DD)")
@click.option("--case", "case_ref", callback=_case_ref, help="Bara detta ärende, SLAG:ID (t.ex. audit:3)")
@pass_ctx
def archive_export(ctx: Context, to, until, case_ref):
    """Skriv ett SIP (METS, PREMIS, ärendedata, handlingar som PDF/A) per avslutat ärende."""
    from kfflow.archive import export_cases

    with _render_session(ctx) as session:
        try:
            result = export_cases(session, to, until=until.date() if until else None, case=case_ref)
        except KfflowError as exc:
            fail(exc.message)
    for name in result.written:
        click.echo(f"Skrev {to / name}")
    for name in result.skipped:
        click.echo(f"Fanns redan, hoppade över: {to / name}")
    click.echo(f"{len(result.written)} paket skrivna, {len(result.skipped)} fanns redan.")


@archive.command("verify")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def archive_verify(directory):
    """Kontrollera paketens struktur och varje fils kontrollsumma; avslutar med fel vid första avvikelsen."""
    from kfflow.archive import verify_packages

    report = verify_packages(directory)
    if not report.ok:
        fail(f"Arkivpaketen stämmer inte: {report.problem}")
    click.echo(f"Arkivpaketen stämmer: {report.packages} paket, {report.files} filer kontrollerade.")


# --- render: formal documents -------------------------------------------------------------------

def _render_actor(session, username: str):
    """The active user named by --as: documents are always made by someone."""
    from sqlalchemy import select

    from kfflow.models import User

    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        fail(f"Det finns ingen aktiv användare ”{username}”.", 2)
    return user


@contextlib.contextmanager
def _render_session(ctx: Context):
    """A session for one command; the engine is closed afterwards (a one-shot process holds no pool)."""
    try:
        with ctx.db.session() as session:
            yield session
    finally:
        ctx.db.dispose()


def _render_failed(exc: KfflowError):
    details = "\n".join(getattr(exc, "fields", {}).values())
    fail(exc.message + (f"\n{details}" if details else ""), 2 if isinstance(exc, ValidationError) else 1)


def _settings() -> Settings:
    """The settings of the running command (for option defaults)."""
    return click.get_current_context().find_object(Context).settings


_as_option = click.option("--as", "as_user", required=True, metavar="ANVÄNDARNAMN", default=lambda: _settings().user,
                          help="Den som skapar handlingen (registreras som upphovsperson); standard: $KFFLOW_USER")
_output_option = click.option("-o", "--output", required=True, type=click.File("wb"),
                              help="Fil att skriva till (- för standard output)")


@main.group()
def render():
    """Skapa handlingar: yttrande, delrapport och slutredovisning (PDF/A)."""


@render.command("yttrande")
@click.argument("audit_id", type=int)
@_output_option
@_as_option
@click.option("--register", is_flag=True, help="Registrera en ny version av det slutliga yttrandet (registrator)")
@click.option("--docx", is_flag=True, help="Skriv yttrandet som Word-fil (.docx) i stället för PDF")
@pass_ctx
def render_yttrande(ctx: Context, audit_id, output, as_user, register, docx):
    """Skriv yttrandet över granskningen AUDIT_ID: senast registrerade versionen, annars ett utkast."""
    from kfflow.services import documents

    with _render_session(ctx) as session:
        actor = _render_actor(session, as_user)
        try:
            if docx:
                content = documents.yttrande_docx(session, actor, audit_id).content
            elif register:
                record = documents.register_yttrande(session, actor, audit_id)
                content = documents.read_registered(session, record)
                click.echo(f"Registrerat: {record.diarienummer} handling {record.document_number}, "
                           f"version {record.version}, SHA-256 {record.sha256}", err=True)
            else:
                content = documents.current_yttrande(session, actor, audit_id).content
        except KfflowError as exc:
            _render_failed(exc)
    output.write(content)


@render.command("delrapport")
@click.option("--from", "start", required=True, metavar="ÅÅÅÅ-MM-DD", help="Periodens första dag")
@click.option("--to", "end", required=True, metavar="ÅÅÅÅ-MM-DD", help="Periodens sista dag")
@click.option("--dnr", "diarienummer", help="Diarienummer som står på varje sida")
@_output_option
@_as_option
@pass_ctx
def render_delrapport_cmd(ctx: Context, start, end, diarienummer, output, as_user):
    """Skriv en delrapport (lägesbild) för perioden."""
    from kfflow.services.documents import render_delrapport

    with _render_session(ctx) as session:
        actor = _render_actor(session, as_user)
        try:
            content = render_delrapport(session, actor, start, end, diarienummer=diarienummer)
        except KfflowError as exc:
            _render_failed(exc)
    output.write(content)


@render.command("slutredovisning")
@click.option("--dnr", "diarienummer", help="Diarienummer som står på varje sida")
@_output_option
@_as_option
@pass_ctx
def render_slutredovisning_cmd(ctx: Context, diarienummer, output, as_user):
    """Skriv slutredovisningen."""
    from kfflow.services.documents import render_slutredovisning

    with _render_session(ctx) as session:
        actor = _render_actor(session, as_user)
        try:
            content = render_slutredovisning(session, actor, diarienummer=diarienummer)
        except KfflowError as exc:
            _render_failed(exc)
    output.write(content)


# --- import and export ----------------------------------------------------------------------------

@main.group("documents")
def documents_group():
    """Registrerade handlingar."""


@documents_group.command("verify")
@pass_ctx
def documents_verify(ctx: Context):
    """Kontrollera att varje registrerad handlings lagrade innehåll stämmer med registrets SHA-256."""
    from kfflow.services.documents import verify_register

    with _render_session(ctx) as session:
        checked, problems = verify_register(session)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        fail(f"{len(problems)} av {checked} registrerade handlingar stämmer inte med registret.")
    click.echo(f"Alla {checked} registrerade handlingar stämmer med registret.")


@documents_group.command("sweep")
@pass_ctx
def documents_sweep(ctx: Context):
    """Ta bort tillfälliga filer (förhandsgranskade importer, rapporter) vars tid har gått ut, och i en
    S3-lagring innehåll som ingen rad längre pekar på."""
    from kfflow.storage import sweep_stored_files

    with _render_session(ctx) as session:
        expired, orphans = sweep_stored_files(session)
    click.echo(f"Borttaget: {expired} tillfälliga filer, {orphans} objekt utan rad.")


def _acting_user(session, username: str | None, action: tuple[str, str] | None = None):
    """The user named by --as, checked to be active (and to be allowed `action`, (kind, name) as in
    workflows/); None without --as."""
    if username is None:
        return None
    user = _render_actor(session, username)
    if action is not None:
        from kfflow.services.access import may, roles_for

        kind, name = action
        if not may(user, name, kind=kind):
            fail(f"{user.username} har rollen {user.role}; det här kräver rollen "
                 f"{' eller '.join(roles_for(name, kind=kind))}.", 2)
    return user


def _progress():
    """A rich progress bar on a terminal (on stderr, so stdout stays clean); nothing otherwise."""
    import contextlib

    if not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    @contextlib.contextmanager
    def bar():
        with Progress(SpinnerColumn(), TextColumn("{task.description}: {task.completed} rader"), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as progress:
            tasks = {}

            def advance(phase: str, n: int) -> None:
                if phase not in tasks:
                    tasks[phase] = progress.add_task(phase, total=None)
                progress.advance(tasks[phase], n)
            yield advance
    return bar()


@main.group("import")
def import_group():
    """Läs in från kalkylark (.xlsx eller .csv)."""


@import_group.command("measures")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="Visa vad som skulle skapas, uppdateras och lämnas; spara inget")
@click.option("--update", is_flag=True, help="Uppdatera ändrade fält i åtgärder som redan finns")
@click.option("--as", "as_user", metavar="ANVÄNDARNAMN",
              help="Läs in som den här användaren (styrgrupp eller registrator); utan: som driftansvarig, "
                   "historiken anger filen men ingen användare")
@pass_ctx
def import_measures_cmd(ctx: Context, file, dry_run, update, as_user):
    """Läs in åtgärder från FILE: allt eller inget."""
    from kfflow.importing.readers import ImportFileError
    from kfflow.services.importing import ImportRejected, import_measures

    if not os.path.isfile(file):
        fail(f"Filen {file} finns inte.", 2)
    with ctx.db.session() as session:
        actor = _acting_user(session, as_user, ("measure", "import"))
        try:
            with _progress() as progress:
                result = import_measures(session, actor, file, update=update, dry_run=dry_run, progress=progress)
        except ImportFileError as exc:
            fail(f"{exc.message}\nInget har sparats.", 1)
        except ImportRejected as exc:
            fail("\n".join([exc.message, *exc.lines]), 1)
    for note in result.notes:
        click.echo(f"Obs: {note}")
    if dry_run:
        for plan in result.created:
            click.echo(f"  skapas       rad {plan.row}: {plan.values['title']}")
        for m in result.differing + result.updated:
            click.echo(f"  {'uppdateras' if update else 'skiljer sig'}  rad {m.plan.row}: {m.measure.title} "
                       f"(nr {m.measure.id}; {', '.join(m.changes)})")
        for m in result.unchanged:
            click.echo(f"  lämnas       rad {m.plan.row}: {m.measure.title} (nr {m.measure.id})")
    verb = "skulle" if dry_run else ""
    summary = (f"{result.file_name} (sha256 {result.sha256[:12]}…): "
               f"{len(result.created)} {'skulle skapas' if dry_run else 'skapade'}, "
               f"{len(result.updated)} {'skulle uppdateras' if dry_run else 'uppdaterade'}, "
               f"{len(result.unchanged)} oförändrade")
    if result.differing:
        summary += f", {len(result.differing)} skiljer sig (läs in med --update för att uppdatera dem)"
    click.echo(summary + "." + (" Inget sparat (--dry-run)." if verb else ""))


@import_group.command("measurements")
@click.argument("indicator_id", type=click.IntRange(min=1))
@click.argument("file")
@click.option("--as", "as_user", required=True, metavar="ANVÄNDARNAMN", default=lambda: _settings().user,
              help="Den som registrerar värdena (åtgärdens ansvarig eller styrgruppen); standard: $KFFLOW_USER")
@pass_ctx
def import_measurements_cmd(ctx: Context, indicator_id, file, as_user):
    """Läs in mätvärden för indikatorn INDICATOR_ID från FILE (kolumnerna Datum, Värde, Källa, Kommentar): allt
    eller inget."""
    from kfflow.services.measurement_import import import_measurements

    from kfflow.importing.readers import MAX_FILE_BYTES

    if not os.path.isfile(file):
        fail(f"Filen {file} finns inte.", 2)
    if os.path.getsize(file) > MAX_FILE_BYTES:
        fail(f"Filen {file} är större än {MAX_FILE_BYTES // 1024 // 1024} MB; dela upp den.", 2)
    with open(file, "rb") as fh:
        data = fh.read()
    with _render_session(ctx) as session:
        try:
            done = import_measurements(session, _render_actor(session, as_user), indicator_id, data,
                                       os.path.basename(file))
        except KfflowError as exc:
            _render_failed(exc)
    click.echo(f"{done.count} mätvärden inlästa för indikator {done.indicator_id} (åtgärd {done.measure_id}), "
               f"{done.first.isoformat()} – {done.last.isoformat()}.")


@main.group("export")
def export_group():
    """Skriv ut till kalkylark (.xlsx eller CSV)."""


def _export(ctx: Context, file: str, which: str) -> None:
    from kfflow.importing import export

    table, title, noun = {"measures": (export.measure_table, "Åtgärder", "åtgärder"),
                          "audits": (export.audit_table, "Rekommendationer", "rekommendationer")}[which]
    with ctx.db.session() as session:
        headings, rows = table(session)
        count = export.write_table(file, headings, rows, title=title, stdout=sys.stdout)
    if file != "-":
        click.echo(f"{count} {noun} skrivna till {file}.")


@export_group.command("measures")
@click.argument("file")
@pass_ctx
def export_measures_cmd(ctx: Context, file):
    """Skriv alla åtgärder till FILE (.xlsx, annars CSV; - för CSV på standard output)."""
    _export(ctx, file, "measures")


@export_group.command("audits")
@click.argument("file")
@pass_ctx
def export_audits_cmd(ctx: Context, file):
    """Skriv granskningarnas rekommendationer, svar och kopplade åtgärder till FILE (som export measures)."""
    _export(ctx, file, "audits")


# --- handover -----------------------------------------------------------------------------------

@main.command()
@click.option("--from-owner", required=True, metavar="ANVÄNDARNAMN", help="Nuvarande ansvarig")
@click.option("--to-owner", required=True, metavar="ANVÄNDARNAMN", help="Ny ansvarig")
@click.option("--reason", required=True, help="Motivering, sparas i varje ärendes historik")
@click.option("--state", "states", multiple=True, help="Bara ärenden i det här läget (kan upprepas)")
@click.option("--dry-run", is_flag=True, help="Visa vilka ärenden som skulle lämnas över; spara inget")
@click.option("--as", "as_user", required=True, metavar="ANVÄNDARNAMN",
              help="Användaren som gör överlämningen (måste få byta ansvarig, t.ex. styrgruppen)")
@pass_ctx
def handover(ctx: Context, from_owner, to_owner, reason, states, dry_run, as_user):
    """Lämna över alla öppna ärenden från en ansvarig till en annan, allt eller inget."""
    from kfflow.errors import PermissionDenied
    from kfflow.services.handover import hand_over

    with ctx.db.session() as session:
        actor = _acting_user(session, as_user)
        try:
            result = hand_over(session, actor, from_owner=from_owner, to_owner=to_owner, reason=reason,
                               states=list(states) or None, dry_run=dry_run)
        except ValidationError as exc:
            fail("\n".join([exc.message, *exc.fields.values()]), 2)
        except PermissionDenied as exc:
            fail(f"{exc.message} Inget har lämnats över.", 1)
    kinds = {"measure": "åtgärd", "recommendation": "rekommendation"}
    for kind, case_id, title in result.handed_over:
        click.echo(f"  {'lämnas över' if dry_run else 'överlämnad'}: {kinds.get(kind, kind)} {case_id} {title}")
    for kind, case_id, title, why in result.skipped:
        click.echo(f"  hoppas över: {kinds.get(kind, kind)} {case_id} {title} ({why})")
    click.echo(f"{len(result.handed_over)} ärenden {'skulle lämnas' if dry_run else 'lämnade'} över till "
               f"{to_owner}, {len(result.skipped)} hoppades över." + (" Inget sparat (--dry-run)." if dry_run else ""))


def run():
    try:
        main(standalone_mode=True)
    except KfflowError as exc:
        fail(exc.message)


if __name__ == "__main__":
    main()
