"""Outbound webhooks, a built-in plugin: notifications become signed, retried deliveries.

A notification only writes a row to the outbox (`webhook_deliveries`); a background
sender posts it. A dead receiver therefore never slows or breaks intake. Each POST is
signed as the Standard Webhooks spec says (`webhook-id`, `webhook-timestamp`,
`webhook-signature`, made by the spec's `standardwebhooks` library) and, for receivers
written before, with `X-Propdesk-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the secret>`.

Owners' phone numbers leave masked (`138****5678`) unless a manager granted the
subscription full numbers (`unmasked`, recorded with who and when). Each subscription is
posted to in its own lane (a thread): a slow or dead receiver delays only its own
deliveries, bounded by `[service] webhook_timeout` per attempt and backed off after a
failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from core import hookimpl, permissions
from core.directory import get_staff
from core.errors import Conflict, DomainError, NotFound
from core.models import WebhookDelivery, WebhookSubscription
from core.times import show

if TYPE_CHECKING:  # httpx loads where something is sent, not for every command
    import httpx

    from core.desk import Desk

log = logging.getLogger("propdesk.webhooks")
EVENTS = ("ticket_created", "ticket_transitioned", "sla_at_risk", "sla_breached",
          "followup_recorded")


@hookimpl
def site_opened(desk: Desk) -> None:
    """This database's outbox: a unit of work's deliveries are written together."""
    desk.bursts.append(outbox(desk).held)


def outbox(desk: Desk) -> Outbox:
    """The outbox of one site's database (per desk: one plugin manager serves them all)."""
    found = desk.state.get("webhooks")
    if found is None:
        found = desk.state["webhooks"] = Outbox(desk)
    return found


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def standard_headers(secret: str, delivery_id: int, timestamp: int, body: bytes
                     ) -> dict[str, str]:
    """The Standard Webhooks headers (standardwebhooks.com, as Svix and Zapier read them):
    `webhook-id` (the same for every retry and redelivery, so a receiver can drop
    duplicates), `webhook-timestamp` and `webhook-signature`, signed by the spec's own
    library with the subscription's secret (a `whsec_…` secret, or an older one as the
    library reads it, so a receiver verifies with `Webhook(secret)` either way)."""
    from standardwebhooks.webhooks import Webhook

    msg_id = f"msg_{delivery_id}"
    at = datetime.fromtimestamp(timestamp, UTC)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": Webhook(secret).sign(msg_id, at, body)}


