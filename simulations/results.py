"""Flat results of one replication: per interval, per ticket, and the targets met.

Measured after the run from the tasks' times, so the event loop stays lean and every
figure comes from the same record of who entered, started and left when.
Service level = calls answered within the target / calls offered (a caller who hangs up
counts against it; a call-back is a new call).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.sla import Duration
from simulations.model import DAY, DeskModel


@dataclass
class ReplicationResult:
    rep: int
    seed: int
    metrics: dict[str, float]
    meets: dict[str, bool]
    intervals: dict[str, np.ndarray]
    #: agent shift instances within the horizon: shift index, day, start (s), staff, SL
    shifts: list[tuple[int, int, float, int, float]] = field(default_factory=list)
    tickets: dict[str, np.ndarray] | None = None

    @property
    def ok(self) -> bool:
        return all(self.meets.values())

    def failed(self) -> list[str]:
        return [k for k, v in self.meets.items() if not v]

    def interval_records(self) -> list[dict[str, Any]]:
        cols = self.intervals
        return [{k: _py(v[i]) for k, v in cols.items()} for i in range(len(cols["start_s"]))]

    def ticket_records(self) -> list[dict[str, Any]]:
        cols = self.tickets or {}
        n = len(next(iter(cols.values()))) if cols else 0
        return [{k: _py(v[i]) for k, v in cols.items()} for i in range(n)]


def _py(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def time_average(begin: np.ndarray, end: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean number of open [begin, end) spans within each bin between `edges`."""
    a = np.sort(begin)
    b = np.sort(end)
    pa = np.concatenate(([0.0], np.cumsum(a)))
    pb = np.concatenate(([0.0], np.cumsum(b)))
    na = np.searchsorted(a, edges)
    nb = np.searchsorted(b, edges)
    area = (na * edges - pa[na]) - (nb * edges - pb[nb])
    return np.diff(area) / np.diff(edges)


