"""Production mail: the sweep queues reminders, `kfflow worker` delivers them as a procrastinate job — exactly
once however many deliveries are asked for or run (real SMTP server: aiosmtpd; the queue in PostgreSQL)."""
from __future__ import annotations

from collections import Counter

import pytest
from pydantic import SecretStr

from kfflow.jobs.queue import WORKER, JobQueue

from tests.conftest import future
from tests.factories import measure_in_state
from tests.reminders_support import at, sweep

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the worker's queue lives there


def test_the_worker_delivers_what_the_sweep_queued_exactly_once(database, session, users, settings, smtp_server):
    measure_in_state(session, users, "decided", title="Förmånsportal, införande")
    measure_in_state(session, users, "decided", title="Fler e-besök", owner=users["other_owner"])
    now = at(future(), days=-3)
    queued = sweep(database, now)  # as the scheduler sweeps with KFFLOW_JOBS=worker: no mailer, rows only
    assert queued.waiting >= 2 and smtp_server.messages == []

    queue = JobQueue(database, WORKER, settings=settings.model_copy(update={"smtp_url": SecretStr(smtp_server.url)}))
    assert queue.defer_mail_delivery(now) is True
    assert queue.defer_mail_delivery(now) is False  # one delivery is waiting already: not a second one
    queue.run_worker(wait=False, listen_notify=False)
    sent = Counter((tuple(rcpt), message["Subject"]) for rcpt, message in smtp_server.messages)
    assert len(sent) == queued.waiting and max(sent.values()) == 1
    assert {address for rcpt, _ in sent for address in rcpt} == {"owner@example.org", "other_owner@example.org"}

    # Another sweep and another delivery at the same time: nothing is due twice, nothing goes out twice.
    assert sweep(database, now).waiting == 0
    assert queue.defer_mail_delivery(now) is True
    queue.run_worker(wait=False, listen_notify=False)
    assert len(smtp_server.messages) == queued.waiting