def verify(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that it is recent."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


class Outbox:
    """Turns every notification into outbox rows for the subscribers of that event."""

    #: subscriptions are re-read at most this often (seconds): a change takes effect within it
    CACHE_SECONDS = 2.0

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._subs: list[tuple[int, list[str], bool]] = []
        self._read_at = float("-inf")
        self._held = threading.local()  # rows waiting for the end of a burst, per thread

    def _subscribers(self, event: str) -> list[tuple[int, bool]]:
        """(subscription id, granted full phone numbers) of every subscriber to `event`."""
        if time.monotonic() - self._read_at > self.CACHE_SECONDS:
            with self.desk.read() as s:
                self._subs = [(w.id, list(w.events), w.unmasked) for w in s.scalars(
                    select(WebhookSubscription).where(WebhookSubscription.active.is_(True)))]
            self._read_at = time.monotonic()
        return [(sid, unmasked) for sid, events, unmasked in self._subs
                if event in events or "*" in events]

    def forget(self) -> None:
        """Re-read subscriptions on the next event (after a change in this process)."""
        self._read_at = float("-inf")

    @contextmanager
    def held(self) -> Iterator[None]:
        """Queue the deliveries of a burst of notifications (a batch of intakes, a watcher
        pass) in one transaction at its end instead of one transaction each."""
        if getattr(self._held, "rows", None) is not None:  # already inside a burst
            yield
            return
        self._held.rows = []
        try:
            yield
        finally:
            rows, self._held.rows = self._held.rows, None
            self._write(rows)

    def enqueue(self, event: str, data: dict[str, Any]) -> None:
        targets = self._subscribers(event)
        if not targets:
            return
        now = self.desk.now()
        payload = {"event": event, "data": data}
        masked = masked_payload(payload) if not all(u for _, u in targets) else payload
        rows = [{"subscription_id": sub_id, "event": event, "status": "pending",
                 "payload": payload if unmasked else masked, "attempts": 0,
                 "next_attempt_at": now, "created_at": now} for sub_id, unmasked in targets]
        held = getattr(self._held, "rows", None)
        if held is not None:
            held.extend(rows)
        else:
            self._write(rows)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            with self.desk.write() as s:
                s.execute(insert(WebhookDelivery), rows)


@hookimpl
def ticket_created(ticket: dict[str, Any], desk: Desk) -> None:
    outbox(desk).enqueue("ticket_created", {"ticket": ticket})


@hookimpl
def ticket_transitioned(ticket: dict[str, Any], action: str, from_state: str,
                        to_state: str, event: dict[str, Any], desk: Desk) -> None:
    outbox(desk).enqueue("ticket_transitioned", {"ticket": ticket, "action": action,
                                                 "from_state": from_state,
                                                 "to_state": to_state, "event": event})


@hookimpl
def sla_at_risk(ticket: dict[str, Any], clock: dict[str, Any], desk: Desk) -> None:
    outbox(desk).enqueue("sla_at_risk", {"ticket": ticket, "clock": clock})


@hookimpl
def sla_breached(ticket: dict[str, Any], clock: dict[str, Any], desk: Desk) -> None:
    outbox(desk).enqueue("sla_breached", {"ticket": ticket, "clock": clock})


@hookimpl
def followup_recorded(ticket: dict[str, Any], followup: dict[str, Any], desk: Desk) -> None:
    outbox(desk).enqueue("followup_recorded", {"ticket": ticket, "followup": followup})


def masked_payload(value: Any) -> Any:
    """A payload with every owner's phone masked (`permissions.mask_deep`)."""
    return permissions.mask_deep(value)


def subscribe(desk: Desk, url: str, events: list[str], secret: str | None = None,
              actor: str | None = None, unmasked: bool = False) -> dict[str, Any]:
    """A new subscription; the secret (generated unless given) is returned once. Payloads
    carry full phone numbers only when `unmasked`, which only a manager (or the site
    operator) may grant; the grant is recorded."""
    if not url.startswith(("http://", "https://")):
        raise DomainError("url", "use an http:// or https:// address")
    unknown = [e for e in events if e not in EVENTS and e != "*"]
    if unknown or not events:
        raise DomainError("events", f"unknown event {unknown[0] if unknown else ''!r}; "
                          f"one or more of: {', '.join(EVENTS)} or *")
    secret = secret or new_secret()
    if len(secret) < 16:
        raise DomainError("secret", "use at least 16 characters")
    with desk.write() as s:
        staff = get_staff(s, actor, "as") if actor else None
        permissions.check(staff, "webhook")
        sub = WebhookSubscription(url=url, secret=secret, events=list(events), active=True,
                                  created_at=desk.now())
        if unmasked:
            _grant(desk, sub, staff)
        s.add(sub)
        s.flush()
        row = subscription_view(desk, sub) | {"secret": secret}
    _forget(desk)
    return row


def _grant(desk: Desk, sub: WebhookSubscription, staff: Any) -> None:
    permissions.require(staff, "grant a webhook full phone numbers", {"manager"})
    sub.unmasked, sub.unmasked_at = True, desk.now()
    sub.unmasked_by = staff.name if staff is not None else OPERATOR


#: who granted full numbers when the CLI ran without `--as`
OPERATOR = "(site operator)"


def set_unmasked(desk: Desk, sub_id: int, unmasked: bool,
                 actor: str | None = None) -> dict[str, Any]:
    """Grant (a manager) or withdraw (a manager or integrator) full phone numbers."""
    with desk.write() as s:
        staff = get_staff(s, actor, "as") if actor else None
        permissions.check(staff, "webhook")
        sub = s.get(WebhookSubscription, sub_id, with_for_update=True)
        if sub is None:
            raise NotFound("id", f"no webhook {sub_id}")
        if unmasked:
            _grant(desk, sub, staff)
        else:
            sub.unmasked, sub.unmasked_by, sub.unmasked_at = False, None, None
        row = subscription_view(desk, sub)
    _forget(desk)
    return row


def subscription_view(desk: Desk, w: WebhookSubscription) -> dict[str, Any]:
    return {"id": w.id, "url": w.url, "events": list(w.events), "active": w.active,
            "unmasked": bool(w.unmasked), "unmasked_by": w.unmasked_by,
            "unmasked_at": show(w.unmasked_at, desk.tz)}


@contextmanager
def held(desk: Desk) -> Iterator[None]:
    """`Outbox.held` for this desk's outbox."""
    with outbox(desk).held():
        yield


def _forget(desk: Desk) -> None:
    outbox(desk).forget()


def unsubscribe(desk: Desk, sub_id: int, actor: str | None = None) -> None:
    with desk.write() as s:
        permissions.check(get_staff(s, actor, "as") if actor else None, "webhook")
        sub = s.get(WebhookSubscription, sub_id)
        if sub is None:
            raise NotFound("id", f"no webhook {sub_id}")
        sub.active = False
    _forget(desk)


def subscriptions(desk: Desk, actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        permissions.authorise(desk, actor, "webhook")
        return [subscription_view(desk, w)
                for w in s.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))]


