"""`propdesk events ...`: plan, propose, approve, sessions, register, attendance, surveys,
summary, notices, seasonal report, retention purge, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from core import kit
from core.kit.cli import Context, echo_json, table
from plugins.events import after, registration, service

pass_ctx = click.make_pass_decorator(Context)
AT = click.option("--at", "at", metavar="TIME",
                  help="When it happened (ISO 8601; naive = site time; not in the future).")
JSON = click.option("--json", "as_json", is_flag=True)


def _time(ctx: Context, text: str, field: str) -> datetime:
    """A scheduled time (`--starts`): parsed here, judged by the service."""
    return kit.parse_time(text, ctx.desk.tz, field)


def _out(data: Any, as_json: bool, line: str) -> None:
    if as_json:
        echo_json(data)
    else:
        click.echo(line)


@click.group()
def events() -> None:
    """Community events (社区文化活动): plan, proposals, registration, surveys, report."""


@events.command("plan")
@click.argument("year", type=int)
@click.option("--survey", help="The December survey's results (attach or replace).")
@click.option("--approve", is_flag=True, help="Approve the plan (supervisor or manager).")
@AT
@JSON
@pass_ctx
def plan(ctx: Context, year: int, survey: str | None, approve: bool, at: str | None,
         as_json: bool) -> None:
    """Create or show a year's plan; with --survey attach the survey, list the gaps."""
    with ctx.desk.write():
        view = service.draw_plan(ctx.desk, year, survey=survey, approve=approve,
                                 actor=ctx.actor, at=at)
    if as_json:
        echo_json(view)
        return
    state = f"approved by {view['approved_by']}" if view["approved_by"] else "not approved"
    click.echo(f"plan {year}: {state}; survey: {view['survey'] or '(none)'}")
    for gap in view["gaps"]:
        click.echo(f"  gap: {gap['label']}")


@events.command("propose")
@click.argument("title")
@click.option("--starts", required=True, metavar="TIME", help="When the event begins.")
@click.option("--large", is_flag=True, help="A large event (survey of >= 25 % required).")
@click.option("--partner", is_flag=True, help="Run with a partner, not the site's own event.")
@click.option("--organisation", help="组织 who runs it.")
@click.option("--content", help="内容 what happens.")
@click.option("--promotion", help="宣传 how owners hear of it.")
@click.option("--budget", type=int, help="预算 in yuan.")
@click.option("--risk-plan", help="风险预案 safety and contingency.")
@click.option("--per-household", type=int, default=1, show_default=True)
@click.option("--no-waitlist", is_flag=True, help="Refuse registrations once full.")
@AT
@JSON
@pass_ctx
def propose(ctx: Context, title: str, starts: str, large: bool, partner: bool,
            organisation: str | None, content: str | None, promotion: str | None,
            budget: int | None, risk_plan: str | None, per_household: int,
            no_waitlist: bool, at: str | None, as_json: bool) -> None:
    """Propose an event (organisation, content, promotion, budget, risk plan)."""
    with ctx.desk.write():
        view = service.propose(ctx.desk, title=title, starts_at=_time(ctx, starts, "starts"),
                               at=at, actor=ctx.actor, own=not partner, large=large,
                               per_household=per_household, waitlist=not no_waitlist,
                               organisation=organisation, content=content,
                               promotion=promotion, budget=budget, risk_plan=risk_plan)
    _out(view, as_json, f"event {view['id']}: {view['title']} proposed ({view['season']})")


@events.command("approve")
@click.argument("event_id", type=int)
@click.option("--override", metavar="REASON", help="A manager approving a late proposal.")
@AT
@JSON
@pass_ctx
def approve(ctx: Context, event_id: int, override: str | None, at: str | None,
            as_json: bool) -> None:
    """Approve a proposal (due 15 days before the event by default)."""
    with ctx.desk.write():
        view = service.approve(ctx.desk, event_id, actor=ctx.actor, at=at, override=override)
    _out(view, as_json, f"event {event_id}: approved by {view['approved_by']}")


@events.command("call-off")
@click.argument("event_id", type=int)
@click.option("--reason", required=True, help="Why (e.g. 台风预警 typhoon warning).")
@AT
@JSON
@pass_ctx
def call_off(ctx: Context, event_id: int, reason: str, at: str | None, as_json: bool) -> None:
    """Call off a whole event: every seat cancelled, every household told (supervisor or
    manager, with --as)."""
    with ctx.desk.write():
        view = registration.cancel_event(ctx.desk, event_id, reason=reason, actor=ctx.actor,
                                         at=at)
    _out(view, as_json, f"event {event_id}: called off by {view['cancelled_by']}; "
                        f"{view['households_told']} registration(s) cancelled and told")


