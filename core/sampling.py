"""Fair, reproducible follow-up samples (SPEC §4: "drawn fairly, reproducible with a seed").

Why a hash and not a random generator: the draw for a ticket must not depend on which
other tickets were resolved before it, in what order, or on which server. A keyed
BLAKE2b of (seed, ticket number, round) is uniform on [0, 1), the same everywhere, and
lets anyone re-check a decision from the figures stored with it.
"""

from __future__ import annotations

import hashlib
import math

_SCALE = float(2**64)


def draw(seed: int, number: str, round_: int = 0, purpose: str = "followup") -> float:
    """A uniform number in [0, 1) for this ticket and round; `purpose` gives independent draws."""
    digest = hashlib.blake2b(f"{purpose}:{number}:{round_}".encode(), digest_size=8,
                             key=str(seed).encode()[:64]).digest()
    return int.from_bytes(digest, "big") / _SCALE


def selected(rate: float, u: float) -> bool:
    """Drawn when the draw falls below the rate: P(selected) = rate exactly."""
    return u < rate


def visit_share(in_person_min: float, rate: float) -> float:
    """The share of sampled repairs to visit so that visits reach `in_person_min` of all."""
    return 1.0 if rate <= 0 else min(1.0, in_person_min / rate)


def visits_short(visits: int, decided: int, in_person_min: float) -> bool:
    """True when visits so far fall below the floor for `decided` repairs (top-up needed)."""
    return visits < math.floor(in_person_min * decided)
