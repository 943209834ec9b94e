"""Every (state, trigger, role, relation): allowed, or the exact typed error — on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from types import SimpleNamespace

from kfflow.models import Audit, HistoryEntry, Measure, Recommendation
from kfflow.services.access import available_actions, may
from kfflow.services.cases import fire
from kfflow.workflow import load_workflows
from sqlalchemy import func, select

from tests.conftest import NOW, ROLES, WORKFLOWS_PATH
from tests.rules.table import (ACTIONS, ORGANISATION, PERMISSIONS, RELATIONS, action_allowed, expected_outcome, rule,
                               valid_values)

WORKFLOWS = load_workflows(WORKFLOWS_PATH)
CASES = [(wf, trigger) for wf in PERMISSIONS for trigger in PERMISSIONS[wf]]


def test_every_transition_has_exactly_its_row():
    assert set(PERMISSIONS) == set(WORKFLOWS.names())
    for name in WORKFLOWS.names():
        wf = WORKFLOWS.current(name)
        defined = {}
        for t in wf.transitions:
            defined.setdefault(t.trigger, {"from": [], "roles": sorted(t.roles), "relation": t.relation,
                                           "by_import": t.by_import})
            defined[t.trigger]["from"].extend(t.sources)
        table = {trig: {"from": r["from"], "roles": sorted(r["roles"]), "relation": r.get("relation"),
                        "by_import": r.get("by_import", False)}
                 for trig, r in PERMISSIONS[name].items()}
        assert set(defined) == set(table), f"{name}: transitions and rule rows differ"
        for trig in defined:
            assert sorted(defined[trig]["from"]) == sorted(table[trig]["from"]), (name, trig)
            assert defined[trig]["roles"] == table[trig]["roles"], (name, trig)
            assert defined[trig]["relation"] == table[trig]["relation"], (name, trig)
            assert defined[trig]["by_import"] == table[trig]["by_import"], (name, trig)


def test_every_action_has_exactly_its_row():
    assert set(ACTIONS) == set(WORKFLOWS.names())
    for name in WORKFLOWS.names():
        assert set(WORKFLOWS.current(name).actions) == set(ACTIONS[name]), f"{name}: actions and rule rows differ"
    assert set(WORKFLOWS.actions) == set(ORGANISATION)


ACTION_CASES = [(wf, action) for wf in ACTIONS for action in ACTIONS[wf]]
MODELS = {"measure": Measure, "recommendation": Recommendation, "audit": Audit}


@pytest.mark.parametrize("workflow,action", ACTION_CASES, ids=["-".join(c) for c in ACTION_CASES])
def test_action(workflow, action):
    """`may` against the table for every state, role and relation (no database: only the rules are read)."""
    wf = WORKFLOWS.current(workflow)
    for role in ROLES:
        actor = SimpleNamespace(id=1, role=role, active=True)
        where = f"{workflow}.{action} as {role} without a case"
        assert may(actor, action, kind=workflow) == action_allowed(workflow, action, None, role, None), where
        assert (action in available_actions(actor, kind=workflow)) == may(actor, action, kind=workflow), where
        for state in wf.states:
            for relation in RELATIONS:
                case = MODELS[workflow](state=state, workflow_name=workflow, workflow_version=wf.version,
                                        owner_id=1 if relation == "owner" else 2)
                if workflow == "measure":
                    case.proposer_id = 1 if relation == "proposer" else 2
                elif relation == "proposer":
                    continue
                expected = action_allowed(workflow, action, state, role, relation)
                assert may(actor, action, case) == expected, f"{workflow}.{action} in {state} as {role} ({relation})"
    assert not may(SimpleNamespace(id=1, role="steering", active=False), action, kind=workflow)


@pytest.mark.parametrize("action", sorted(ORGANISATION))
def test_organisation_action(action):
    for role in ROLES:
        actor = SimpleNamespace(id=1, role=role, active=True)
        assert may(actor, action) == action_allowed(None, action, None, role, None), (action, role)
        assert (action in available_actions(actor)) == may(actor, action)


def _case(session, workflow, state, actor, relation, users):
    other = users["other_owner"]
    owner_id = actor.id if relation == "owner" else other.id
    common = dict(state=state, workflow_name=workflow, workflow_version=WORKFLOWS.current(workflow).version,
                  owner_id=owner_id)
    if workflow == "measure":
        case = Measure(title=f"{state}-{relation}", proposer_id=actor.id if relation == "proposer" else other.id,
                       due_date=NOW.date(), **common)
    elif workflow == "audit":
        case = Audit(name="Granskning", number="1/2026", subject="Test", **common)
    else:
        audit = Audit(name="Granskning", number="1/2026", subject="Test", state="registered",
                      workflow_name="audit", workflow_version=WORKFLOWS.current("audit").version)
        session.add(audit)
        session.flush()
        number = session.scalar(select(func.count(Recommendation.id))) + 1
        case = Recommendation(audit_id=audit.id, number=number, text="Rekommendation", answer="Svar", **common)
    session.add(case)
    session.commit()
    return case


@pytest.mark.parametrize("workflow,trigger", CASES, ids=["-".join(c) for c in CASES])
def test_rule(session, users, workflow, trigger):
    wf = WORKFLOWS.current(workflow)
    fields = valid_values(wf.any_with_trigger(trigger).fields, users)
    for role, state, relation in ((r, s, rel) for r in ROLES for s in wf.states for rel in RELATIONS):
        actor = users[role]
        if relation == "proposer" and workflow != "measure":
            continue
        case = _case(session, workflow, state, actor, relation, users)
        expected = expected_outcome(workflow, trigger, state, role, relation)
        before = session.scalar(select(func.count(HistoryEntry.id)))
        where = f"{workflow}.{trigger} from {state} as {role} (relation {relation})"
        if expected is None:
            fire(session, actor, case, trigger, fields, case.version, now=NOW)
            t = wf.find(trigger, state)
            assert case.state == t.dest_from(state), where
            assert session.scalar(select(func.count(HistoryEntry.id))) == before + 1, where
        else:
            with pytest.raises(expected):
                fire(session, actor, case, trigger, fields, case.version, now=NOW)
            session.refresh(case)
            assert case.state == state, where
            assert session.scalar(select(func.count(HistoryEntry.id))) == before, where


def test_rule_table_covers_the_roles_file():
    assert set(ROLES) == set(WORKFLOWS.roles)
    assert rule("measure", "decide")["roles"] == ["steering"]