@events.command("session")
@click.argument("event_id", type=int)
@click.option("--starts", required=True, metavar="TIME")
@click.option("--capacity", type=int, required=True)
@click.option("--place")
@AT
@JSON
@pass_ctx
def session(ctx: Context, event_id: int, starts: str, capacity: int, place: str | None,
            at: str | None, as_json: bool) -> None:
    """Add a session (a visit, a sitting) with its capacity."""
    with ctx.desk.write():
        view = service.add_session(ctx.desk, event_id, starts_at=_time(ctx, starts, "starts"),
                                   capacity=capacity, place=place, at=at, actor=ctx.actor)
    new = view["sessions"][-1] if view["sessions"] else {}
    _out(view, as_json, f"event {event_id}: {len(view['sessions'])} session(s); "
         f"last added {new.get('starts_at')} x{new.get('capacity')}")


@events.command("show")
@click.argument("event_id", type=int)
@JSON
@pass_ctx
def show_event(ctx: Context, event_id: int, as_json: bool) -> None:
    view = service.event_view(ctx.desk, event_id, actor=ctx.actor)
    if as_json:
        echo_json(view)
        return
    click.echo(f"event {view['id']}: {view['title']} {view['starts_at']} [{view['status']}]")
    table([[x["id"], x["starts_at"], x["capacity"], x["confirmed"], x["waiting"],
            x["attended"], x["no_show"]] for x in view["sessions"]],
          ["session", "starts", "capacity", "confirmed", "waiting", "attended", "no-show"])


@events.command("register")
@click.argument("session_id", type=int)
@click.option("--unit", required=True, help="Household, e.g. 1-1-502.")
@click.option("--channel", default="desk", show_default=True,
              help="phone/电话, desk/前台, online/线上.")
@click.option("--name")
@click.option("--phone")
@AT
@JSON
@pass_ctx
def register(ctx: Context, session_id: int, unit: str, channel: str, name: str | None,
             phone: str | None, at: str | None, as_json: bool) -> None:
    """Register a household: a seat, or the waiting list when full."""
    with ctx.desk.write():
        view = registration.register(ctx.desk, session_id, unit=unit, channel=channel,
                                     name=name, phone=phone, at=at, actor=ctx.actor)
    extra = f" (#{view['waiting_position']})" if view["waiting_position"] else ""
    _out(view, as_json, f"registration {view['id']}: {view['unit']} {view['status']}{extra}")


@events.command("cancel")
@click.argument("registration_id", type=int)
@AT
@JSON
@pass_ctx
def cancel(ctx: Context, registration_id: int, at: str | None, as_json: bool) -> None:
    """Cancel a registration; the first on the waiting list moves up."""
    with ctx.desk.write():
        view = registration.cancel(ctx.desk, registration_id, at=at, actor=ctx.actor)
    _out(view, as_json, f"registration {registration_id}: cancelled")


@events.command("checkin")
@click.argument("registration_id", type=int)
@AT
@JSON
@pass_ctx
def checkin(ctx: Context, registration_id: int, at: str | None, as_json: bool) -> None:
    with ctx.desk.write():
        view = registration.check_in(ctx.desk, registration_id, at=at, actor=ctx.actor)
    _out(view, as_json, f"registration {registration_id}: {view['unit']} attended")


@events.command("no-shows")
@click.argument("session_id", type=int)
@AT
@pass_ctx
def no_shows(ctx: Context, session_id: int, at: str | None) -> None:
    """Mark confirmed seats that never checked in as no-shows."""
    with ctx.desk.write():
        count = registration.mark_no_shows(ctx.desk, session_id, at=at, actor=ctx.actor)
    click.echo(f"session {session_id}: {count} no-show(s)")


