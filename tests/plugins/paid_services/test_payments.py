"""Payment, paying twice, refunds, the daily cash-up and damage compensation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.desk import Desk
from core.errors import DomainError, TransitionRefused
from plugins.paid_services import payments
from plugins.paid_services.models import Payment

from .conftest import completed, on_site


def n_payments(desk: Desk) -> int:
    with desk.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Payment)) or 0)


def test_pay_once_and_refuse_the_second(priced: Desk) -> None:
    job = completed(priced)
    paid = payments.pay(priced, job["number"], method="微信", receipt="R0001", actor="王芳",
                        at="2026-11-18T15:10")
    assert paid["paid_fen"] == 11100 == paid["total_fen"]
    with pytest.raises(DomainError) as err:
        payments.pay(priced, job["number"], method="cash", receipt="R0002",
                     at="2026-11-18T15:11")
    assert err.value.field == "job" and "twice" in str(err.value)
    assert n_payments(priced) == 1


def test_an_unsigned_job_cannot_be_paid(priced: Desk) -> None:
    job = on_site(priced)
    with pytest.raises(TransitionRefused):
        payments.pay(priced, job["number"], method="cash", receipt="R0001")
    assert n_payments(priced) == 0


def test_refund_and_cash_up_match_the_receipts(priced: Desk) -> None:
    a = completed(priced, "2026-11-18")
    b = completed(priced, "2026-11-18", items=(("PS-02", "1"),), unit="1-1-101")
    payments.pay(priced, a["number"], method="cash", receipt="R0001", at="2026-11-18T16:00")
    payments.pay(priced, b["number"], method="wechat", receipt="R0002", at="2026-11-18T16:30")
    payments.refund(priced, a["number"], amount="25.50", reason="少用一个水龙头",
                    receipt="R0003", at="2026-11-18T17:00")
    # one paid the day after is not in this day's cash-up
    c = completed(priced, "2026-11-19", unit="2-1-301")
    payments.pay(priced, c["number"], method="cash", receipt="R0004", at="2026-11-19T16:00")
    with pytest.raises(DomainError) as err:
        payments.refund(priced, a["number"], amount="999", reason="x", receipt="R0005")
    assert err.value.field == "amount"

    day = payments.cash_up(priced, "2026-11-18", counted={"现金": "85.50", "微信": "101.50"})
    assert [r["receipt"] for r in day["receipts"]] == ["R0001", "R0002", "R0003"]
    # hand-computed: 111.00 cash − 25.50 cash refund; 50.50 labour + 2 × 25.50 WeChat
    assert day["by_method_fen"] == {"cash": 8550, "wechat": 10150}
    assert day["total_fen"] == 18700 == sum(r["amount_fen"] for r in day["receipts"])
    assert day["balanced"] is True
    short = payments.cash_up(priced, "2026-11-18", counted={"cash": "80"})
    assert short["balanced"] is False and short["difference_fen"] == {"cash": -550}


def test_receipt_numbers_are_unique_and_methods_known(priced: Desk) -> None:
    a, b = completed(priced), completed(priced, unit="1-1-101")
    payments.pay(priced, a["number"], method="cash", receipt="R0001")
    with pytest.raises(DomainError) as err:
        payments.pay(priced, b["number"], method="cash", receipt="R0001")
    assert err.value.field == "receipt"
    with pytest.raises(DomainError) as err:
        payments.pay(priced, b["number"], method="bitcoin", receipt="R0009")
    assert err.value.field == "method"
    assert n_payments(priced) == 1


def test_damage_is_recorded_at_cost(priced: Desk) -> None:
    job = completed(priced)
    payments.damage(priced, job["number"], description="划伤橱柜门", amount="120")
    assert payments.damages(priced, job["number"])[0]["amount_fen"] == 12000
    with pytest.raises(DomainError):
        payments.damage(priced, job["number"], description="x", amount="-1")
    assert len(payments.damages(priced, job["number"])) == 1


def test_payments_are_append_only(priced: Desk) -> None:
    from sqlalchemy import update
    from sqlalchemy.exc import DatabaseError

    job = completed(priced)
    payments.pay(priced, job["number"], method="cash", receipt="R0001")
    with pytest.raises(DatabaseError), priced.write() as s:
        s.execute(update(Payment).values(amount_fen=1))
    assert payments.cash_up(priced, "2026-11-20")["total_fen"] == 11100
