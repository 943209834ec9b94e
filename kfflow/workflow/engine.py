"""One `transitions.Machine` per workflow definition, shared by every case of that version.

A machine per ORM object would cost over a gigabyte per thousand objects (transitions issue #146),
so machines are built with model=None and the case is handed to an event's trigger directly.
Guards and effects are plain callables taken from the registry, never strings.
"""
from __future__ import annotations

import threading

from transitions import Machine

from kfflow.errors import GuardFailed
from kfflow.workflow.definition import TransitionDef, WorkflowDef
from kfflow.workflow.fields import to_record
from kfflow.workflow.registry import EFFECTS, GUARDS, FireContext

_lock = threading.Lock()


def check_guards(ctx: FireContext, transition: TransitionDef, *, with_fields: bool) -> str | None:
    """The first guard's reason for refusing, or None. Without fields, guards that need them are skipped."""
    for name in transition.guards:
        guard = GUARDS[name]
        if guard.needs_fields and not with_fields:
            continue
        reason = guard.check(ctx)
        if reason:
            return reason
    return None


def _condition(event) -> bool:
    ctx: FireContext = event.kwargs["ctx"]
    reason = check_guards(ctx, ctx.transition, with_fields=True)
    if reason:
        raise GuardFailed(reason)
    return True


def _assign_fields(event) -> None:
    ctx: FireContext = event.kwargs["ctx"]
    for field in ctx.transition.fields:
        if field.assign and field.name in ctx.fields:
            value = ctx.fields[field.name]
            if field.type == "user":
                setattr(ctx.case, f"{field.name}_id", value.id)
                setattr(ctx.case, field.name, value)
            else:
                setattr(ctx.case, field.name, value)


def _run_effects(event) -> None:
    ctx: FireContext = event.kwargs["ctx"]
    for name in ctx.transition.effects:
        EFFECTS[name](ctx)


def build_machine(definition: WorkflowDef) -> Machine:
    machine = Machine(model=None, states=list(definition.states), initial=definition.initial,
                      auto_transitions=False, send_event=True, name=f"{definition.name}-v{definition.version}")
    for t in definition.transitions:
        machine.add_transition(t.trigger, list(t.sources), t.dest, conditions=[_condition],
                               before=[_assign_fields], after=[_run_effects])
    return machine


def machine_for(definition: WorkflowDef) -> Machine:
    """The definition's machine, built once and kept on the definition itself."""
    if definition.machine is None:
        with _lock:
            if definition.machine is None:
                definition.machine = build_machine(definition)
    return definition.machine


def run_transition(definition: WorkflowDef, ctx: FireContext) -> None:
    """Run guards, assignments and effects, and move the case's `state` through the shared machine."""
    machine = machine_for(definition)
    if not machine.events[ctx.transition.trigger].trigger(ctx.case, ctx=ctx):
        raise GuardFailed("Övergången kunde inte genomföras.")


def record_fields(ctx: FireContext) -> dict:
    return {name: to_record(value) for name, value in (ctx.fields or {}).items()}