@events.command("survey")
@click.argument("event_id", type=int)
@click.option("--unit", help="Record this household's answer.")
@click.option("--score", type=int, help="1 … 5.")
@click.option("--comment")
@click.option("--chase", is_flag=True, help="Queue survey requests to households not asked.")
@AT
@JSON
@pass_ctx
def survey(ctx: Context, event_id: int, unit: str | None, score: int | None,
           comment: str | None, chase: bool, at: str | None, as_json: bool) -> None:
    """Record an answer, chase the shortfall, or show the coverage."""
    if (unit is None) != (score is None):
        raise click.UsageError("give both --unit and --score")
    queued = None
    with ctx.desk.write():
        if unit is not None and score is not None:
            after.record_survey(ctx.desk, event_id, unit=unit, score=score, comment=comment,
                                at=at, actor=ctx.actor)
        if chase:
            queued = after.chase_surveys(ctx.desk, event_id, at=at, actor=ctx.actor)
        cover = after.coverage(ctx.desk, event_id, actor=ctx.actor)
    if queued is not None:
        click.echo(f"{queued} request(s) queued")
    _out(cover, as_json, f"event {event_id}: surveyed {cover['surveyed']}/"
         f"{cover['participants']}, required {cover['required']}, shortfall "
         f"{cover['shortfall']}" + (f"; ask {', '.join(cover['to_ask'])}"
                                    if cover["shortfall"] else ""))


@events.command("summary")
@click.argument("event_id", type=int)
@click.argument("text")
@AT
@pass_ctx
def summary(ctx: Context, event_id: int, text: str, at: str | None) -> None:
    """Close an event with its summary (a large event needs its survey coverage)."""
    with ctx.desk.write():
        after.summarise(ctx.desk, event_id, text=text, at=at, actor=ctx.actor)
    click.echo(f"event {event_id}: closed")


@events.command("remind")
@click.option("--within", type=int, default=24, show_default=True, help="Hours ahead.")
@AT
@pass_ctx
def remind(ctx: Context, within: int, at: str | None) -> None:
    """Queue reminders for sessions starting soon."""
    with ctx.desk.write():
        count = registration.remind(ctx.desk, at=at, within_hours=within, actor=ctx.actor)
    click.echo(f"{count} reminder(s) queued")


@events.command("notices")
@click.option("--all", "everything", is_flag=True, help="Include sent ones.")
@click.option("--mark-sent", "sent", multiple=True, type=int, help="Notice ids delivered.")
@AT
@JSON
@pass_ctx
def notices(ctx: Context, everything: bool, sent: tuple[int, ...], at: str | None,
            as_json: bool) -> None:
    """The outbox an SMS or WeChat sender delivers: confirmations, reminders, surveys."""
    with ctx.desk.write():
        if sent:
            registration.mark_sent(ctx.desk, list(sent), at=at, actor=ctx.actor)
        rows = registration.notices(ctx.desk, unsent=not everything, actor=ctx.actor)
    if as_json:
        echo_json(rows)
        return
    for n in rows:
        click.echo(f"{n['id']} {n['kind']} {n['unit']} {n['phone'] or ''} {n['message']}")


@events.command("report")
@click.argument("year", type=int)
@click.argument("season")
@JSON
@pass_ctx
def report(ctx: Context, year: int, season: str, as_json: bool) -> None:
    """Seasonal report: events, participation, satisfaction."""
    data = after.season_report(ctx.desk, year, season, actor=ctx.actor)
    if as_json:
        echo_json(data)
        return
    table([[r["id"], r["title"], r["starts_at"][:10], "Y" if r["large"] else "",
            r["capacity"], r["registered"], r["attended"], r["no_show"], r["surveyed"],
            r["satisfaction"] or ""] for r in data["events"]],
          ["id", "event", "date", "large", "cap", "registered", "attended", "no-show",
           "surveyed", "satisfaction"], title=f"{year} {data['label']}")
    click.echo(f"registered {data['registered']}, attended {data['attended']}, "
               f"satisfaction {data['satisfaction'] or '-'}")


@events.command("purge")
@AT
@JSON
@pass_ctx
def purge(ctx: Context, at: str | None, as_json: bool) -> None:
    """Remove events past retention (default 2 years) and log what went."""
    with ctx.desk.write():
        rows = after.purge(ctx.desk, at=at, actor=ctx.actor)
    _out(rows, as_json, f"{len(rows)} event(s) purged")


@events.command("settings")
@click.argument("key", required=False)
@click.argument("value", required=False)
@pass_ctx
def settings(ctx: Context, key: str | None, value: str | None) -> None:
    """Show or set approval_lead_days, retention_years, survey_share (setting them: a
    supervisor or manager)."""
    if key and value is None:
        raise click.UsageError("give KEY VALUE, or nothing to list")
    if key and value:
        with ctx.desk.write():
            data = service.set_setting(ctx.desk, key, value, actor=ctx.actor)
    else:
        data = service.settings(ctx.desk, actor=ctx.actor)
    for k, v in data.items():
        click.echo(f"{k} = {v}")
