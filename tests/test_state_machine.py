"""Random triggers by random actors: the state stays defined, history grows by exactly one per success,
and no unauthorised fire ever succeeds (checked against the independent rule table)."""
from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from kfflow.errors import KfflowError
from kfflow.models import HistoryEntry, Measure
from kfflow.services.cases import available_transitions, fire
from kfflow.services.measures import propose_measure
from kfflow.workflow import get_workflows

from tests.conftest import NOW
from tests.rules.table import PERMISSIONS, expected_outcome, valid_values

TRIGGERS = sorted(PERMISSIONS["measure"])
ACTORS = ["contributor", "owner", "council", "steering", "registrar", "admin", "other_owner"]


def test_random_lifecycles_keep_the_invariants(session, users):
    workflow = get_workflows().current("measure")
    successes: list[str] = []
    failures: list = []

    class Lifecycle(RuleBasedStateMachine):
        @initialize()
        def propose(self):
            self.measure = propose_measure(session, users["contributor"], {"title": "Slumpad åtgärd"}, now=NOW)
            self.history = 1

        def _relation(self, actor) -> str | None:
            if self.measure.owner_id == actor.id:
                return "owner"
            if self.measure.proposer_id == actor.id:
                return "proposer"
            return None

        @rule(trigger=st.sampled_from(TRIGGERS), who=st.sampled_from(ACTORS), complete=st.booleans(),
              stale=st.booleans())
        def fire_something(self, trigger, who, complete, stale):
            actor = users[who]
            state, version = self.measure.state, self.measure.version
            relation = self._relation(actor)
            permitted = expected_outcome("measure", trigger, state, actor.role, relation) is None
            fields = valid_values(workflow.any_with_trigger(trigger).fields, users)
            if not complete and fields:
                fields.pop(next(iter(fields)))
            try:
                fire(session, actor, self.measure, trigger, fields, version - 1 if stale else version, now=NOW)
                succeeded = True
            except KfflowError as exc:
                failures.append((trigger, who, state, type(exc).__name__, exc.message))
                succeeded = False
            session.refresh(self.measure)
            if succeeded:
                assert permitted, f"{who} fired {trigger} from {state} without permission"
                self.history += 1
                successes.append(trigger)
            else:
                assert (self.measure.state, self.measure.version) == (state, version)

        @rule(who=st.sampled_from(ACTORS), pick=st.integers(min_value=0, max_value=8))
        def fire_what_is_offered(self, who, pick):
            """What available_transitions offers must succeed with valid fields (drives the walk deeper)."""
            actor = users[who]
            offered = available_transitions(actor, self.measure, now=NOW)
            # Prefer moves that keep the case open, so walks reach the later states too.
            offered = [t for t in offered if not workflow.states[t.dest].final] or offered
            if not offered:
                return
            choice = offered[pick % len(offered)]
            fire(session, actor, self.measure, choice.trigger, valid_values(choice.fields, users),
                 self.measure.version, now=NOW)
            session.refresh(self.measure)
            self.history += 1
            successes.append(choice.trigger)

        @invariant()
        def state_is_defined(self):
            assert self.measure.state in workflow.states

        @invariant()
        def history_grows_only_on_success(self):
            count = session.scalar(select(func.count(HistoryEntry.id)).where(
                HistoryEntry.case_kind == "measure", HistoryEntry.case_id == self.measure.id))
            assert count == self.history

    run_state_machine_as_test(Lifecycle, settings=settings(
        max_examples=60, stateful_step_count=20, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
    assert len(set(successes)) >= 4, f"the random walk barely moved: {successes} {failures[:20]}"
    assert session.scalar(select(func.count(Measure.id))) >= 1
