"""A refund is granted by a supervisor or manager who did not take the payment: nobody
approves their own takings; never dated before the payment (through the CLI)."""

from __future__ import annotations

import json
from typing import Any

from core.desk import Desk

from .conftest import completed


def test_a_refund_is_not_granted_by_who_took_the_payment(priced: Desk, paid_run: Any) -> None:
    job = completed(priced)["number"]
    paid = paid_run("--as", "刘洋", "paid", "pay", job, "--method", "cash", "--receipt", "R1",
                    "--at", "2026-11-18 15:10")
    assert paid.exit_code == 0, paid.output
    refund = ["paid", "refund", job, "--amount", "10", "--reason", "少用一个水龙头",
              "--receipt", "R2"]
    own = paid_run("--as", "刘洋", *refund, "--at", "2026-11-18 16:00")
    assert own.exit_code == 2
    assert own.stderr.strip() == (f"error: as: 刘洋 took the payment on {job}: a refund is "
                                  "granted by another supervisor or manager (nobody approves "
                                  "their own takings)")
    early = paid_run("--as", "陈静", *refund, "--at", "2026-11-18 15:00")
    assert early.exit_code == 2 and early.stderr.startswith("error: at: ")
    ok = paid_run("--as", "陈静", *refund, "--at", "2026-11-18 16:00")
    assert ok.exit_code == 0, ok.output
    shown = paid_run("paid", "show", job)
    assert json.loads(shown.output)["paid_fen"] == 10100