def deliveries(desk: Desk, status: str | None = None, limit: int = 50,
               actor: str | None = None) -> list[dict[str, Any]]:
    with desk.read() as s:
        permissions.authorise(desk, actor, "webhook")
        query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
        if status:
            query = query.where(WebhookDelivery.status == status)
        return [{"id": d.id, "subscription": d.subscription_id, "event": d.event,
                 "status": d.status, "attempts": d.attempts, "last_status": d.last_status,
                 "last_error": d.last_error, "created_at": show(d.created_at, desk.tz),
                 "next_attempt_at": show(d.next_attempt_at, desk.tz),
                 "delivered_at": show(d.delivered_at, desk.tz)} for d in s.scalars(query)]


def redeliver(desk: Desk, delivery_id: int, actor: str | None = None) -> dict[str, Any]:
    """Send a delivery again (a receiver was down past the retries, or lost it): the same
    message (`webhook-id`) goes back in its lane, due now, with a fresh count of attempts.
    One pending at a time: a delivery still pending is refused."""
    with desk.write() as s:
        permissions.authorise(desk, actor, "webhook")
        row = s.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
                       .with_for_update())
        if row is None:
            raise NotFound("delivery_id", f"no webhook delivery {delivery_id}")
        if row.status == "pending":
            raise Conflict("delivery_id", f"delivery {delivery_id} is still pending: it is "
                           "sent by itself")
        row.status, row.attempts, row.next_attempt_at = "pending", 0, desk.now()
        s.flush()
        return {"id": row.id, "event": row.event, "status": row.status,
                "subscription": row.subscription_id}


def deliver_due(desk: Desk, now: datetime | None = None, client: httpx.Client | None = None,
                limit: int = 100) -> dict[str, int]:
    """Send what is due, each subscription in its own lane, and wait; counts by outcome.

    For `watch --once` and tests; the service's background sender (`Sender`) does not
    wait for a slow lane. A pass with nothing due costs one read.
    """
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    due = due_subscriptions(desk, now)
    if not due:
        return counts
    own = client is None
    client = client or _client(desk)
    try:
        with ThreadPoolExecutor(max_workers=min(len(due), desk.config.service.webhook_lanes),
                                thread_name_prefix="webhook-lane") as pool:
            for lane in pool.map(lambda sid: drain(desk, sid, now, client, limit,
                                                   stop_on_failure=False), due):
                for key, value in lane.items():
                    counts[key] += value
    finally:
        if own:
            client.close()
    return counts


def due_subscriptions(desk: Desk, now: datetime | None = None) -> list[int]:
    """Subscriptions with a delivery due now."""
    with desk.read() as s:
        return list(s.scalars(select(WebhookDelivery.subscription_id).where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= (now or desk.now())).distinct()))


def _client(desk: Desk) -> httpx.Client:
    import httpx

    return httpx.Client(timeout=desk.config.service.webhook_timeout,
                        limits=httpx.Limits(max_connections=desk.config.service.webhook_lanes))


