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
    def connect(cls, url: str, **engine_kwargs) -> "Database":
        engine = make_engine(url, **engine_kwargs)
        return cls(url=url, engine=engine, sessions=make_session_factory(engine))

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        if settings.database_url.startswith("sqlite"):
            settings.ensure_instance()
        return cls.connect(settings.database_url)

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()
