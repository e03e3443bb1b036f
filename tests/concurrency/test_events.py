"""Event seats under real concurrency: threads on a barrier, and two server processes.

Capacity is never exceeded and the waiting list keeps its order under any mix of
registrations and cancellations; the same cancel or registration sent ten times at once
takes effect once (the rest 409); no 500. The event starts in 2030, so the times are
valid for the test desk's clock and for the servers' real one alike.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core import directory
from core.desk import Desk
from plugins.events import registration, service
from plugins.events.models import Notice, Registration
from tests.concurrency.conftest import Server, no_server_errors, together
from tests.plugins.events.conftest import PROPOSAL, t

#: server subprocesses / many requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow

STARTS = "2030-06-01 09:00"
NEW = [f"6-1-{n:03d}" for n in range(101, 111)]


def _event(site: Desk, *, capacity: int, waitlist: bool = True) -> tuple[int, int]:
    """An approved event with one session of `capacity`; (event id, session id)."""
    event = service.propose(site, title="设备房开放日", starts_at=t(STARTS),
                            at=t("2026-11-20 09:00"), waitlist=waitlist, **PROPOSAL)
    view = service.add_session(site, event["id"], starts_at=t(STARTS), capacity=capacity,
                               place="B1 水泵房", at=t("2026-11-20 09:00"))
    service.approve(site, event["id"], actor="刘洋", at=t("2026-11-20 09:00"))
    for code in NEW:
        directory.add_unit(site, code, "业主", "13900000000")
    return event["id"], view["sessions"][0]["id"]


def _sign_up(site: Desk, session: int, units: list[str]) -> list[int]:
    """Registrations made one after the other (so the waiting list has a known order)."""
    return [registration.register(site, session, unit=u, channel="desk",
                                  at=t("2026-11-20 09:30"))["id"] for u in units]


def _seats(site: Desk, session: int) -> dict[str, list[int]]:
    """Registration ids by status; the waiting ones in waiting-list order."""
    with site.read() as s:
        rows = s.execute(select(Registration.id, Registration.status)
                         .where(Registration.session_id == session)
                         .order_by(Registration.created_at, Registration.id)).all()
    out: dict[str, list[int]] = {}
    for rid, status in rows:
        out.setdefault(status, []).append(rid)
    return out


def _notices(site: Desk, kind: str) -> list[int | None]:
    with site.read() as s:
        return list(s.scalars(select(Notice.registration_id).where(Notice.kind == kind)
                              .order_by(Notice.id)))


def _refusals(outcomes: list[Any]) -> list[int]:
    return sorted(getattr(o, "status", 0) for o in outcomes if not isinstance(o, dict))


def _post_each(server: Server, requests: list[tuple[str, dict[str, Any]]],
               headers: dict[str, str]) -> list[httpx.Response]:
    """Different POSTs released at once, each on its own connection."""
    def one(i: int) -> httpx.Response:
        path, body = requests[i]
        with httpx.Client(base_url=server.url, timeout=60) as client:
            return client.post(path, headers=headers, json=body)
    out = together(len(requests), one)
    for r in out:
        if isinstance(r, Exception):
            raise r
    return out


# -- ten cancels of one confirmed seat --------------------------------------------------------

def _one_seat_three_waiting(site: Desk) -> tuple[int, list[int]]:
    _, session = _event(site, capacity=1)
    return session, _sign_up(site, session, ["1-1-101", "1-1-502", "2-1-301", NEW[0]])


def _assert_cancelled_once(site: Desk, session: int, regs: list[int]) -> None:
    seats = _seats(site, session)
    assert seats["cancelled"] == [regs[0]]
    assert seats["confirmed"] == [regs[1]]  # the first on the list, and only they
    assert seats["waiting"] == regs[2:]  # the rest keep their order
    assert _notices(site, "promoted") == [regs[1]]


def test_ten_concurrent_cancels_of_one_seat_in_threads_promote_once(site: Desk) -> None:
    session, regs = _one_seat_three_waiting(site)
    outcomes = together(10, lambda i: registration.cancel(site, regs[0], actor="王芳"))
    assert sum(isinstance(o, dict) for o in outcomes) == 1
    assert _refusals(outcomes) == [409] * 9, outcomes
    _assert_cancelled_once(site, session, regs)


def test_ten_concurrent_cancels_over_http_promote_once(site: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    session, regs = _one_seat_three_waiting(site)
    responses = server.post_together(10, f"/events/registrations/{regs[0]}/cancel",
                                     server.token("王芳"), {})
    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    _assert_cancelled_once(site, session, regs)


# -- registrations and cancellations mixed ----------------------------------------------------

def _mixed(site: Desk) -> tuple[int, list[int], list[int]]:
    """Two seats taken (A, B), four waiting (W1..W4); the race: cancel A, B and W2, and
    seven new households register."""
    _, session = _event(site, capacity=2)
    seated = _sign_up(site, session, ["1-1-101", "1-1-502"])
    waiting = _sign_up(site, session, ["2-1-301", NEW[0], NEW[1], NEW[2]])
    return session, seated, waiting


def _assert_mixed(site: Desk, session: int, seated: list[int], waiting: list[int]) -> None:
    seats = _seats(site, session)
    confirmed, still = seats.get("confirmed", []), seats.get("waiting", [])
    assert len(confirmed) == 2  # full, never more: someone is still waiting
    assert set(seated) <= set(seats["cancelled"])
    # no later household jumped the list: W1 moved up, then W3 (or W2 and W3), W4 waits
    assert waiting[0] in confirmed and waiting[2] in confirmed
    assert still[0] == waiting[3] and len(still) == 1 + 7  # W4, then the seven new ones
    assert all(r not in confirmed for r in still)
    promoted = _notices(site, "promoted")
    assert len(promoted) == len(set(promoted)) and set(promoted) >= {waiting[0], waiting[2]}
    assert len(promoted) == 2 + (waiting[1] in promoted)  # one promotion per freed seat


def test_mixed_registrations_and_cancels_in_threads_keep_capacity_and_order(
        site: Desk) -> None:
    session, seated, waiting = _mixed(site)
    jobs = ([lambda r=r: registration.cancel(site, r, actor="王芳")
             for r in (seated[0], seated[1], waiting[1])]
            + [lambda u=u: registration.register(site, session, unit=u, channel="online",
                                                 actor="王芳") for u in NEW[3:10]])
    outcomes = together(len(jobs), lambda i: jobs[i]())
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert [o["status"] for o in outcomes[3:]] == ["waiting"] * 7
    _assert_mixed(site, session, seated, waiting)


def test_mixed_registrations_and_cancels_over_http_keep_capacity_and_order(
        site: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    session, seated, waiting = _mixed(site)
    requests = ([(f"/events/registrations/{r}/cancel", {})
                 for r in (seated[0], seated[1], waiting[1])]
                + [(f"/events/sessions/{session}/registrations",
                    {"unit": u, "channel": "online"}) for u in NEW[3:10]])
    responses = _post_each(server, requests, server.token("王芳"))
    no_server_errors(responses)
    assert [r.status_code for r in responses] == [200] * 3 + [201] * 7, \
        [r.text for r in responses]
    _assert_mixed(site, session, seated, waiting)


# -- the same registration ten times ----------------------------------------------------------

def _assert_registered_once(site: Desk, session: int) -> None:
    seats = _seats(site, session)
    assert seats == {"confirmed": [seats["confirmed"][0]]}
    assert len(_notices(site, "confirmed")) == 1


def test_the_same_registration_ten_times_in_threads_registers_once(site: Desk) -> None:
    _, session = _event(site, capacity=5)
    outcomes = together(10, lambda i: registration.register(
        site, session, unit="1-1-101", channel="phone", actor="王芳"))
    assert sum(isinstance(o, dict) for o in outcomes) == 1
    assert _refusals(outcomes) == [409] * 9, outcomes
    _assert_registered_once(site, session)


def test_the_same_registration_ten_times_over_http_registers_once(
        site: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    _, session = _event(site, capacity=5)
    responses = server.post_together(10, f"/events/sessions/{session}/registrations",
                                     server.token("王芳"), {"unit": "1-1-101"})
    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 9
    _assert_registered_once(site, session)


def test_full_without_waiting_list_ten_households_at_once_one_seat(
        site: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    _, session = _event(site, capacity=1, waitlist=False)
    responses = _post_each(server, [(f"/events/sessions/{session}/registrations",
                                     {"unit": u}) for u in NEW], server.token("王芳"))
    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [201] + [422] * 9
    assert len(_seats(site, session)["confirmed"]) == 1


# -- approvals and call-offs --------------------------------------------------------------------

def test_ten_approvals_at_once_approve_once(site: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    event = service.propose(site, title="中秋游园", starts_at=t(STARTS),
                            at=t("2026-11-20 09:00"), **PROPOSAL)["id"]
    responses = server.post_together(10, f"/events/{event}/approve", server.token("刘洋"), {})
    no_server_errors(responses)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    assert service.event_view(site, event)["approved_by"] == "刘洋"


def test_a_call_off_racing_registrations_leaves_no_live_seat(site: Desk) -> None:
    """Whatever registered before the call-off was cancelled and told; nothing after."""
    event, session = _event(site, capacity=3)
    jobs = ([lambda: registration.cancel_event(site, event, reason="台风预警", actor="刘洋")]
            + [lambda u=u: registration.register(site, session, unit=u, channel="phone",
                                                 actor="王芳") for u in NEW[:9]])
    outcomes = together(len(jobs), lambda i: jobs[i]())
    assert isinstance(outcomes[0], dict), outcomes[0]
    made = [o for o in outcomes[1:] if isinstance(o, dict)]
    assert all(getattr(o, "field", None) == "session" for o in outcomes[1:]
               if not isinstance(o, dict)), outcomes
    seats = _seats(site, session)
    assert set(seats) <= {"cancelled"}
    assert sorted(_notices(site, "cancelled")) == sorted(o["id"] for o in made)
    assert outcomes[0]["households_told"] == len(made)
    with site.read() as s:
        assert s.scalar(select(func.count()).select_from(Registration)) == len(made)


def test_ten_concurrent_plan_approvals_approve_once(site: Desk) -> None:
    """The annual plan approved ten times at once: one approval, nine 409s."""
    service.create_plan(site, 2027, "亲子活动 62%", t("2026-11-20 09:00"), actor="王芳")
    outcomes = together(10, lambda i: service.approve_plan(site, 2027, "刘洋" if i % 2 else
                                                           "陈静", t("2026-11-20 09:30")))
    done = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(done) == 1, outcomes
    assert all(getattr(o, "status", None) == 409 for o in outcomes if o not in done), outcomes
    assert service.plan_view(site, 2027)["approved_by"] == done[0]["approved_by"]
