"""People and organisational bodies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, JSONData, UTCDateTime, utcnow


class Body(Base):
    """An organisational body: the regional board, a committee, the steering group, a department."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # board, committee, steering, council, department, unit
    # The council prepares but cannot decide; decisions go to a body with a mandate.
    has_mandate: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Body {self.name!r}>"


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Set when an admin gave a one-time password: the user must choose their own before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    # "<issuer> <sub>" of a user created by OpenID Connect sign-in: who they are at the identity provider.
    external_subject: Mapped[str | None] = mapped_column(String(500), unique=True)
    # An integration's account: no password, no interactive sign-in, only tokens an admin gives it.
    service_account: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username!r} {self.role}>"


class UserRoleChange(Base):
    """A user's role as their groups at the identity provider set it: first sign-in and every change after."""
    __tablename__ = "user_role_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    from_role: Mapped[str | None] = mapped_column(String(40))
    to_role: Mapped[str] = mapped_column(String(40))
    groups: Mapped[list] = mapped_column(JSONData, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountEvent(Base):
    """What happened to an account outside any case: break-glass sign-ins, tokens given and revoked."""
    __tablename__ = "account_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Who did it, when not the user themselves (an admin giving a service account a token).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    detail: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
