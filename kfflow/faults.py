"""A test-only hook: die at a named step as kill -9 or a power cut would, with no cleanup at all.

The kill tests set KFFLOW_CRASH_AT to a step name in a subprocess; unset (always, outside those tests)
`crash_point` is one dictionary lookup.
"""
from __future__ import annotations

import os
import signal

CRASH_ENV = "KFFLOW_CRASH_AT"


def crash_point(step: str) -> None:
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
