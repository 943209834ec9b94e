"""Every (state, trigger, role, relation): allowed, or the exact typed error — on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from kfflow.models import Audit, HistoryEntry, Measure, Recommendation
from kfflow.services.cases import fire
from kfflow.workflow import load_workflows
from sqlalchemy import func, select

from tests.conftest import NOW, ROLES, WORKFLOWS_PATH
from tests.rules.table import PERMISSIONS, RELATIONS, expected_outcome, rule, valid_values

WORKFLOWS = load_workflows(WORKFLOWS_PATH)
CASES = [(wf, trigger) for wf in PERMISSIONS for trigger in PERMISSIONS[wf]]


def test_every_transition_has_exactly_its_row():
    assert set(PERMISSIONS) == set(WORKFLOWS.names())
    for name in WORKFLOWS.names():
        wf = WORKFLOWS.current(name)
        defined = {}
        for t in wf.transitions:
            defined.setdefault(t.trigger, {"from": [], "roles": sorted(t.roles), "relation": t.relation})
            defined[t.trigger]["from"].extend(t.sources)
        table = {trig: {"from": r["from"], "roles": sorted(r["roles"]), "relation": r.get("relation")}
                 for trig, r in PERMISSIONS[name].items()}
        assert set(defined) == set(table), f"{name}: transitions and rule rows differ"
        for trig in defined:
            assert sorted(defined[trig]["from"]) == sorted(table[trig]["from"]), (name, trig)
            assert defined[trig]["roles"] == table[trig]["roles"], (name, trig)
            assert defined[trig]["relation"] == table[trig]["relation"], (name, trig)


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
