"""Who may do what: the one place role and relation checks are made, all read from workflows/*.yaml.

`may(actor, action, case)` answers for a transition's trigger or any other action a lifecycle declares
(edit, report_progress, register_document, hand_over …); without a case, for a kind (`kind="measure"`:
may this person import measures, hand measures over?) or for the organisation (`administer`, from
roles.yaml). `available_actions(actor, case)` is everything the pages and the API offer, from the same rules.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import object_session

from kfflow.db import utcnow
from kfflow.errors import GuardFailed, KfflowError, PermissionDenied
from kfflow.workflow import get_workflows
from kfflow.workflow.definition import ActionDef, FieldDef, Grant, TransitionDef, WorkflowDef
from kfflow.workflow.engine import check_guards
from kfflow.workflow.registry import FireContext


def has_relation(actor, case, relation: str | None) -> bool:
    if relation == "owner":
        return case.owner_id is not None and case.owner_id == actor.id
    if relation == "proposer":
        return getattr(case, "proposer_id", None) is not None and case.proposer_id == actor.id
    return False


def is_active(actor) -> bool:
    return actor is not None and actor.active


def may_fire(actor, case, transition: TransitionDef) -> bool:
    """Role or relation only: whether the state allows it is the engine's question."""
    if not is_active(actor):
        return False
    return actor.role in transition.roles or has_relation(actor, case, transition.relation)


def require_active(actor) -> None:
    if not is_active(actor):
        raise PermissionDenied("Du måste vara inloggad med ett aktivt konto.")


def workflow_of(case) -> WorkflowDef:
    return get_workflows().get(case.workflow_name, case.workflow_version)


def _grants(actor, case, grant: Grant) -> bool:
    """Whether `grant` lets `actor` act on `case` in some state (its states are checked apart)."""
    if actor.role in grant.roles:
        return True
    return case is not None and has_relation(actor, case, grant.relation)


def _in_states(case, grant: Grant) -> bool:
    return case is None or grant.states is None or case.state in grant.states


def _lookup(action: str, case, kind: str | None) -> tuple[WorkflowDef | None, ActionDef | None, str | None]:
    """(workflow, the declared action or None, the transition trigger it stands for or None)."""
    workflows = get_workflows()
    if case is None and kind is None:
        found = workflows.actions.get(action)
        if found is None:
            raise KeyError(f"roles.yaml declares no action {action!r}")
        return None, found, None
    wf = workflow_of(case) if case is not None else workflows.current(kind)
    declared = wf.actions.get(action)
    if declared is not None:
        return wf, declared, declared.transition
    if wf.any_with_trigger(action) is None:
        raise KeyError(f"{wf.name} declares no action or transition {action!r}")
    return wf, None, action


def refusal(actor, action: str, case=None, *, kind: str | None = None) -> KfflowError | None:
    """None when `actor` may do `action` now; else why not: PermissionDenied when no state would allow
    it to this person, GuardFailed when the case's state does not allow it now."""
    if not is_active(actor):
        return PermissionDenied("Du måste vara inloggad med ett aktivt konto.")
    wf, declared, trigger = _lookup(action, case, kind)
    label = declared.label if declared else wf.any_with_trigger(trigger).label
    denied = PermissionDenied(f"Din roll får inte ”{label}” här.")
    if trigger is not None:
        candidates = [t for t in wf.transitions if t.trigger == trigger and not t.by_import]
        if not any(may_fire(actor, case, t) if case is not None else actor.role in t.roles for t in candidates):
            return denied
        if case is not None:
            now_t = wf.find(trigger, case.state)
            if now_t is None or now_t.by_import:
                return GuardFailed(f"”{label}” kan inte göras när ärendet är {wf.state_label(case.state).lower()}.")
            if not may_fire(actor, case, now_t):
                return denied
        return None
    permitted = [g for g in declared.grants if _grants(actor, case, g)]
    if not permitted:
        return denied
    if not any(_in_states(case, g) for g in permitted):
        return GuardFailed(f"”{label}” kan inte göras när ärendet är {wf.state_label(case.state).lower()}.")
    return None


