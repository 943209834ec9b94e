"""Build cases for tests through the services, as people would."""
from __future__ import annotations

from kfflow.services.cases import fire
from kfflow.services.measures import propose_measure

from tests.conftest import NOW, future


# A judgement on every criterion of workflows/scoring.yaml (3·3 + 4·3 + 2·3 + 1·3 = 30 points).
SCORES = {"effect": 3, "certainty": 3, "cost": 2, "time_to_effect": 2}


def measure_in_state(session, users, state: str, *, title="Förmånsportal, införande", owner=None, now=NOW,
                     scores=None):
    """A measure walked through the lifecycle to `state` by the right roles."""
    owner = owner or users["owner"]
    m = propose_measure(session, users["contributor"], {"title": title}, now=now)
    path = {
        "proposed": [],
        "prioritised": ["prioritise"],
        "decided": ["prioritise", "decide"],
        "implemented": ["prioritise", "decide", "implement"],
        "evaluated": ["prioritise", "decide", "implement", "evaluate"],
        "rejected": ["reject"],
        "withdrawn": ["withdraw"],
    }[state]
    values = {
        "prioritise": {"priority": 2, "category": "recruit", "expected_effect": "Fler sökande per tjänst.",
                       "scores": scores or SCORES},
        "decide": {"owner": owner.username, "due_date": future().isoformat(), "decision_ref": "RS 2023-03-28 § 81"},
        "implement": {"implementation_note": "Införd."},
        "evaluate": {"evaluation": "Fungerar.", "effect": "achieved"},
        "reject": {"reason": "Ryms inte i budget."},
        "withdraw": {"reason": "Dubblett."},
    }
    actor_for = {"implement": owner}
    for trigger in path:
        fire(session, actor_for.get(trigger, users["steering"]), m, trigger, values[trigger], now=now)
    return m
