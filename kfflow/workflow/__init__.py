"""Lifecycles as data: load and validate the YAML definitions and run them on `transitions`."""
from __future__ import annotations

import threading
from pathlib import Path

from kfflow.workflow.loader import WorkflowSet, load_workflows

_current: WorkflowSet | None = None
_lock = threading.Lock()


def configure(workflows: WorkflowSet | Path | str) -> WorkflowSet:
    """Use these definitions from now on (start-up, or a test with its own files)."""
    global _current
    loaded = workflows if isinstance(workflows, WorkflowSet) else load_workflows(workflows)
    with _lock:
        _current = loaded
    return loaded


def late(state: str, due_date, today, workflow=None) -> bool:
    """The one meaning of "late" (försenad) that lists, filters, pages and reports share: a due date before
    `today` in a state the lifecycle (by default the current measure lifecycle) tags `can_be_late`."""
    workflow = workflow or get_workflows().current("measure")
    return due_date is not None and due_date < today and workflow.has_tag(state, "can_be_late")


def is_late(case, today) -> bool:
    return late(case.state, case.due_date, today, get_workflows().get(case.workflow_name, case.workflow_version))


def get_workflows() -> WorkflowSet:
    """The configured definitions; loaded from KFFLOW_WORKFLOWS (default ./workflows) on first use."""
    global _current
    if _current is None:
        from kfflow.config import Settings

        with _lock:
            if _current is None:
                _current = load_workflows(Settings.from_env().workflows_path)
    return _current


__all__ = ["WorkflowSet", "load_workflows", "configure", "get_workflows", "is_late", "late"]
