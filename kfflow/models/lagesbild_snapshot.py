"""A frozen lägesbild: the numbers as they stood when frozen, so a report made from them can be made again."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, JSONData, UTCDateTime, utcnow
from kfflow.models.user import User


class LagesbildSnapshot(Base):
    __tablename__ = "lagesbild_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    # Set for the snapshot the sweep freezes at a steering meeting; unique, so however many nodes sweep,
    # a meeting is frozen exactly once (NULLs, the hand-frozen ones, do not collide).
    meeting_date: Mapped[date | None] = mapped_column(Date, unique=True)
    working_group: Mapped[str | None] = mapped_column(String(120))
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    data: Mapped[dict] = mapped_column(JSONData)   # the lägesbild as the API answers it

    frozen_by: Mapped[User | None] = relationship()
