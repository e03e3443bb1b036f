"""The same ticket action sent ten times at once takes effect once; the rest get 409."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import tickets
from core.desk import Desk
from core.models import Ticket, TicketEvent
from tests.concurrency.conftest import no_server_errors, together

#: server subprocesses / many requests: not in the fast set (`-m "not slow"`)
pytestmark = pytest.mark.slow


def _reported(site: Desk) -> str:
    t = tickets.intake(site, category="inquiry", summary="停车费怎么交", by="王芳",
                       answer="物业前台或公众号缴纳")
    tickets.report(site, t["number"], True, actor="王芳")
    return t["number"]


def _events(site: Desk, number: str, kind: str) -> int:
    with site.read() as s:
        return s.scalar(select(func.count()).select_from(TicketEvent).join(Ticket).where(
            Ticket.number == number, TicketEvent.kind == kind)) or 0


def test_ten_concurrent_closes_over_http_close_once(site: Desk, serve) -> None:  # noqa: ANN001
    server = serve()
    number = _reported(site)
    responses = server.post_together(10, f"/tickets/{number}/close", server.token("王芳"))
    no_server_errors(responses)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9, codes
    assert _events(site, number, "closed") == 1


def test_ten_concurrent_closes_in_threads_close_once(site: Desk) -> None:
    number = _reported(site)
    outcomes = together(10, lambda i: tickets.close(site, number, actor="王芳"))
    done = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if not isinstance(o, dict)]
    assert len(done) == 1
    assert all(getattr(o, "status", None) == 409 for o in refused), refused
    assert _events(site, number, "closed") == 1
