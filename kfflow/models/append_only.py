"""Tables whose rows, once written, are never changed (history, the document register, stored bytes)."""
from __future__ import annotations

from sqlalchemy import DDL, Table, event
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


# --- the same refusal in the database itself, for plain SQL from any client ---------------------------------

_PG_FUNCTION = """CREATE OR REPLACE FUNCTION kfflow_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on %: rows of this table are never changed or deleted', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$"""


def database_guard_sql(table_name: str, dialect: str) -> list[str]:
    """The statements that make the database refuse UPDATE and DELETE on `table_name` (a migration runs them
    too). TRUNCATE is not refused: it needs the table owner's privilege, which the application role need not
    have (docs/records.md)."""
    if dialect == "postgresql":
        return [_PG_FUNCTION,
                f'CREATE TRIGGER {table_name}_append_only BEFORE UPDATE OR DELETE ON "{table_name}" '
                f"FOR EACH ROW EXECUTE FUNCTION kfflow_refuse_change()"]
    if dialect == "sqlite":
        return [f'CREATE TRIGGER {table_name}_no_{op.lower()} BEFORE {op} ON "{table_name}" '
                f"BEGIN SELECT RAISE(ABORT, '{op} on {table_name}: rows of this table are never changed or "
                f"deleted'); END" for op in ("UPDATE", "DELETE")]
    return []


# history_entry: the one change allowed is thinning (docs/records.md): content replaced once by a digest, with
# the columns that place the entry in its chain unchanged. The chain still verifies through the digest.
_HISTORY_KEPT = ("id", "case_kind", "case_id", "seq", "entry_hash", "trigger", "from_state", "to_state",
                 "actor_id", "at", "workflow_version")
_THINNING = (f"OLD.thinned_digest IS NULL AND NEW.thinned_digest IS NOT NULL AND "
             + " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _HISTORY_KEPT))


def history_guard_sql(dialect: str) -> list[str]:
    """Like `database_guard_sql`, for history_entry, letting thinning through."""
    if dialect == "postgresql":
        return ["""CREATE OR REPLACE FUNCTION kfflow_history_thinning_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND """ + _THINNING + """ THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on %: rows of this table are never changed or deleted (only thinned)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$""",
                'CREATE TRIGGER history_entry_append_only BEFORE UPDATE OR DELETE ON "history_entry" '
                "FOR EACH ROW EXECUTE FUNCTION kfflow_history_thinning_only()"]
    if dialect == "sqlite":
        thinning = _THINNING.replace("IS NOT DISTINCT FROM", "IS")
        return [f'CREATE TRIGGER history_entry_no_update BEFORE UPDATE ON "history_entry" WHEN NOT ({thinning}) '
                "BEGIN SELECT RAISE(ABORT, 'UPDATE on history_entry: rows of this table are never changed or "
                "deleted (only thinned)'); END",
                database_guard_sql("history_entry", "sqlite")[1]]
    return []


def drop_database_guard_sql(table_name: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f'DROP TRIGGER IF EXISTS {table_name}_append_only ON "{table_name}"']
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table_name}_no_{op}" for op in ("update", "delete")]
    return []


def refuse_changes_in_database(table: Table, guard=None) -> None:
    """Create the guard (`guard(dialect)`, else `database_guard_sql`) with the table, so `metadata.create_all`,
    as the tests use, has it as a migrated database does."""
    for dialect in ("postgresql", "sqlite"):
        for statement in (guard(dialect) if guard else database_guard_sql(table.name, dialect)):
            # DDL formats its text with %, so the function's own % are doubled.
            event.listen(table, "after_create", DDL(statement.replace("%", "%%")).execute_if(dialect=dialect))
