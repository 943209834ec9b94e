import pytest

from kfflow.errors import PermissionDenied, ValidationError
from kfflow.models import Measure
from kfflow.services.cases import history_of
from kfflow.services.handover import hand_over

from tests.conftest import NOW
from tests.factories import measure_in_state


def test_hands_every_open_case_to_the_new_owner(session, users):
    decided = measure_in_state(session, users, "decided", title="A")
    implemented = measure_in_state(session, users, "implemented", title="B")
    proposed = measure_in_state(session, users, "proposed", title="C")
    result = hand_over(session, users["steering"], from_owner="owner", to_owner="other_owner",
                       reason="Särskild ledning avvecklas; HR tar över", now=NOW)
    assert sorted(i for _, i, _ in result.handed_over) == [decided.id, implemented.id]
    for m in (decided, implemented):
        assert session.get(Measure, m.id).owner_id == users["other_owner"].id
        last = history_of(session, m)[-1]
        assert (last.trigger, last.fields["owner"], last.comment) == ("reassign", "other_owner", "Överlämning")
    assert session.get(Measure, proposed.id).owner_id is None


def test_dry_run_changes_nothing(session, users):
    m = measure_in_state(session, users, "decided")
    before = len(history_of(session, m))
    result = hand_over(session, users["steering"], from_owner="owner", to_owner="other_owner",
                       reason="Test", dry_run=True, now=NOW)
    assert [i for _, i, _ in result.handed_over] == [m.id]
    assert session.get(Measure, m.id).owner_id == users["owner"].id
    assert len(history_of(session, m)) == before


def test_is_all_or_nothing_and_checks_roles(session, users):
    a = measure_in_state(session, users, "decided", title="A")
    with pytest.raises(PermissionDenied):
        hand_over(session, users["council"], from_owner="owner", to_owner="other_owner", reason="x", now=NOW)
    assert session.get(Measure, a.id).owner_id == users["owner"].id
    with pytest.raises(ValidationError) as err:
        hand_over(session, users["steering"], from_owner="owner", to_owner="nobody", reason="", now=NOW)
    assert set(err.value.fields) == {"to_owner", "reason"}


def test_permission_is_checked_before_anything_is_skipped(session, users):
    m = measure_in_state(session, users, "decided", owner=users["other_owner"])
    with pytest.raises(PermissionDenied):
        hand_over(session, users["owner"], case_ids=[("measure", m.id)], to_owner="other_owner", reason="x", now=NOW)
