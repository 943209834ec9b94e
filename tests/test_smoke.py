from kfflow.models import Measure
from kfflow.services.cases import available_transitions, history_of

from tests.factories import measure_in_state


def test_measure_walks_to_evaluated(session, users):
    m = measure_in_state(session, users, "evaluated")
    assert session.get(Measure, m.id).state == "evaluated"
    assert [h.trigger for h in history_of(session, m)] == ["propose", "prioritise", "decide", "implement", "evaluate"]
    assert [t.trigger for t in available_transitions(users["steering"], m)] == ["reopen"]
