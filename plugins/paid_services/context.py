"""Finding the site's Desk from inside a hook.

`classify_ticket`, `ticket_created` and `followup_recorded` receive plain dicts, not the
desk, yet this plugin keeps its facts (warranty dates, jobs) in the site database. The
core always calls them from a function holding the `Desk`, so the caller's frames have it;
a `desk` argument on those hooks would be cleaner (hooks only gain arguments) and is
proposed in the issue note.
"""

from __future__ import annotations

import sys
from typing import Any

from core.desk import Desk

DEPTH = 30


def find_desk(config: Any = None) -> Desk | None:
    """The nearest `Desk` up the call stack (with this `config`, when given)."""
    frame = sys._getframe(1)
    for _ in range(DEPTH):
        if frame is None:
            return None
        for value in frame.f_locals.values():
            if isinstance(value, Desk) and (config is None or value.config is config):
                return value
        frame = frame.f_back
    return None
