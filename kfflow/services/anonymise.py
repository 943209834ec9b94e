"""`kfflow person anonymise`: a departed person's name, e-mail and sign-in identities replaced by a stable
pseudonym, while the public record stays whole.

What kfflow shows of a person it reads from their account row through the foreign keys (owner, proposer,
author, actor of a history entry …), so replacing the row's name and e-mail replaces them on every page, in
every list, export, mail and new document. Free-text signatures (an yttrande's signatories) are replaced where
they equal the person's name. Nothing else is rewritten: history entries, registered documents and the
thinning log are allmänna handlingar kept unaltered by archive law (the history chain therefore stays
verifiable: it hashes the actor's id, never the name), and the limits of this are in docs/records.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import GuardFailed, NotFound
from kfflow.models import AccountEvent, Audit, User
from kfflow.services.access import require
from kfflow.services.credentials import Revoked, keep_an_active_admin, revoke_in_transaction

ANONYMISED = "anonymised"  # the AccountEvent kind


def pseudonym(user_id: int) -> tuple[str, str]:
    """(username, display name) of an anonymised account: stable (the same on every run) and revealing
    nothing but the account's number."""
    return f"anonym-{user_id}", f"Anonymiserad person {user_id}"


@dataclass(frozen=True)
class Anonymised:
    user_id: int
    username: str
    display_name: str
    signatures: int      # free-text signatures replaced
    ended: Revoked


def anonymise_person(session: Session, actor: User, username: str, *, now: datetime | None = None) -> Anonymised:
    """Replace `username`'s identity by its pseudonym in one transaction, end every session, token and feed of
    theirs, and record who did it. Refused: an unknown user, oneself, the last active admin."""
    now = now or utcnow()
    with write_transaction(session):
        require(session.get(User, actor.id), "administer", denied="Din roll får inte hantera användare.")
        user = session.scalars(select(User).where(User.username == username).with_for_update()).first()
        if user is None:
            raise NotFound(f"Användaren {username} finns inte.")
        if user.id == actor.id:
            raise GuardFailed("Du kan inte anonymisera dig själv. Be en annan administratör.")
        keep_an_active_admin(session, user, active=False, role=user.role)
        new_username, new_name = pseudonym(user.id)
        signatures = _replace_signatures(session, user.display_name, new_name)
        user.username, user.display_name, user.email = new_username, new_name, None
        user.password_hash, user.must_change_password, user.external_subject = None, False, None
        user.active = False
        ended = revoke_in_transaction(session, user.id, now=now)
        session.add(AccountEvent(user_id=user.id, kind=ANONYMISED, actor_id=actor.id, at=now,
                                 detail=f"{signatures} underskrifter ersatta"))
    return Anonymised(user.id, new_username, new_name, signatures, ended)


def _replace_signatures(session: Session, name: str, replacement: str) -> int:
    """Signatories of yttranden are names typed as text: those equal to the person's name become the pseudonym.
    A signature already in a registered document stays there (the document is kept as registered)."""
    replaced = 0
    for audit in session.scalars(select(Audit).where(Audit.signatories.is_not(None))):
        signatories = list(audit.signatories or [])
        changed = [({**s, "name": replacement} if s.get("name", "").strip() == name.strip() else s) for s in signatories]
        if changed != signatories:
            replaced += sum(1 for old, new in zip(signatories, changed) if old is not new)
            audit.signatories = changed
    return replaced
