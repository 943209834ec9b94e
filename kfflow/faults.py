"""A test-only hook: die at a named step as kill -9 or a power cut would, with no cleanup at all.

The kill tests start a real `kfflow` command in a subprocess that first sets `crash_at` to a step name;
everywhere else it stays None and `crash_point` is one comparison.
"""
from __future__ import annotations

import os
import signal

crash_at: str | None = None


def crash_point(step: str) -> None:
    if crash_at == step:
        os.kill(os.getpid(), signal.SIGKILL)