def summarise(model: DeskModel, keep_tickets: bool = False) -> ReplicationResult:
    sc, tg = model.sc, model.sc.targets
    t = model.tasks
    enter = np.asarray(t.enter)
    start = np.asarray(t.start)
    end = np.asarray(t.end)
    n = model.callers.n
    # calls still waiting when the run ended gave up at their patience, if it came first
    gone = np.isnan(start) & np.isnan(end) & (np.asarray(t.renege) <= model.end)
    end[gone] = np.asarray(t.renege)[gone]

    # desk attempts: every caller, plus the call-backs
    retries = np.array([k for k, o in model.origin.items() if o >= 0 and k < len(enter)], int)
    ticket_of = np.concatenate((np.arange(n), [model.origin[k] for k in retries])).astype(int)
    calls = np.concatenate((np.arange(n), retries)).astype(int)
    stream = model.callers.stream[ticket_of] if n else np.array([], int)
    chan = np.array([s.channel for s in model.streams])[stream] if n else np.array([], str)
    live = model.callers.live[ticket_of] if n else np.array([], bool)
    c_enter, c_start, c_end = enter[calls], start[calls], end[calls]
    wait = c_start - c_enter
    warm = sc.scenario.warmup_hours * 3600
    counted = live & np.isin(chan, tg.sl_channels) & (c_enter >= warm) & (c_enter < model.horizon)
    answered = counted & ~np.isnan(c_start)
    within = answered & (wait <= tg.answer_within_s)
    abandoned = counted & np.isnan(c_start)

    offered_n = int(counted.sum())
    metrics: dict[str, float] = {
        "offered": float(offered_n),
        "service_level": within.sum() / offered_n if offered_n else math.nan,
        "p_wait": (answered & (wait > 0)).sum() / answered.sum() if answered.any() else math.nan,
        "mean_wait_s": float(wait[answered].mean()) if answered.any() else math.nan,
        "abandon_rate": abandoned.sum() / offered_n if offered_n else math.nan,
    }

    # intervals over the horizon
    width = sc.scenario.interval_minutes * 60
    edges = np.arange(0, model.horizon + width / 2, width, dtype=float)
    bins = np.clip((c_enter // width).astype(int), 0, len(edges) - 2)
    m = len(edges) - 1

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(bins[mask], minlength=m)[:m]

    off_i, ans_i, within_i, aband_i = count(counted), count(answered), count(within), count(
        abandoned)
    wait_sum = np.bincount(bins[answered], weights=wait[answered], minlength=m)[:m]
    waited = live & ~(np.isnan(c_start) & np.isnan(c_end))
    q_end = np.where(np.isnan(c_start), c_end, c_start)
    d = model.desk
    on_from = np.asarray(d.avail_from)
    off = np.where(np.isnan(d.off_at), np.minimum(d.leave_at, model.end), d.off_at)
    br = np.asarray(d.breaks, float).reshape(-1, 2)
    followups = [k for k in range(n, len(enter)) if k not in model.origin]
    desk_tasks = np.concatenate((calls, followups))
    desk_tasks = desk_tasks.astype(int)
    served = desk_tasks[~np.isnan(start[desk_tasks])]
    s_end = np.where(np.isnan(end[served]), model.end, end[served])
    with np.errstate(invalid="ignore", divide="ignore"):
        agents = time_average(on_from, off, edges) - time_average(br[:, 0], br[:, 1], edges)
        busy = time_average(start[served], s_end, edges)
        intervals = {
            "start_s": edges[:-1],
            "offered": off_i, "answered": ans_i, "within_target": within_i,
            "abandoned": aband_i,
            "service_level": np.where(off_i > 0, within_i / np.maximum(off_i, 1), np.nan),
            "mean_wait_s": np.where(ans_i > 0, wait_sum / np.maximum(ans_i, 1), np.nan),
            "queue": time_average(c_enter[waited], q_end[waited], edges),
            "agents": agents,
            "busy": busy,
            "occupancy": np.where(agents > 0, busy / np.where(agents > 0, agents, 1), np.nan),
        }
    days = np.clip((c_enter // DAY).astype(int), 0, sc.scenario.days - 1)
    day_off = np.bincount(days[counted], minlength=sc.scenario.days)
    day_within = np.bincount(days[within], minlength=sc.scenario.days)
    day_sl = np.where(day_off > 0, day_within / np.maximum(day_off, 1), np.nan)
    metrics["min_day_service_level"] = float(np.nanmin(day_sl)) if offered_n else math.nan
    for i, v in enumerate(day_sl):
        metrics[f"day{i + 1}_service_level"] = float(v)

    if sc.agents.fixed is None:
        leave, paid_from = np.asarray(d.leave_at), np.asarray(d.paid_from)
        in_horizon = paid_from < model.horizon
        metrics["agent_hours"] = float((leave - paid_from)[in_horizon].sum() / 3600)
        overtime = np.nan_to_num(np.asarray(d.off_at) - leave, nan=0.0).clip(0)
        metrics["overtime_hours"] = float(overtime[in_horizon].sum() / 3600)
    else:
        metrics["agent_hours"] = sc.agents.fixed * model.horizon / 3600
        metrics["overtime_hours"] = 0.0
    total_agents = float(np.nansum(agents))
    metrics["occupancy"] = float(np.nansum(busy) / total_agents) if total_agents else math.nan

    shifts = []
    if sc.agents.fixed is None:
        for j, day, begin, staff in model.agent_shifts:
            length = sc.agents.shift[j].length_min * 60
            if begin >= model.horizon or begin + length <= 0:
                continue
            mask = counted & (c_enter >= begin) & (c_enter < begin + length)
            offered = mask.sum()
            sl = (within & mask).sum() / offered if offered else math.nan
            shifts.append((j, day, float(begin), staff, float(sl)))

    meets: dict[str, bool] = {}
    if offered_n:
        if tg.sl_scope == "day":
            meets["service_level"] = bool(np.all(day_sl[day_off > 0] >= tg.service_level))
        else:
            meets["service_level"] = bool(metrics["service_level"] >= tg.service_level)
    if tg.max_abandon is not None and offered_n:
        meets["abandon_rate"] = bool(metrics["abandon_rate"] <= tg.max_abandon)

    tickets = _tickets(model, start, end, metrics, meets) if model.track else None
    return ReplicationResult(model.rep, model.seed, metrics, meets, intervals, shifts,
                             tickets if keep_tickets else None)


def _tickets(model: DeskModel, start: np.ndarray, end: np.ndarray, metrics: dict[str, float],
             meets: dict[str, bool]) -> dict[str, np.ndarray]:
    """Deadlines per ticket through `core.sla`, attainment per policy and clock."""
    sc, tk, clocks = model.sc, model.tk, model.clocks
    n = model.callers.n
    received = model.callers.t
    attempt = np.asarray(tk.attempt)
    answered = ~np.isnan(start[attempt]) if n else np.zeros(0, bool)
    reply = np.asarray(tk.reply)
    resolve = np.asarray(tk.resolve)
    keys, reply_due, resolve_due = [], np.full(n, np.nan), np.full(n, np.nan)
    per_stream = [clocks.policy(s.category, s.severity, channel=s.channel, nature=s.nature,
                                topic=s.topic) for s in model.streams]
    day = (received // DAY).astype(int)
    cache: dict[tuple[int, Duration], float] = {}

    def due(i: int, dur: Duration) -> float:
        if not dur.working_days:
            return float(received[i]) + dur.wall.total_seconds()
        key = (int(day[i]), dur)
        if key not in cache:
            cache[key] = clocks.due(float(received[i]), dur)
        return cache[key]

    for i in range(n):
        key, rep_d, res_d = per_stream[model.callers.stream[i]]
        keys.append(key)
        if rep_d is not None:
            reply_due[i] = due(i, rep_d)
        if res_d is not None:
            resolve_due[i] = due(i, res_d)
    keys_a = np.array(keys, dtype=object)
    routes = np.array([sc.route(s.category) for s in model.streams])[model.callers.stream]
    tg = sc.targets
    for clock, at, due_at in (("reply", reply, reply_due), ("resolve", resolve, resolve_due)):
        # a ticket still open when the run ended counts only once its deadline has passed
        known = answered & ~np.isnan(due_at) & (~np.isnan(at) | (due_at <= model.end))
        met = known & (at <= due_at)
        for key in sorted(set(keys_a[known])):
            mask = known & (keys_a == key)
            share = float(met[mask].sum() / mask.sum())
            metrics[f"{clock}:{key}"] = share
            meets[f"{clock}:{key}"] = share >= tg.deadline_attainment
            if np.all(routes[mask] == "department"):
                metrics[f"unstaffed:{clock}:{key}"] = 1.0  # no roster here changes it
    _tech_diagnostics(model, answered, reply, reply_due, metrics)
    fu = np.asarray(tk.followup)
    has = fu >= 0
    fu_due = np.full(n, np.nan)
    fu_done = np.full(n, np.nan)
    for i in np.flatnonzero(has):
        stream = model.streams[model.callers.stream[i]]
        within = sc.followup_within(stream.category, stream.severity)
        if within is not None:
            fu_due[i] = clocks.due(float(resolve[i]), within)
        fu_done[i] = end[fu[i]]
    known = has & ~np.isnan(fu_due) & (~np.isnan(fu_done) | (fu_due <= model.end))
    if known.any():
        share = float((fu_done[known] <= fu_due[known]).sum() / known.sum())
        metrics["followup"] = share
        meets["followup"] = share >= tg.followup_attainment
    metrics["followups"] = float(has.sum())
    cats = np.array([s.category for s in model.streams])[model.callers.stream] if n else []
    return {
        "ticket": np.arange(n), "category": np.asarray(cats), "policy": keys_a,
        "channel": np.array([s.channel for s in model.streams])[model.callers.stream]
        if n else np.array([]),
        "received_s": received, "answered": answered,
        "reply_s": reply, "reply_due_s": reply_due,
        "resolve_s": resolve, "resolve_due_s": resolve_due,
        "followup_s": fu_done, "followup_due_s": fu_due,
    }



def _tech_diagnostics(model: DeskModel, answered: np.ndarray, reply: np.ndarray,
                      reply_due: np.ndarray, metrics: dict[str, float]) -> None:
    """Reply attainment of repair tickets per skill and technician shift (`tech:k:j`).

    Why: the optimizer needs to know where a technician is missing, not only that one is.
    """
    skills = model.sc.technicians.skill
    if not skills or not hasattr(model, "skill"):
        return
    minute = (model.callers.t % DAY) / 60
    known = answered & (model.skill >= 0) & ~np.isnan(reply_due) & (
        ~np.isnan(reply) | (reply_due <= model.end))
    met = known & (reply <= reply_due)
    for k, skill in enumerate(skills):
        for j, shift in enumerate(skill.shift):
            inside = (minute - shift.start_min) % 1440 < shift.length_min
            mask = known & (model.skill == k) & inside
            if mask.any():
                metrics[f"tech:{k}:{j}"] = float(met[mask].sum() / mask.sum())