def drain(desk: Desk, sub_id: int, now: datetime | None, client: httpx.Client,
          limit: int = 100, stop_on_failure: bool = True) -> dict[str, int]:
    """One lane: post one subscription's due deliveries in order.

    Each delivery is leased in a short transaction, posted outside any transaction (a slow
    receiver holds no lock), and its outcome recorded in another. After a failed attempt
    the lane stops (`stop_on_failure`): the receiver is left alone until its retry is due.
    """
    cfg = desk.config.service
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    for _ in range(limit):
        now_ = now or desk.now()
        with desk.write() as s:
            row = s.scalar(select(WebhookDelivery).where(
                WebhookDelivery.subscription_id == sub_id,
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now_)
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(1).with_for_update(skip_locked=True))
            if row is None:
                break
            sub = s.get(WebhookSubscription, row.subscription_id)
            assert sub is not None
            # the lease: other senders skip this row while it is in flight
            row.next_attempt_at = now_ + timedelta(seconds=cfg.webhook_timeout * 2 + 60)
            # a row queued before its subscription lost (or never had) the grant: masked
            payload = row.payload if sub.unmasked else masked_payload(row.payload)
            job = (row.id, row.event, payload, sub.url, sub.secret)
        status, error = _post(client, *job)
        with desk.write() as s:
            row = s.get(WebhookDelivery, job[0])
            assert row is not None
            outcome = _record(row, status, error, cfg.webhook_max_attempts,
                              cfg.webhook_backoff, now or desk.now(), job[3])
        counts[outcome] += 1
        if outcome != "delivered" and stop_on_failure:
            break
    return counts


class Sender:
    """The service's background sender: every pass starts a lane (a thread) for each
    subscription with deliveries due that has none running, and returns at once. A
    lane that failed leaves its receiver alone for `webhook_backoff` seconds."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.lanes: dict[int, threading.Thread] = {}
        self.resting: dict[int, float] = {}
        self.client = _client(desk)
        self._lock = threading.Lock()

    def run_pass(self) -> int:
        """Start the lanes that are due; returns how many are running."""
        cfg = self.desk.config.service
        with self._lock:
            self.lanes = {sid: t for sid, t in self.lanes.items() if t.is_alive()}
            for sid in due_subscriptions(self.desk):
                if sid in self.lanes or self.resting.get(sid, 0.0) > time.monotonic():
                    continue
                if len(self.lanes) >= cfg.webhook_lanes:
                    break
                lane = threading.Thread(target=self._lane, args=(sid,), daemon=True,
                                        name=f"webhook-lane-{sid}")
                self.lanes[sid] = lane
                lane.start()
            return len(self.lanes)

    def _lane(self, sid: int) -> None:
        try:
            counts = drain(self.desk, sid, None, self.client)
        except Exception:  # logged; the next pass starts the lane again
            log.exception("webhook lane %s failed", sid)
            counts = {"retry": 1}
        if counts.get("retry") or counts.get("failed"):
            self.resting[sid] = time.monotonic() + self.desk.config.service.webhook_backoff
        else:
            self.resting.pop(sid, None)

    def join(self, timeout: float) -> None:
        """Wait for the running lanes (at shutdown), then close the client."""
        deadline = time.monotonic() + timeout
        for lane in list(self.lanes.values()):
            lane.join(max(0.0, deadline - time.monotonic()))
        self.client.close()


def _post(client: httpx.Client, delivery_id: int, event: str, payload: dict[str, Any],
          url: str, secret: str) -> tuple[int | None, str | None]:
    import httpx

    body = json.dumps(payload | {"delivery": delivery_id}, ensure_ascii=False,
                      sort_keys=True).encode()
    now = int(time.time())
    headers = {"Content-Type": "application/json", "X-Propdesk-Event": event,
               "X-Propdesk-Delivery": str(delivery_id),
               "X-Propdesk-Signature": sign(secret, body, now),
               **standard_headers(secret, delivery_id, now, body)}
    try:
        return client.post(url, content=body, headers=headers).status_code, None
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


def _record(row: WebhookDelivery, status: int | None, error: str | None, max_attempts: int,
            backoff: float, now: datetime, url: str) -> str:
    row.attempts += 1
    row.last_status, row.last_error = status, error
    if status is not None and 200 <= status < 300:
        row.status, row.delivered_at = "delivered", now
        return "delivered"
    if row.attempts >= max_attempts:
        row.status = "failed"
        log.warning("webhook delivery %s to %s failed %s times; giving up", row.id, url,
                    row.attempts)
        return "failed"
    row.next_attempt_at = now + timedelta(seconds=backoff * 2 ** (row.attempts - 1))
    return "retry"
