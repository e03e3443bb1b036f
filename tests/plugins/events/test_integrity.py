"""Integrity: the time rule on every `--at`, who may (decided in the services, so the CLI's
`--as` and the API's token get the same answer), an unknown `--as` refused on reads too,
phones masked in the outbox, and a call-off that is one unit of work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core import tokens
from core.api.app import create_app
from core.desk import Desk
from core.errors import DomainError, NotFound
from core.kit import Forbidden
from plugins.events import after, registration, service
from tests.conftest import Clock
from tests.plugins.events.conftest import PROPOSAL, approved_event, counts, t

AT = t("2026-11-20 10:00")  # the desk's now


@pytest.fixture
def cli(run, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """`propdesk` with the events commands added (the real start-up does this)."""
    from core.cli.main import cli as group
    from plugins.events import hooks

    monkeypatch.setattr(group, "commands", dict(group.commands))
    hooks.register_commands(group)
    return run


# -- when -------------------------------------------------------------------------------------

def test_a_purge_dated_in_the_future_is_refused_and_deletes_nothing(site: Desk) -> None:
    """The audit: a purge dated 2028 deleted 11-day-old events."""
    approved_event(site, starts="2026-11-21 09:00", at="2026-11-01 09:00")
    before = counts(site)
    with pytest.raises(DomainError) as future:
        after.purge(site, at=t("2028-11-22 09:00"), actor="陈静")
    assert future.value.field == "at" and "future" in str(future.value)
    assert counts(site) == before and after.purge_log(site) == []
    assert after.purge(site, at="2026-11-20 10:01", actor="陈静") == []  # within tolerance


def test_a_purge_is_never_dated_before_the_last_one(site: Desk, clock: Clock) -> None:
    clock.at = t("2029-01-01 10:00")
    approved_event(site, starts="2026-12-20 09:00")
    assert len(after.purge(site, at="2029-01-01 09:00", actor="陈静")) == 1
    with pytest.raises(DomainError, match="before the last purge"):
        after.purge(site, at="2028-12-31 09:00", actor="陈静")


def test_a_backdated_approval_is_refused_and_writes_nothing(site: Desk) -> None:
    """The audit: an approval dated before its proposal walked around the 15-day rule."""
    event = service.propose(site, title="中秋游园", starts_at=t("2026-12-01 09:00"),
                            at=AT, **PROPOSAL)["id"]
    before = counts(site)
    with pytest.raises(DomainError) as early:  # 16 days ahead, but before the proposal
        service.approve(site, event, actor="刘洋", at=t("2026-11-15 09:00"))
    assert early.value.field == "at" and "before the proposal it approves" in str(early.value)
    with pytest.raises(DomainError, match="future"):
        service.approve(site, event, actor="刘洋", at=t("2026-11-21 09:00"))
    assert counts(site) == before
    assert service.event_view(site, event)["status"] == "proposed"


@pytest.mark.parametrize("action", ["register", "cancel", "checkin", "survey", "summary",
                                    "remind", "no_shows", "call_off", "session", "plan"])
def test_every_at_refuses_the_future(site: Desk, action: str) -> None:
    event = approved_event(site, capacity=2)
    session = event["sessions"][0]["id"]
    reg = registration.register(site, session, unit="1-1-101", channel="desk", at=AT)["id"]
    soon = t("2026-12-25 09:00")
    calls = {
        "register": lambda: registration.register(site, session, unit="1-1-502",
                                                  channel="desk", at=soon),
        "cancel": lambda: registration.cancel(site, reg, at=soon),
        "checkin": lambda: registration.check_in(site, reg, at=soon),
        "survey": lambda: after.record_survey(site, event["id"], unit="1-1-101", score=5,
                                              at=soon),
        "summary": lambda: after.summarise(site, event["id"], text="ok", at=soon),
        "remind": lambda: registration.remind(site, at=soon),
        "no_shows": lambda: registration.mark_no_shows(site, session, at=soon),
        "call_off": lambda: registration.cancel_event(site, event["id"], reason="台风",
                                                      actor="刘洋", at=soon),
        "session": lambda: service.add_session(site, event["id"], capacity=3, at=soon,
                                               starts_at=t("2026-12-30 09:00")),
        "plan": lambda: service.create_plan(site, 2027, None, soon),
    }
    before = counts(site)
    with pytest.raises(DomainError) as refused:
        calls[action]()
    assert refused.value.field in ("at", "unit"), refused.value  # survey: did not attend
    if refused.value.field == "at":
        assert "future" in str(refused.value)
    assert counts(site) == before


def test_a_registration_change_is_never_dated_before_the_last_one(site: Desk) -> None:
    session = approved_event(site)["sessions"][0]["id"]
    reg = registration.register(site, session, unit="1-1-101", channel="desk", at=AT)["id"]
    with pytest.raises(DomainError, match="before the registration's last change"):
        registration.cancel(site, reg, at=t("2026-11-20 09:30"))
    with pytest.raises(DomainError, match="before the event's approval"):
        registration.register(site, session, unit="1-1-502", channel="desk",
                              at=t("2026-11-20 08:00"))


# -- who --------------------------------------------------------------------------------------

def test_roles_are_decided_in_the_services(site: Desk) -> None:
    event = approved_event(site)
    session = event["sessions"][0]["id"]
    before = counts(site)
    refusals = [
        lambda: service.propose(site, title="x", starts_at=t("2026-12-20 09:00"), at=AT,
                                actor="赵强", **PROPOSAL),
        lambda: registration.register(site, session, unit="1-1-101", channel="desk",
                                      at=AT, actor="赵强"),
        lambda: service.set_setting(site, "approval_lead_days", "1", actor="王芳"),
        lambda: service.set_setting(site, "survey_share", "0.01", actor="王芳"),
        lambda: after.purge(site, at=AT, actor="王芳"),
        lambda: after.summarise(site, event["id"], text="ok", at=AT, actor="王芳"),
        lambda: service.approve_plan(site, 2027, "王芳", AT),
    ]
    for call in refusals:
        with pytest.raises(Forbidden) as no:
            call()
        assert no.value.field == "as" and no.value.status == 403
    assert counts(site) == before
    assert service.settings(site)["approval_lead_days"] == "15"
    assert service.set_setting(site, "survey_share", "0.5", actor="刘洋")["survey_share"] \
        == "0.5"


def test_an_unknown_actor_is_refused_on_reads_and_writes(site: Desk) -> None:
    event = approved_event(site)
    for call in [lambda: service.event_view(site, event["id"], actor="无名"),
                 lambda: service.settings(site, actor="无名"),
                 lambda: after.season_report(site, 2026, "winter", actor="无名"),
                 lambda: registration.notices(site, actor="无名"),
                 lambda: registration.cancel(site, 1, actor="无名")]:
        with pytest.raises(NotFound) as who:
            call()
        assert who.value.field == "as" and "no staff member '无名'" in str(who.value)


def test_cli_refuses_an_unknown_as_on_every_events_command(site: Desk, cli) -> None:  # noqa: ANN001
    approved_event(site)
    for args in [("show", "1"), ("report", "2026", "winter"), ("notices",), ("settings",),
                 ("plan", "2026"), ("cancel", "1"), ("purge",)]:
        result = cli("--as", "无名", "events", *args)
        assert result.exit_code == 2, (args, result.output)
        assert "error: as: no staff member '无名'" in result.output, (args, result.output)
    frontdesk = cli("--as", "王芳", "events", "settings", "approval_lead_days", "1")
    assert frontdesk.exit_code == 2 and "error: as: 王芳 (frontdesk) may not" in \
        frontdesk.output
    assert "approval_lead_days = 15" in cli("events", "settings").output


def test_an_approval_and_a_call_off_name_who_made_them(site: Desk) -> None:
    event = service.propose(site, title="中秋游园", starts_at=t("2026-12-20 09:00"), at=AT,
                            **PROPOSAL)["id"]
    with pytest.raises(DomainError) as nobody:
        service.approve(site, event, actor=None, at=AT)
    assert nobody.value.field == "as" and "--as" in str(nobody.value)
    with pytest.raises(DomainError) as anonymous:
        registration.cancel_event(site, event, reason="台风预警", actor=None, at=AT)
    assert anonymous.value.field == "as"
    assert service.event_view(site, event)["status"] == "proposed"


def test_outbox_phones_are_masked_for_roles_that_do_not_see_phones(site: Desk) -> None:
    from core import directory

    directory.add_staff(site, "周敏", "integrator", None)
    session = approved_event(site)["sessions"][0]["id"]
    registration.register(site, session, unit="1-1-101", channel="desk", at=AT)
    assert registration.notices(site, actor="王芳")[0]["phone"] == "13812345678"
    assert registration.notices(site, actor="周敏")[0]["phone"] == "138****5678"
    assert registration.mark_sent(site, [1], at=AT, actor="周敏") == 1
    with pytest.raises(Forbidden):
        registration.mark_sent(site, [1], at=AT, actor="赵强")


@pytest.fixture
def api(site: Desk) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    keys = {n: {"Authorization": f"Bearer {tokens.create(site, n)['token']}"}
            for n in ("王芳", "刘洋", "赵强")}
    with TestClient(create_app(site)) as client:
        yield client, keys


def test_http_refusals_come_from_the_service(api, site: Desk) -> None:  # noqa: ANN001
    client, keys = api
    event = approved_event(site)
    session = event["sessions"][0]["id"]
    before = counts(site)
    r = client.post(f"/events/sessions/{session}/registrations", headers=keys["赵强"],
                    json={"unit": "1-1-101"})
    assert r.status_code == 403 and r.json()["field"] == "as", r.text
    r = client.post(f"/events/{event['id']}/summary", headers=keys["王芳"],
                    json={"text": "ok"})
    assert r.status_code == 403 and r.json()["field"] == "as", r.text
    r = client.post(f"/events/sessions/{session}/registrations", headers=keys["王芳"],
                    json={"unit": "1-1-101", "at": "2027-01-01 09:00"})
    # a well-formed time the clock refuses: 409 (core.errors.TimeConflict)
    assert r.status_code == 409 and r.json()["field"] == "at", r.text
    assert counts(site) == before


# -- one unit of work -------------------------------------------------------------------------

def test_a_refused_step_rolls_back_the_whole_command(site: Desk) -> None:
    """A command's steps join one unit: `plan 2027 --survey ... --approve` by front desk
    creates no plan when its approval is refused."""
    with pytest.raises(Forbidden):
        service.draw_plan(site, 2027, survey="亲子活动 62%", approve=True, actor="王芳",
                          at=AT)
    with pytest.raises(NotFound):
        service.plan_view(site, 2027)


def test_a_call_off_refused_midway_writes_nothing(site: Desk) -> None:
    session = approved_event(site, capacity=1)["sessions"][0]["id"]
    for unit in ("1-1-101", "1-1-502"):
        registration.register(site, session, unit=unit, channel="desk", at=AT)
    before = counts(site)
    with pytest.raises(DomainError), site.write():
        registration.cancel_event(site, 1, reason="台风预警", actor="刘洋", at=AT)
        raise DomainError("later", "a later step of the same action fails")
    assert counts(site) == before
    assert service.event_view(site, 1)["status"] == "approved"
    view = registration.cancel_event(site, 1, reason="台风预警", actor="刘洋", at=AT)
    assert view["households_told"] == 2
    assert [n["kind"] for n in registration.notices(site)].count("cancelled") == 2
