"""Finding the site's Desk from inside `validate_transition`.

The hook receives the ticket as a plain dict, not the desk, yet the open loans it must
consult live in the site database. The core always fires it from `core.tickets._guard`,
which holds the `Desk`, so the nearest caller frame that has one is the right site. A
`desk` argument on the hook (hooks only gain arguments) would be cleaner: proposed in the
issue note.
"""

from __future__ import annotations

import sys
from typing import Any

from core.desk import Desk

DEPTH = 30


def find_desk() -> Desk | None:
    """The nearest `Desk` up the call stack, or None."""
    frame: Any = sys._getframe(1)
    for _ in range(DEPTH):
        if frame is None:
            return None
        for value in frame.f_locals.values():
            if isinstance(value, Desk):
                return value
        frame = frame.f_back
    return None
