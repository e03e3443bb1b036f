"""Keys under concurrency: the same loan, return or loss approval sent ten times at once
takes effect once, the rest get 409 with a JSON body; never a 500. In threads of one
process and over HTTP against `propdesk serve --workers 2`."""

from __future__ import annotations

import os
from typing import Any

import pytest

from core import directory, kit
from core.desk import Desk
from tests.concurrency.conftest import no_server_errors, together

#: server subprocesses / many requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow

_allowed = os.environ.get("PROPDESK_LOAD_PLUGINS")
if _allowed is not None and "keys" not in {p.strip() for p in _allowed.split(",")}:
    pytest.skip("the keys plugin is left out", allow_module_level=True)

AUTH = {"authorised_by": "李女士", "authorised_how": "phone",
        "authorised_at": "2026-11-19 09:50"}
N = 10


@pytest.fixture
def keys(site: Desk) -> Desk:
    """The custodian 孙丽 and the spare key K-0502 of 1-1-502, in the cabinet."""
    from plugins.keys import service

    directory.add_staff(site, "孙丽", "custodian", "客服部")
    service.register_key(site, "K-0502", "spare", unit="1-1-502", description="入户门",
                         entrusted_by="李女士", entrusted_on="2026-10-08",
                         entrustment_ref="WT-2026-031", actor="孙丽", at="2026-11-19 08:00")
    return site


def _lend(desk: Desk) -> dict[str, Any]:
    from plugins.keys import service

    return service.lend(desk, "K-0502", borrower="赵强", purpose="入户维修", actor="孙丽",
                        **AUTH)


def _reported(desk: Desk) -> int:
    from plugins.keys import losses

    _lend(desk)
    return int(losses.report_loss(desk, "K-0502", "维修后未交回", actor="孙丽")["id"])


def _rows(desk: Desk) -> dict[str, Any]:
    """What the key tables and the tickets say afterwards."""
    from sqlalchemy import func, select

    from plugins.keys.models import KeyAudit, KeyLoan

    with desk.read() as s:
        actions = [a for (a,) in s.execute(select(KeyAudit.action).order_by(KeyAudit.id))]
        return {"loans": s.scalar(select(func.count()).select_from(KeyLoan)),
                "open": s.scalar(select(func.count()).select_from(KeyLoan)
                                 .where(KeyLoan.closed_at.is_(None))),
                "actions": actions,
                "tickets": s.scalar(select(func.count()).select_from(kit.Ticket))}


def _once(outcomes: list[Any]) -> None:
    """One success; every other outcome a 409 refusal (not an internal error)."""
    done = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if not isinstance(o, dict)]
    assert len(done) == 1, outcomes
    assert all(isinstance(o, kit.Conflict | kit.TransitionRefused) for o in refused), refused
    assert all(getattr(o, "status", None) == 409 for o in refused), refused


def _codes(responses: list[Any], ok: int) -> None:
    no_server_errors(responses)
    codes = sorted(r.status_code for r in responses)
    assert codes == [ok] + [409] * (N - 1), [(r.status_code, r.text) for r in responses]


# ------------------------------------------------------------------ threads


def test_ten_loans_of_one_key_in_threads_lend_it_once(keys: Desk) -> None:
    _once(together(N, lambda i: _lend(keys)))
    rows = _rows(keys)
    assert (rows["loans"], rows["open"]) == (1, 1)
    assert rows["actions"].count("lent") == 1


def test_ten_returns_in_threads_take_it_back_once(keys: Desk) -> None:
    from plugins.keys import service

    _lend(keys)
    _once(together(N, lambda i: service.return_key(keys, "K-0502", actor="孙丽")))
    rows = _rows(keys)
    assert (rows["loans"], rows["open"]) == (1, 0)
    assert rows["actions"].count("returned") == 1


def test_ten_loss_approvals_in_threads_approve_once(keys: Desk) -> None:
    from plugins.keys import losses

    loss = _reported(keys)
    def approve(_: int) -> dict[str, Any]:
        return losses.approve_loss(keys, loss, accountable="赵强", actor="陈静")
    _once(together(N, approve))
    rows = _rows(keys)
    assert rows["tickets"] == 1  # the owner informed once
    assert [rows["actions"].count(a) for a in ("loss_approved", "loan_closed_lost",
                                               "owner_informed")] == [1, 1, 1]


def test_a_loss_report_and_a_return_at_once_never_both_claim_the_loan(keys: Desk) -> None:
    """The audit's race: the key reported lost while it is being taken back. Either the
    return wins and the report is of a key in the cabinet, or the report wins and the key
    is not taken back (nor lent again) until the report is settled."""
    from plugins.keys import losses, service

    loan = _lend(keys)["id"]
    calls = [lambda: losses.report_loss(keys, "K-0502", "未交回", actor="孙丽"),
             lambda: service.return_key(keys, "K-0502", actor="孙丽")] * (N // 2)
    outcomes = together(N, lambda i: calls[i]())
    done = [o for o in outcomes if isinstance(o, dict)]
    assert all(getattr(o, "status", None) == 409 for o in outcomes if o not in done), outcomes
    reports = [o for o in done if "circumstances" in o]
    returns = [o for o in done if "outcome" in o]
    assert len(reports) == 1 and len(returns) <= 1, done
    assert reports[0]["loan"] == (None if returns else loan)
    assert service.show_key(keys, "K-0502")["status"] == ("in_cabinet" if returns
                                                         else "on_loan")


# ------------------------------------------------------------------ two server processes


def test_ten_loans_over_http_lend_it_once(keys: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    body = {"to": "赵强", "purpose": "入户维修", **AUTH}
    _codes(server.post_together(N, "/keys/K-0502/lend", server.token("孙丽"), body), 201)
    rows = _rows(keys)
    assert (rows["loans"], rows["open"]) == (1, 1)
    assert rows["actions"].count("lent") == 1


def test_ten_returns_over_http_take_it_back_once(keys: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    _lend(keys)
    _codes(server.post_together(N, "/keys/K-0502/return", server.token("孙丽"), {}), 200)
    rows = _rows(keys)
    assert (rows["loans"], rows["open"]) == (1, 0)
    assert rows["actions"].count("returned") == 1


def test_ten_loss_approvals_over_http_approve_once(keys: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    loss = _reported(keys)
    _codes(server.post_together(N, f"/keys/losses/{loss}/approve", server.token("陈静"),
                                {"accountable": "赵强"}), 200)
    rows = _rows(keys)
    assert rows["tickets"] == 1
    assert [rows["actions"].count(a) for a in ("loss_approved", "loan_closed_lost",
                                               "owner_informed")] == [1, 1, 1]
