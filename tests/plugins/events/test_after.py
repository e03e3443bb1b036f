"""After the event: survey coverage of large events, the summary, the seasonal report and
the retention purge with its append-only log."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from core.desk import Desk
from core.errors import Conflict, DomainError
from plugins.events import after, registration, service
from tests.plugins.events.conftest import approved_event, counts, t

pytestmark = pytest.mark.usefixtures("after_the_fact")

AT = t("2026-11-20 10:00")


def _attended(desk: Desk, codes: list[str], *, starts: str = "2026-12-20 09:00",
              at: str = "2026-11-20 09:00", **kw: object) -> int:
    """An approved event whose only session these households attended."""
    event = approved_event(desk, starts=starts, at=at, **kw)  # type: ignore[arg-type]
    session = event["sessions"][0]["id"]
    for code in codes:
        reg = registration.register(desk, session, unit=code, channel="desk", at=t(at))
        registration.check_in(desk, reg["id"], at=t(starts))
    return event["id"]


def test_large_event_needs_a_quarter_surveyed(site: Desk, units: list[str]) -> None:
    event = _attended(site, units[:9], large=True)
    cover = after.coverage(site, event)
    assert (cover["participants"], cover["required"], cover["shortfall"]) == (9, 3, 3)
    after.record_survey(site, event, unit=units[0], score=5, at=t("2026-12-21 10:00"))
    after.record_survey(site, event, unit=units[1], score=4, at=t("2026-12-21 10:00"))
    cover = after.coverage(site, event)
    assert (cover["surveyed"], cover["shortfall"], cover["satisfaction"]) == (2, 1, 4.5)
    assert cover["to_ask"] == sorted(units[2:9]) and cover["coverage"] == round(2 / 9, 3)
    with pytest.raises(DomainError) as short:
        after.summarise(site, event, text="活动顺利", at=t("2026-12-22 10:00"))
    assert short.value.field == "survey" and "1 more needed" in str(short.value)
    assert after.chase_surveys(site, event, at=t("2026-12-22 10:00")) == 7
    assert after.chase_surveys(site, event, at=t("2026-12-23 10:00")) == 0
    after.record_survey(site, event, unit=units[2], score=3, at=t("2026-12-23 10:00"))
    assert after.summarise(site, event, text="活动顺利", at=t("2026-12-23 11:00"))[
        "shortfall"] == 0
    assert service.event_view(site, event)["status"] == "closed"


def test_survey_refusals_write_nothing(site: Desk) -> None:
    event = _attended(site, ["1-1-101"], large=True)
    before = counts(site)
    answered = t("2026-12-21 10:00")
    for unit, score, field, at in [("1-1-502", 4, "unit", answered),
                                   ("1-1-101", 6, "score", answered),
                                   ("1-1-101", 4, "at", AT)]:  # before the household came
        with pytest.raises(DomainError) as bad:
            after.record_survey(site, event, unit=unit, score=score, at=at)
        assert bad.value.field == field
    after.record_survey(site, event, unit="1-1-101", score=4, at=answered)
    with pytest.raises(Conflict, match="already answered"):
        after.record_survey(site, event, unit="1-1-101", score=2, at=answered)
    assert counts(site)["events_surveys"] == before["events_surveys"] + 1


def test_a_small_event_closes_without_survey_but_not_before_it_ends(site: Desk) -> None:
    event = _attended(site, ["1-1-101"])
    with pytest.raises(DomainError, match="not over"):
        after.summarise(site, event, text="ok", at=t("2026-12-19 10:00"))
    assert after.summarise(site, event, text="ok", at=t("2026-12-21 10:00"))["required"] == 0


def test_records_purged_after_two_years_with_a_log(site: Desk) -> None:
    old = _attended(site, ["1-1-101", "1-1-502"], large=True, starts="2024-10-01 09:00",
                    at="2024-09-01 09:00")
    after.record_survey(site, old, unit="1-1-101", score=5, at=t("2024-10-02 09:00"))
    kept = _attended(site, ["2-1-301"], starts="2024-12-01 09:00", at="2024-11-01 09:00")
    done = after.purge(site, at=AT, actor="陈静")
    assert [(d["event"], d["registrations"], d["surveys"]) for d in done] == [(old, 2, 1)]
    assert [e["id"] for e in after.season_report(site, 2024, "autumn")["events"]] == []
    assert service.event_view(site, kept)["status"] == "approved"
    c = counts(site)
    assert (c["events_events"], c["events_registrations"], c["events_surveys"],
            c["events_notices"]) == (1, 1, 0, 1)
    log = after.purge_log(site)
    assert log[0]["registrations"] == 2 and log[0]["actor"] == "陈静"
    assert after.purge(site, at=AT) == []
    service.set_setting(site, "retention_years", "1")
    assert [d["event"] for d in after.purge(site, at=AT)] == [kept]
    with pytest.raises(DatabaseError), site.write() as s:
        s.execute(text("DELETE FROM events_purge_log"))
    assert len(after.purge_log(site)) == 2


def test_seasonal_report(site: Desk, units: list[str]) -> None:
    event = _attended(site, units[:4], large=True, capacity=5)
    session = service.event_view(site, event)["sessions"][0]["id"]
    registration.register(site, session, unit=units[4], channel="online", at=AT)
    registration.mark_no_shows(site, session, at=t("2026-12-20 12:00"))
    after.record_survey(site, event, unit=units[0], score=4, at=t("2026-12-21 10:00"))
    after.record_survey(site, event, unit=units[1], score=5, at=t("2026-12-21 10:00"))
    report = after.season_report(site, 2026, "冬季")
    row = report["events"][0]
    assert (row["capacity"], row["registered"], row["attended"], row["no_show"]) == (5, 5, 4, 1)
    assert (row["surveyed"], row["coverage"], report["satisfaction"]) == (2, 0.5, 4.5)
    assert after.season_report(site, 2026, "autumn")["events"] == []
