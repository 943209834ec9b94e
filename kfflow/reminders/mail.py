"""Mail: KFFLOW_SMTP_URL, and Swedish messages in plain text and HTML (user text escaped)."""
from __future__ import annotations

import html
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from kfflow.config import Settings, redact_url
from kfflow.kinds import KINDS

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
# Where the web interface shows a user's reminder preferences (a case's page: kfflow.kinds).
PREFERENCES_PATH = "/installningar/aviseringar"


class SmtpConfigError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    ssl: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "kfflow@localhost"

    @classmethod
    def from_url(cls, url: str, sender: str | None = None) -> "SmtpSettings":
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            # Never the URL as given: it may carry the SMTP password.
            raise SmtpConfigError(f"KFFLOW_SMTP_URL must be smtp://host:port or smtps://host:port, "
                                  f"not {redact_url(url)!r}")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
        return cls(host=parts.hostname, port=parts.port or (465 if parts.scheme == "smtps" else 25),
                   ssl=parts.scheme == "smtps", starttls=starttls,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   sender=sender or "kfflow@localhost")

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpSettings | None":
        url = settings.smtp_url
        return cls.from_url(url.get_secret_value(), settings.mail_from) if url else None

    def __repr__(self) -> str:  # without the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, ssl={self.ssl}, username={self.username!r})"


class Mailer:
    """One SMTP connection for a delivery run, opened on the first message."""

    def __init__(self, settings: SmtpSettings, timeout: float = 20):
        self.settings = settings
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.ssl:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        if message["From"] is None:
            message["From"] = self.settings.sender
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None


def base_url(settings: Settings | None = None) -> str:
    """Where links in mails and feeds point: KFFLOW_BASE_URL, else the address `make run` serves."""
    settings = settings or Settings.from_env()
    return (settings.base_url or DEFAULT_BASE_URL).rstrip("/")


def case_url(kind: str, case_id: int, base: str) -> str:
    return KINDS[kind].web_url(case_id, base)


@dataclass(frozen=True)
class MailItem:
    """One reminder as the mail shows it (from an outbox row)."""

    case_kind: str
    case_id: int
    case_title: str
    subject: str
    reason: str
    anchor_date: str


# Whatever separates lines or is a control character: a header is one line, so these become a space.
_NOT_IN_A_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(text: str) -> str:
    """`text` as one header line: stored data from before the input rule may hold line breaks."""
    return _NOT_IN_A_HEADER.sub(" ", text).strip()


def compose(to: str, name: str, items: list[MailItem], base: str, *, digest: str | None = None) -> EmailMessage:
    """One mail: a single reminder, or a digest ("daily"/"weekly") listing several."""
    prefs = base + PREFERENCES_PATH
    if digest is None and len(items) == 1:
        subject = items[0].subject
        intro = "Hej!"
    else:
        heading = {"daily": "Dagens sammanställning", "weekly": "Veckans sammanställning"}.get(
            digest or "", "Sammanställning")
        subject = f"kfflow: {heading}, {len(items)} påminnelser"
        intro = f"Hej! Här är {len(items)} påminnelser som gäller dig."
    text = [intro, ""]
    rows_html = []
    for item in items:
        link = case_url(item.case_kind, item.case_id, base)
        text += [f"* {item.subject}", f"  Datum: {item.anchor_date}", f"  {item.reason}", f"  Öppna ärendet: {link}", ""]
        rows_html.append(
            f"<li><p><strong>{html.escape(item.subject)}</strong><br>Datum: {html.escape(item.anchor_date)}</p>"
            f"<p>{html.escape(item.reason)}</p>"
            f'<p><a href="{html.escape(link, quote=True)}">Öppna ärendet: {html.escape(item.case_title)}</a></p></li>')
    text += ["Du kan ändra hur och när du får påminnelser under dina inställningar:", prefs, "", "/kfflow"]
    body_html = (f"<!DOCTYPE html><html lang=\"sv\"><body><p>{html.escape(intro)}</p><ul>{''.join(rows_html)}</ul>"
                 f"<p>Du kan ändra hur och när du får påminnelser under "
                 f'<a href="{html.escape(prefs, quote=True)}">dina inställningar</a>.</p></body></html>')
    msg = EmailMessage()
    msg["Subject"] = header_text(subject)
    msg["To"] = formataddr((header_text(name), to))
    msg["Message-ID"] = make_msgid(domain="kfflow")
    msg.set_content("\n".join(text))
    msg.add_alternative(body_html, subtype="html")
    return msg
