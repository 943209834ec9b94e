"""One object a process holds: the engine and the session factory for the configured database."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kfflow.config import Settings
from kfflow.db import make_engine, make_session_factory


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str, *, blob_store=None, **engine_kwargs) -> "Database":
        """`blob_store`: where stored files' bytes go (`kfflow.storage`); None keeps them in the database."""
        engine = make_engine(url, **engine_kwargs)
        info = {"blob_store": blob_store} if blob_store is not None else None
        return cls(url=url, engine=engine, sessions=make_session_factory(engine, info=info))

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        if settings.database_url.startswith("sqlite"):
            settings.ensure_instance()
        blob_store = None
        if settings.storage_url is not None:
            from kfflow.storage.s3 import s3_store_from_url

            blob_store = s3_store_from_url(settings.storage_url.get_secret_value())
        return cls.connect(settings.database_url, blob_store=blob_store)

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()
