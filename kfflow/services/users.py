"""Users and bodies: creating, authenticating, deactivating."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kfflow.db import write_transaction
from kfflow.errors import NotFound, ValidationError
from kfflow.models import Body, User
from kfflow.security import hash_password, needs_rehash, password_policy_error, verify_password
from kfflow.services.access import require
from kfflow.workflow import get_workflows
from kfflow.workflow.fields import check_text

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DISPLAY_NAME_LENGTH = User.__table__.c.display_name.type.length


@dataclass(frozen=True, slots=True)
class Person:
    """Someone a user picker offers."""
    username: str
    display_name: str


# Service accounts are integrations, not people: nobody hands a measure over to one.
ACTIVE_PEOPLE = select(User.username, User.display_name).where(User.active.is_(True),
                                                               User.service_account.is_(False))


def active_people(session: Session) -> list[Person]:
    """Who a user picker offers: active users, by name."""
    return sorted_people(Person(*row) for row in session.execute(ACTIVE_PEOPLE))


def sorted_people(people) -> list[Person]:
    return sorted(people, key=lambda p: (p.display_name, p.username))


def role_names() -> list[str]:
    return list(get_workflows().roles)


def _validate_user(username: str, role: str, email: str | None, password: str | None,
                   display_name: str | None) -> dict[str, str]:
    errors = {}
    if not USERNAME.match(username or ""):
        errors["username"] = "Användarnamnet ska vara 2–80 tecken: små bokstäver a–z, siffror, punkt, bindestreck."
    if role not in role_names():
        errors["role"] = f"Okänd roll ”{role}”. Välj en av: {', '.join(role_names())}."
    if email and not (EMAIL.match(email) and email.isascii() and email.isprintable() and len(email) <= 254):
        errors["email"] = "Ange en giltig e-postadress."
    problem = password_policy_error(password, user_inputs=(username, display_name or "")) if password else None
    if problem:
        errors["password"] = problem
    return errors


def create_user(session: Session, actor: User | None, *, username: str, role: str, display_name: str | None = None,
                email: str | None = None, password: str | None = None, password_hash: str | None = None,
                body: str | None = None, service_account: bool = False) -> User:
    """Create a user. `actor=None` is the command line run by an operator; otherwise an admin.

    A service account (an integration) gets no password: it signs in only with tokens an admin gives it."""
    if service_account:
        password = password_hash = None
    username = (username or "").strip().lower()
    errors = _validate_user(username, role, email, password, display_name)
    if display_name is not None:
        try:
            display_name = check_text(display_name, multiline=False, max_length=DISPLAY_NAME_LENGTH)
        except ValueError as exc:
            errors["display_name"] = f"Namn: {exc}"
    with write_transaction(session):
        if actor is not None:
            require(session.get(User, actor.id), "administer", denied="Din roll får inte hantera användare.")
        if not errors.get("username") and session.scalar(select(User.id).where(User.username == username)):
            errors["username"] = f"Användarnamnet ”{username}” är upptaget."
        body_obj = None
        if body:
            body_obj = session.scalar(select(Body).where(Body.name == body))
            if body_obj is None:
                errors["body"] = f"Det finns inget organ ”{body}”."
        if errors:
            raise ValidationError("Användaren kunde inte skapas.", errors)
        user = User(username=username, role=role, display_name=(display_name or username).strip(),
                    email=email or None, active=True, body=body_obj, service_account=service_account,
                    password_hash=password_hash or (hash_password(password) if password else None))
        session.add(user)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, or None. Takes the same time either way."""
    # populate_existing: a long-lived session must check against the stored hash, not one it read earlier.
    user = session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower())
                          .execution_options(populate_existing=True))
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.active or user.service_account:
        return None
    if needs_rehash(user.password_hash):
        with write_transaction(session):
            session.get(User, user.id).password_hash = hash_password(password)
    return user


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    """(De)activate a user. Either way every session, API token and calendar feed of theirs ends, in the same
    transaction, so a reactivated user starts afresh; the last active admin cannot be deactivated."""
    from kfflow.services.credentials import keep_an_active_admin, revoke_in_transaction  # they import this module

    with write_transaction(session):
        require(session.get(User, actor.id), "administer", denied="Din roll får inte hantera användare.")
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Användaren finns inte.")
        keep_an_active_admin(session, user, active=active, role=user.role)
        user.active = active
        revoke_in_transaction(session, user_id)
    return user


def set_role(session: Session, actor: User, user_id: int, role: str) -> User:
    """Give a user another role from roles.yaml; what they may do follows at their next request (rights are
    read from the role each time). The last active admin keeps an admin role."""
    from kfflow.services.credentials import keep_an_active_admin  # it imports this module

    if role not in role_names():
        raise ValidationError("Rollen kunde inte ändras.",
                              {"role": f"Okänd roll ”{role}”. Välj en av: {', '.join(role_names())}."})
    with write_transaction(session):
        require(session.get(User, actor.id), "administer", denied="Din roll får inte hantera användare.")
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Användaren finns inte.")
        keep_an_active_admin(session, user, active=user.active, role=role)
        user.role = role
    return user


def users_and_bodies(session: Session, actor: User) -> tuple[list[User], list[Body]]:
    """Every person (not the service accounts) by username, and every body by name, for those who administer
    users (the administration pages and the API)."""
    require(session.get(User, actor.id), "administer", denied="Din roll får inte hantera användare.")
    return (list(session.scalars(select(User).where(User.service_account.is_(False)).order_by(User.username))),
            list(session.scalars(select(Body).order_by(Body.name))))


def ensure_body(session: Session, name: str, kind: str, has_mandate: bool = False) -> Body:
    """The body with this name, created if missing (used by set-up and the demo)."""
    with write_transaction(session):
        body = session.scalar(select(Body).where(Body.name == name))
        if body is None:
            body = Body(name=name, kind=kind, has_mandate=has_mandate)
            session.add(body)
    return body
