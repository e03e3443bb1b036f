"""Queue messages after the event's commit; send them in one lane per channel.

A lane leases one due row at a time in a short transaction, sends outside any transaction
and records the outcome in another (as the webhook sender does), so a slow mail server
delays only e-mail, never a robot or an SMS, and never a user's request.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core.models import Staff
from core.notifiers.models import Notification
from core.notifiers.routing import DEFAULTS, Event, message
from core.notifiers.settings import NotifySettings

if TYPE_CHECKING:
    from core.desk import Desk

log = logging.getLogger("propdesk.notify")


def settings(desk: Desk) -> NotifySettings:
    return desk.settings("notify")


def configured(cfg: NotifySettings) -> list[str]:
    return [name for name in ("email", "wecom", "dingtalk", "sms")
            if getattr(cfg.channels, name) is not None]


def enqueue(desk: Desk, event: Event, only: list[str] | None = None,
            staff: list[str] | None = None) -> list[int]:
    """Write the rows this event's routes ask for (a unit of work of its own); ids."""
    cfg = settings(desk)
    ready = configured(cfg)
    if not ready:
        return []
    routes = [r for r in (cfg.routes if cfg.routes is not None else DEFAULTS)
              if event.matches(r)] if staff is None else []
    subject, text = message(event)
    now = desk.now()
    rows: dict[tuple[str, tuple[str, ...]], Notification] = {}
    with desk.write() as s:
        active = {p.name: p.role for p in s.scalars(select(Staff).where(Staff.active))}
        plans = [(only or list(r.channels), sorted(
            {n for n, role in active.items() if role in event.roles(r)} | set(r.staff)))
            for r in routes]
        if staff is not None:
            plans = [(only or ready, sorted(staff))]
        for chans, names in plans:
            for chan in chans:
                if chan not in ready or not names:
                    continue
                for addresses in _addresses(cfg, chan, names):
                    key = (chan, tuple(addresses) or tuple(names))
                    if key in rows:
                        continue
                    rows[key] = Notification(
                        event=event.name, channel=chan, recipients=names,
                        addresses=addresses, subject=subject, text=text, status="pending",
                        attempts=0, next_attempt_at=now, created_at=now,
                        ticket=(event.ticket or {}).get("number"), data={})
                    s.add(rows[key])
        s.flush()
        return [r.id for r in rows.values()]


def _addresses(cfg: NotifySettings, chan: str, names: list[str]) -> list[list[str]]:
    """One row's addresses per message: e-mail one message to all, SMS one per mobile,
    a robot one post mentioning every mobile it knows."""
    contacts = [cfg.contacts.get(n) for n in names]
    if chan == "email":
        return [[c.email for c in contacts if c and c.email]]
    mobiles = [c.mobile for c in contacts if c and c.mobile]
    if chan == "sms":
        return [[m] for m in mobiles] or [[]]
    return [mobiles]


def _send(cfg: NotifySettings, row: tuple[str, list[str], str, str]) -> None:
    from core.notifiers import channels  # httpx and smtplib: only where something is sent

    chan, addresses, subject, text = row
    timeout = cfg.timeout_seconds
    if getattr(cfg.channels, chan, None) is None:
        raise channels.SendError(f"channel {chan!r} is not configured (any more)")
    if chan == "email":
        channels.email(cfg.channels.email, addresses, subject, text, timeout)
    elif chan == "wecom":
        channels.wecom(cfg.channels.wecom, addresses, text, timeout)
    elif chan == "dingtalk":
        channels.dingtalk(cfg.channels.dingtalk, addresses, text, timeout)
    elif chan == "sms":
        if not addresses:
            raise channels.SendError("no mobile number for the recipients "
                                     "([plugins.notify.contacts])")
        channels.sms(cfg.channels.sms, addresses[0], text, timeout)


def deliver_lane(desk: Desk, chan: str, now: datetime | None = None, limit: int = 100
                 ) -> dict[str, int]:
    """Send what is due on one channel; counts by outcome."""
    cfg = settings(desk)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    lease = timedelta(seconds=cfg.timeout_seconds * 2 + 30)
    for _ in range(limit):
        at = now or desk.now()
        with desk.write() as s:
            row = s.scalar(select(Notification).where(
                Notification.channel == chan, Notification.status == "pending",
                Notification.next_attempt_at <= at).order_by(Notification.next_attempt_at)
                .limit(1).with_for_update(skip_locked=True))
            if row is None:
                break
            row.next_attempt_at = at + lease  # others skip it while it is in flight
            job_id, job = row.id, (row.channel, list(row.addresses), row.subject, row.text)
        error = None
        try:
            _send(cfg, job)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            error = str(exc) or type(exc).__name__
        with desk.write() as s:
            row = s.get(Notification, job_id)
            assert row is not None
            row.attempts += 1
            if error is None:
                row.status, row.sent_at, row.last_error = "sent", desk.now(), None
                counts["sent"] += 1
            elif row.attempts >= cfg.max_attempts:
                row.status, row.last_error = "failed", error
                counts["failed"] += 1
                log.warning("notification %s on %s failed for good: %s", job_id, chan, error)
            else:
                row.last_error = error
                row.next_attempt_at = at + timedelta(
                    seconds=cfg.backoff_seconds * 2 ** (row.attempts - 1))
                counts["retry"] += 1
    return counts


def deliver_due(desk: Desk, now: datetime | None = None, wait: bool = False
                ) -> dict[str, dict[str, int]]:
    """Start a lane per configured channel that has no lane running (the background loop
    calls this every second); `wait=True` runs them and returns their counts."""
    chans = configured(settings(desk))
    if not chans:
        return {}
    results: dict[str, dict[str, int]] = {}
    lanes: dict[str, threading.Thread] = desk.state.setdefault("notify_lanes", {})
    started = []
    for chan in chans:
        lane = lanes.get(chan)
        if lane is not None and lane.is_alive():
            continue

        def run(chan: str = chan) -> None:
            try:
                results[chan] = deliver_lane(desk, chan, now)
            except Exception:  # the next call starts the lane again
                log.exception("notification lane %s failed", chan)

        lanes[chan] = thread = threading.Thread(target=run, name=f"notify-{chan}",
                                                daemon=True)
        thread.start()
        started.append(thread)
    if wait:
        for thread in started:
            thread.join()
    return results


def listing(desk: Desk, status: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    with desk.read() as s:
        query = select(Notification).order_by(Notification.id.desc()).limit(limit)
        if status:
            query = query.where(Notification.status == status)
        tz = desk.tz
        return [{"id": n.id, "event": n.event, "channel": n.channel, "ticket": n.ticket,
                 "recipients": n.recipients, "status": n.status, "attempts": n.attempts,
                 "created_at": n.created_at.astimezone(tz).isoformat(timespec="seconds"),
                 "sent_at": n.sent_at.astimezone(tz).isoformat(timespec="seconds")
                 if n.sent_at else None, "last_error": n.last_error, "subject": n.subject}
                for n in s.scalars(query)]
