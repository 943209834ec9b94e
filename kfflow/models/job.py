"""A job: work that takes longer than a request (a report over many measures, registering a yttrande,
confirming a large import), as users see it.

The queue engine (procrastinate) only runs jobs; this row is what a user polls, what caches a result and
what the per-user limit counts. It records who asked, for what, how far it got and how it ended.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kfflow.db import Base, JSONData, UTCDateTime, utcnow

JOB_STATES = ("queued", "running", "done", "failed")
WAITING_STATES = ("queued", "running")


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        # The per-user limit and the de-duplication ask: this user's waiting jobs.
        Index("ix_job_requested_by_state", "requested_by_id", "state"),
        # The cache asks: a finished job of this kind, for these parameters, over this data.
        Index("ix_job_cache", "kind", "params_key", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSONData, default=dict)
    # The parameters as canonical JSON, so that equal requests compare equal in SQL.
    params_key: Mapped[str] = mapped_column(String(500))
    # The data version the result was made from: a cached result is served only while it still matches.
    fingerprint: Mapped[str] = mapped_column(String(64))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # per cent
    # Raised by each run that claims the job: a run ends the job only while it still holds the latest attempt,
    # so a retry after a killed worker and a run that was merely slow cannot both finish it.
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What a job that writes did (the registered document, the import's counts), for its page and the API.
    outcome: Mapped[dict | None] = mapped_column(JSONData)
    # The result's bytes in the blob store (kfflow.storage), stored in the transaction that ends the job.
    # A cached result expires; its file is then deleted and this goes back to NULL.
    result_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)  # Swedish, shown to the user
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by = relationship("User", lazy="raise_on_sql")

    @property
    def waiting(self) -> bool:
        return self.state in WAITING_STATES

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state} {self.progress}%>"
