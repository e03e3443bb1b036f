"""Warnings (SPEC §5): group-complaint risk and repeat matters at intake; rising complaints.

Why at intake: a group complaint must reach the site manager "at once", and the third
complaint about the same matter is the moment a corrective action is owed. The check
costs two or three indexed queries on `ticket_topics` (target ≤ 5 ms a ticket). Rising
complaints are a comparison of periods, so they are checked when a report is built.
Every warning is stored once (`alerts`) and announced through `warning_raised`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core import sla
from core.actions import record
from core.models import Alert, Capa, Ticket, TicketTopic
from core.times import show
from core.topics import OTHER, taxonomy

if TYPE_CHECKING:
    from core.desk import Desk

Later = Callable[[dict[str, Any]], None]
KINDS = {"rising": ("投诉上升", "rising complaints"),
         "repeat": ("重复事项", "repeat matter"),
         "group": ("群诉风险", "group-complaint risk")}


def check_intake(desk: Desk, s: Session, batch: list[Ticket]) -> list[list[Later]]:
    """Store each new ticket's topic, then look for a group complaint and a repeat matter.

    The tickets are checked in order, each seeing only itself and the tickets before it
    (`ticket_id <= t.id`), so a batch warns exactly as the same intakes one by one would.
    The counting reads the batch's recent topic rows in two queries, whatever its size.
    """
    tax = taxonomy(desk.config)
    found = []
    for t in batch:
        topic = tax.key(t.topic, t.summary)  # a free-text topic counts as itself
        location = (t.location or "").strip()[:128] or None
        found.append((t, topic, location))
    s.execute(insert(TicketTopic), [
        {"ticket_id": t.id, "topic": topic, "category": t.category, "unit_id": t.unit_id,
         "location": location, "received_at": t.received_at} for t, topic, location in found])
    checked = [x for x in found if x[1] != OTHER]
    warned = _warned(desk, s, checked)
    group_rows, repeat_rows = _recent(desk, s, checked, warned)
    capas = _open_capas(s, checked) if repeat_rows else {}
    out: list[list[Later]] = []
    for t, topic, location in found:
        warnings = [] if topic == OTHER else [
            w for w in (_group(desk, s, t, topic, group_rows, warned),
                        _repeat(desk, s, t, topic, location, repeat_rows, capas))
            if w is not None]
        out.append([_announce(desk, warnings)] if warnings else [])
    return out


def _announce(desk: Desk, warnings: list[dict[str, Any]]) -> Later:
    def fire(ticket: dict[str, Any]) -> None:
        for w in warnings:
            desk.notify("warning_raised", warning=w)
    return fire


def _group_window(desk: Desk) -> timedelta:
    return sla.Duration.parse(desk.config.warnings.group_window).wall


def _warned(desk: Desk, s: Session, checked: list[tuple[Ticket, str, str | None]]
            ) -> dict[str, datetime]:
    """topic → when its latest group warning within reach of the batch was raised."""
    w = desk.config.warnings
    group = [(t, topic) for t, topic, _ in checked
             if t.category in w.group_categories and t.unit_id is not None]
    if not group:
        return {}
    since = min(t.received_at for t, _ in group) - _group_window(desk)
    rows = s.execute(select(Alert.topic, func.max(Alert.raised_at)).where(
        Alert.kind == "group", Alert.key.in_({f"group:{topic}" for _, topic in group}),
        Alert.raised_at > since).group_by(Alert.topic))
    return {topic: at for topic, at in rows if topic is not None}


Place = tuple[str, str, int | None, str | None]  # topic, category, unit or location


def _place(topic: str, category: str, unit_id: int | None, location: str | None) -> Place:
    return (topic, category, unit_id, location if unit_id is None else None)


def _recent(desk: Desk, s: Session, checked: list[tuple[Ticket, str, str | None]],
            warned: dict[str, datetime]) -> tuple[list[Any], dict[Place, list[Any]]]:
    """Topic rows the checks of `checked` may count: group rows, and repeat rows by place.

    A topic warned within the group window of every ticket on it needs no counting."""
    w = desk.config.warnings
    cols = (TicketTopic.ticket_id, TicketTopic.topic, TicketTopic.category,
            TicketTopic.unit_id, TicketTopic.location, TicketTopic.received_at, Ticket.number)
    span = _group_window(desk)
    group = [(t, topic) for t, topic, _ in checked
             if t.category in w.group_categories and t.unit_id is not None
             and not (topic in warned and warned[topic] > t.received_at - span)]
    repeat = [(t, topic, loc) for t, topic, loc in checked
              if t.category in ("complaint", "repair") and (t.unit_id is not None or loc)]
    group_rows: list[Any] = []
    repeat_rows: dict[Place, list[Any]] = defaultdict(list)
    if group:
        group_rows = list(s.execute(select(*cols).join(
            Ticket, Ticket.id == TicketTopic.ticket_id).where(
            TicketTopic.topic.in_({topic for _, topic in group}),
            TicketTopic.received_at > min(t.received_at for t, _ in group) - span,
            TicketTopic.received_at <= max(t.received_at for t, _ in group),
            TicketTopic.unit_id.is_not(None),
            TicketTopic.category.in_(w.group_categories))))
    if repeat:
        span = sla.Duration.parse(w.repeat_window).wall
        units = {t.unit_id for t, _, _ in repeat if t.unit_id is not None}
        places = {loc for t, _, loc in repeat if t.unit_id is None}
        for row in s.execute(select(*cols).join(
            Ticket, Ticket.id == TicketTopic.ticket_id).where(
            TicketTopic.topic.in_({topic for _, topic, _ in repeat}),
            TicketTopic.category.in_({t.category for t, _, _ in repeat}),
            TicketTopic.received_at > min(t.received_at for t, _, _ in repeat) - span,
            TicketTopic.received_at <= max(t.received_at for t, _, _ in repeat),
            TicketTopic.unit_id.in_(units) | (TicketTopic.unit_id.is_(None)
                                              & TicketTopic.location.in_(places)))
                .order_by(TicketTopic.ticket_id)):
            repeat_rows[_place(row.topic, row.category, row.unit_id, row.location)].append(row)
    return group_rows, repeat_rows


CapaKey = tuple[str, str, int | None, str | None]


def _capa_key(source: str, topic: str, unit_id: int | None, location: str | None) -> CapaKey:
    return (source, topic, unit_id, location if unit_id is None else None)


def _open_capas(s: Session, checked: list[tuple[Ticket, str, str | None]]
                ) -> dict[CapaKey, Capa]:
    """The open corrective actions a batch's repeat matters may join, in one query."""
    repeat = [(t, topic, loc) for t, topic, loc in checked
              if t.category in ("complaint", "repair") and (t.unit_id is not None or loc)]
    if not repeat:
        return {}
    units = {t.unit_id for t, _, _ in repeat if t.unit_id is not None}
    places = {loc for t, _, loc in repeat if t.unit_id is None}
    found: dict[CapaKey, Capa] = {}
    for capa in s.scalars(select(Capa).where(
            Capa.source.in_({f"repeat_{t.category}" for t, _, _ in repeat}),
            Capa.topic.in_({topic for _, topic, _ in repeat}), Capa.state != "closed",
            Capa.unit_id.in_(units) | (Capa.unit_id.is_(None) & Capa.location.in_(places)))
            .order_by(Capa.id)):
        found.setdefault(_capa_key(capa.source, capa.topic, capa.unit_id, capa.location),
                         capa)
    return found


