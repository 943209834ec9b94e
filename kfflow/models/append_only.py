"""Tables whose rows, once written, are never changed (history, the document register, stored bytes)."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session


def refuse_changes(model, error: type[Exception], noun: str, *, deletes: bool = True) -> None:
    """Make every ORM update (and unless `deletes` is False, delete) of `model` rows, one by one or in bulk,
    raise `error`."""

    @event.listens_for(model, "before_update")
    def _refuse_update(_mapper, _connection, target):
        raise error(f"{noun} {target.id} may not be changed")

    if deletes:
        @event.listens_for(model, "before_delete")
        def _refuse_delete(_mapper, _connection, target):
            raise error(f"{noun} {target.id} may not be deleted")

    @event.listens_for(Session, "do_orm_execute")
    def _refuse_bulk_changes(state):
        if (state.is_update or (deletes and state.is_delete)) and any(m.class_ is model for m in state.all_mappers):
            raise error(f"rows of {model.__tablename__} may not be changed" + (" or deleted" if deletes else ""))