def roles_for(action: str, *, kind: str | None = None) -> list[str]:
    """The roles that may do `action` to cases of `kind` (or organisation-wide), sorted: for messages."""
    wf, declared, trigger = _lookup(action, None, kind)
    if trigger is not None:
        return sorted({r for t in wf.transitions if t.trigger == trigger and not t.by_import for r in t.roles})
    return sorted({r for g in declared.grants for r in g.roles})


def may(actor, action: str, case=None, *, kind: str | None = None) -> bool:
    """Whether `actor` may do `action` (a declared action or a transition's trigger) to `case` now.

    Without a case: to cases of `kind` in general (roles only), or without a kind in the whole organisation."""
    return refusal(actor, action, case, kind=kind) is None


def require(actor, action: str, case=None, *, kind: str | None = None, denied: str | None = None) -> None:
    """Raise what `refusal` finds; `denied` words the PermissionDenied for this use."""
    found = refusal(actor, action, case, kind=kind)
    if isinstance(found, PermissionDenied) and denied and is_active(actor):
        raise PermissionDenied(denied)
    if found is not None:
        raise found


@dataclass(frozen=True)
class AvailableTransition:
    trigger: str
    label: str
    dest: str
    dest_label: str
    fields: tuple[FieldDef, ...]
    evidence: bool = False  # takes evidence files (`evidence: true` in the lifecycle)

    @property
    def plain_fields(self) -> tuple[FieldDef, ...]:
        """The fields a client fills one value each (text, date, user, number, choice, measures)."""
        return tuple(f for f in self.fields if f.type != "scores")

    @property
    def judgement(self) -> FieldDef | None:
        """The scoring model's judgement (`{criterion: step}`), when the transition takes one."""
        return next((f for f in self.fields if f.type == "scores"), None)


def available_transitions(actor, case, *, now: datetime | None = None) -> list[AvailableTransition]:
    """Exactly the transitions this actor may fire on this case now, with the fields each requires."""
    if not is_active(actor):
        return []
    wf = workflow_of(case)
    result = []
    for t in wf.transitions_from(case.state):
        if t.by_import or not may_fire(actor, case, t):
            continue
        ctx = FireContext(session=object_session(case), actor=actor, case=case, transition=t,
                          fields=None, now=now or utcnow())
        if check_guards(ctx, t, with_fields=False):
            continue
        dest = t.dest_from(case.state)
        result.append(AvailableTransition(t.trigger, t.label, dest, wf.state_label(dest), t.fields, t.evidence))
    return result


@dataclass(frozen=True)
class Offer:
    """What a page or an API client may offer this person: `"edit" in offer`, `offer.transitions`.

    `later` holds the actions this person may do to the case in another state ("when the decision is in")."""
    actions: dict[str, ActionDef]
    transitions: tuple[AvailableTransition, ...] = ()
    later: frozenset[str] = frozenset()

    def __contains__(self, name: str) -> bool:
        return name in self.actions or any(t.trigger == name for t in self.transitions)

    def label(self, name: str) -> str:
        return self.actions[name].label


def available_actions(actor, case=None, *, kind: str | None = None, now: datetime | None = None) -> Offer:
    """Every declared action `actor` may do now (to `case`, to cases of `kind`, or organisation-wide),
    and with a case the transitions they may fire."""
    if case is None and kind is None:
        declared = get_workflows().actions
    else:
        declared = (workflow_of(case) if case is not None else get_workflows().current(kind)).actions
    verdicts = {name: refusal(actor, name, case, kind=kind) for name in declared}
    return Offer({name: declared[name] for name, why in verdicts.items() if why is None},
                 tuple(available_transitions(actor, case, now=now)) if case is not None else (),
                 frozenset(name for name, why in verdicts.items() if isinstance(why, GuardFailed)))