def _group(desk: Desk, s: Session, t: Ticket, topic: str, rows: list[Any],
           warned: dict[str, datetime]) -> dict[str, Any] | None:
    w = desk.config.warnings
    if t.category not in w.group_categories or t.unit_id is None:
        return None
    since = t.received_at - _group_window(desk)
    if topic in warned and warned[topic] > since:
        return None  # already warned for this burst
    households = len({r.unit_id for r in rows if r.topic == topic and r.ticket_id <= t.id
                      and since < r.received_at <= t.received_at})
    if households < w.group_households:
        return None
    key = f"group:{topic}"
    warned[topic] = t.received_at  # the warning raised below, for the rest of the batch
    numbers = list(s.scalars(select(Ticket.number).join(
        TicketTopic, TicketTopic.ticket_id == Ticket.id).where(
        TicketTopic.topic == topic, TicketTopic.received_at > since,
        TicketTopic.received_at <= t.received_at, TicketTopic.ticket_id <= t.id,
        TicketTopic.category.in_(w.group_categories)).order_by(Ticket.id)))
    data = {"households": households, "threshold": w.group_households,
            "window": w.group_window, "tickets": numbers}
    alert = _raise(desk, s, "group", key, topic, "manager", t, data)

    record(s, t, "notified", t.received_at, "system", {
        "to": "manager", "why": f"group-complaint risk (群诉风险): {households} households on "
        f"{taxonomy(desk.config).label(topic)} within {w.group_window}"})
    return alert


