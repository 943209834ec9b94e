"""Sign-in through the region's identity provider: from verified ID token claims to a kfflow user and session.

The web side (webui/auth/oidc.py) verifies the token; this service decides who the person is here. A user
is created on first sign-in (just in time) with name and e-mail from the claims; on every sign-in the role
follows the groups as roles.yaml `sign_in_groups` declares, and a change of role is written to the user's
role history (UserRoleChange). Someone in no mapped group is refused (or gets the declared role), and
their sessions and API tokens end.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import KfflowError
from kfflow.models import User, UserRoleChange
from kfflow.services.auth_sessions import SignIn, start_session
from kfflow.services.users import DISPLAY_NAME_LENGTH, EMAIL
from kfflow.workflow.loader import GroupRoles

log = logging.getLogger(__name__)

USERNAME_UNSAFE = re.compile(r"[^a-z0-9._-]+")


class SignInRefused(KfflowError):
    """The provider vouched for the person, but kfflow does not let them in (message in Swedish)."""


def role_from_groups(groups, mapping: GroupRoles) -> str | None:
    """The role the first listed group the user is in gives; else the declared default (None: refused)."""
    held = {str(g) for g in groups} if isinstance(groups, (list, tuple, set)) else set()
    for group, role in mapping.groups.items():
        if group in held:
            return role
    return mapping.without_group


def sign_in_from_claims(session: Session, claims: dict, mapping: GroupRoles, *,
                        now: datetime | None = None) -> SignIn:
    """The user the claims (already verified: signature, issuer, audience, expiry, nonce) name, signed in.

    Raises SignInRefused, writing nothing but the end of the person's sessions and tokens, when their
    groups give no role or their kfflow account is deactivated."""
    now = now or utcnow()
    subject = f"{claims['iss']} {claims['sub']}"
    role = role_from_groups(claims.get(mapping.claim), mapping)
    if role is None:
        _refuse_and_end_sessions(session, subject, now)
        log.warning("external sign-in refused for %s: no group of claim %r gives a role", subject, mapping.claim)
        raise SignInRefused("Du har ingen behörighet till kfflow. Be din chef eller IT om att bli tillagd "
                            "i rätt grupp.")
    with write_transaction(session):
        user = session.scalar(select(User).where(User.external_subject == subject))
        if user is None:
            user = User(username=_free_username(session, claims), external_subject=subject, role=role,
                        display_name=_display_name(claims), email=_email(claims), active=True, created_at=now)
            session.add(user)
            session.flush()
            _record_role(session, user, None, role, claims.get(mapping.claim), now)
            log.info("user %s created on first sign-in through %s", user.username, claims["iss"])
        else:
            if not user.active:
                log.warning("external sign-in refused for deactivated user %s", user.username)
                raise SignInRefused("Ditt konto i kfflow är avstängt. Kontakta en administratör.")
            user.display_name = _display_name(claims) or user.display_name
            user.email = _email(claims) or user.email
            if user.role != role:
                _record_role(session, user, user.role, role, claims.get(mapping.claim), now)
                log.info("role of %s follows the groups: %s -> %s", user.username, user.role, role)
                user.role = role
    token = start_session(session, user, now=now)
    log.info("external sign-in succeeded for %s", user.username)
    return SignIn(user=user, token=token)


def _refuse_and_end_sessions(session: Session, subject: str, now: datetime) -> None:
    """Someone the groups no longer let in: any sessions and API tokens they still hold end now."""
    from kfflow.services.credentials import revoke_in_transaction  # it imports users, which this module does

    with write_transaction(session):
        user_id = session.scalar(select(User.id).where(User.external_subject == subject))
        if user_id is not None:
            revoke_in_transaction(session, user_id, now=now)


def _record_role(session: Session, user: User, old: str | None, new: str, groups, now: datetime) -> None:
    session.add(UserRoleChange(user_id=user.id, from_role=old, to_role=new, at=now,
                               groups=sorted(str(g) for g in groups or [])))


def _display_name(claims: dict) -> str:
    name = " ".join(str(claims.get("name") or "").split())[:DISPLAY_NAME_LENGTH]
    return name or str(claims.get("preferred_username") or claims["sub"])[:DISPLAY_NAME_LENGTH]


def _email(claims: dict) -> str | None:
    email = str(claims.get("email") or "")
    return email if EMAIL.match(email) and email.isascii() and len(email) <= 254 else None


def _free_username(session: Session, claims: dict) -> str:
    """A username from preferred_username (or the e-mail's local part), made unique with a number."""
    wanted = str(claims.get("preferred_username") or claims.get("email") or claims["sub"]).lower().split("@")[0]
    base = USERNAME_UNSAFE.sub(".", wanted).strip(".-_")[:70] or "user"
    base = base if len(base) >= 2 else f"{base}.user"
    candidate, number = base, 1
    while session.scalar(select(User.id).where(User.username == candidate)) is not None:
        number += 1
        candidate = f"{base}{number}"
    return candidate
