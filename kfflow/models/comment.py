"""Comments on a case: anyone signed in may add one; none is ever changed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, UTCDateTime
from kfflow.models.user import User


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_case", "case_kind", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_kind: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()