def _repeat(desk: Desk, s: Session, t: Ticket, topic: str, location: str | None,
            rows: dict[Place, list[Any]], capas: dict[CapaKey, Capa]
            ) -> dict[str, Any] | None:
    if t.category not in ("complaint", "repair"):
        return None
    w = desk.config.warnings
    source = f"repeat_{t.category}"
    since = t.received_at - sla.Duration.parse(w.repeat_window).wall
    if t.unit_id is None and not location:
        return None
    numbers = [r.number for r in rows.get(_place(topic, t.category, t.unit_id, location), ())
               if r.ticket_id <= t.id and since < r.received_at <= t.received_at]
    if len(numbers) < w.repeat_count:
        return None
    slot = _capa_key(source, topic, t.unit_id, location)
    capa = capas.get(slot)
    if capa is not None:  # the open corrective action gathers the new occurrence
        capa.tickets = [*capa.tickets, t.number]
        capa.history = [*capa.history, {"at": show(t.received_at, desk.tz), "by": "system",
                                         "change": {"ticket": t.number}}]
        return None
    from core.capa import open_capa

    capa = capas[slot] = open_capa(desk, s, source, topic, t, location, numbers)
    data = {"count": len(numbers), "threshold": w.repeat_count, "window": w.repeat_window,
            "tickets": numbers, "capa": capa.number, "unit": t.unit.code if t.unit else None,
            "location": location, "category": t.category}
    key = f"{source}:{topic}:{t.unit_id or location}"
    return _raise(desk, s, "repeat", key, topic, "supervisor", t, data, capa.id)


def _raise(desk: Desk, s: Session, kind: str, key: str, topic: str | None, to_role: str,
           t: Ticket | None, data: dict[str, Any], capa_id: int | None = None,
           at: datetime | None = None) -> dict[str, Any]:
    at = at or (t.received_at if t is not None else desk.now())
    alert = Alert(kind=kind, key=key[:160], topic=topic, to_role=to_role, raised_at=at,
                  ticket_id=t.id if t is not None else None, capa_id=capa_id, data=data)
    s.add(alert)
    s.flush()
    return alert_view(alert, desk, t.number if t is not None else None)


def alert_view(alert: Alert, desk: Desk, number: str | None = None) -> dict[str, Any]:
    zh, en = KINDS[alert.kind]
    tax = taxonomy(desk.config)
    return {"id": alert.id, "kind": alert.kind, "label": f"{zh} {en}", "topic": alert.topic,
            "topic_label": tax.label(alert.topic) if alert.topic else None,
            "to": alert.to_role, "raised_at": show(alert.raised_at, desk.tz),
            "ticket": number, "data": alert.data}


def rising(desk: Desk, current: dict[str, int], previous: dict[str, int],
           last_year: dict[str, int]) -> list[dict[str, Any]]:
    """Complaint counts (key "total" and topic codes) rising beyond the configured threshold.

    Rising means: at least `rising_min` more than the comparison *and* at least
    `rising_ratio` above it (from zero, the count alone must reach `rising_min`).
    """
    w = desk.config.warnings
    out = []
    for scope, now_n in current.items():
        for against, table in (("previous", previous), ("last_year", last_year)):
            before = table.get(scope, 0)
            if now_n - before >= w.rising_min and now_n >= before * (1 + w.rising_ratio):
                out.append({"scope": scope, "against": against, "count": now_n,
                            "before": before,
                            "change": None if before == 0 else round(now_n / before - 1, 4)})
    return out


def record_rising(desk: Desk, period: str, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store and announce each rising warning once per period (reports are built often)."""
    new: list[dict[str, Any]] = []
    with desk.write() as s:
        for item in found:
            key = f"rising:{period}:{item['scope']}:{item['against']}"
            if s.scalar(select(Alert.id).where(Alert.kind == "rising", Alert.key == key)):
                continue
            topic = None if item["scope"] == "total" else item["scope"]
            new.append(_raise(desk, s, "rising", key, topic, "supervisor", None,
                              {"period": period} | item, at=desk.now()))
        for w in new:
            desk.notify("warning_raised", warning=w)
    return new


def list_alerts(desk: Desk, start: datetime, end: datetime) -> list[dict[str, Any]]:
    with desk.read() as s:
        rows = s.execute(select(Alert, Ticket.number).outerjoin(
            Ticket, Ticket.id == Alert.ticket_id).where(
            Alert.raised_at >= start, Alert.raised_at < end).order_by(Alert.raised_at,
                                                                      Alert.id))
        return [alert_view(a, desk, n) for a, n in rows]
