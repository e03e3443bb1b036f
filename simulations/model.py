"""The service desk as a SimPy model: callers → agents → technicians or departments.

Every random number is drawn before the run, in arrival order, from streams seeded by
(seed, replication): two rosters run with the same seed meet the same callers with the
same needs and the same patience (common random numbers), so their difference is the
roster's, not the dice's. What happens to a ticket after the call follows its category's
route; its deadlines are measured afterwards by `results` through `core.sla`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy
from simpy.events import Timeout

from core.kit import Policy
from simulations.clocks import Clocks
from simulations.engine import INF, Pool, PreemptivePool, Tasks
from simulations.params import Scenario, Shift

DAY = 86400.0
#: queue priorities at the desk: emergency repairs first, follow-up calls last
P_URGENT, P_LIVE, P_BACKLOG, P_FOLLOWUP = 0, 1, 2, 3


@dataclass
class Callers:
    """Per-caller columns (numpy), in arrival order; a caller is a ticket once answered."""

    t: np.ndarray
    stream: np.ndarray
    live: np.ndarray
    priority: np.ndarray

    @property
    def n(self) -> int:
        return len(self.t)


@dataclass
class Tickets:
    """What happened to each caller's ticket (seconds from the start; NaN: never)."""

    attempt: list[int]  # the task that was answered (the first call or the call-back)
    reply: list[float]
    resolve: list[float]
    followup: list[int]  # follow-up task, -1 for none
    job: list[int] = field(default_factory=list)


class DeskModel:
    """One replication of a scenario; `run()` then hand it to `results.summarise`."""

    def __init__(self, scenario: Scenario, rep: int = 0, seed: int | None = None,
                 tickets: bool = True, policy: Policy | None = None) -> None:
        self.sc = scenario
        self.rep = rep
        self.seed = scenario.scenario.seed if seed is None else seed
        self.horizon = scenario.hours * 3600.0
        self.env = simpy.Environment()
        self.tasks = Tasks()
        # the service's SLA policy (its plugins' select_sla_policy) unless handed one
        self.clocks = Clocks(scenario.site, scenario.start_at(), policy)
        rngs = [np.random.default_rng(s)
                for s in np.random.SeedSequence([self.seed, rep]).spawn(8)]
        self._rng_arr, self._rng_handle, self._rng_pat, self._rng_cb = rngs[:4]
        self._rng_route, self._rng_tech, self._rng_dept, self._rng_fu = rngs[4:]
        self.streams = scenario.arrivals.stream
        self.callers = self._arrivals()
        self.track = tickets and self._needs_hooks()
        self._draw()
        self._build()

    # ---- random inputs ----------------------------------------------------------------

    def _arrivals(self) -> Callers:
        rates = self.sc.rates()
        hours, n_streams = rates.shape
        counts = self._rng_arr.poisson(rates).ravel()
        cell = np.repeat(np.arange(hours * n_streams), counts)
        t = (cell // n_streams + self._rng_arr.random(len(cell))) * 3600.0
        order = np.argsort(t, kind="stable")
        stream = (cell % n_streams)[order]
        live_s = np.array([self.sc.is_live(s.channel) for s in self.streams])
        urgent_s = np.array([s.urgent for s in self.streams])
        live = live_s[stream]
        priority = np.where(urgent_s[stream], P_URGENT, np.where(live, P_LIVE, P_BACKLOG))
        return Callers(t[order], stream, live, priority)

    def _by(self, key: list[str]) -> dict[str, np.ndarray]:
        """Caller indices grouped by a per-stream attribute (category, channel, …)."""
        codes = np.array(key)[self.callers.stream] if self.callers.n else np.array([], str)
        return {code: np.flatnonzero(codes == code) for code in dict.fromkeys(key)}

    def _draw(self) -> None:
        c, sc, n = self.callers, self.sc, self.callers.n
        cats = [s.category for s in self.streams]
        chans = [s.channel for s in self.streams]
        svc = np.empty(n)
        for cat, idx in self._by(cats).items():
            svc[idx] = sc.category(cat).handle.draw(self._rng_handle, len(idx)) * 60
        patience = np.full(n, INF)
        callback = np.zeros(n, bool)
        self.cb_after = np.zeros(n)
        self.patience2 = np.full(n, INF)
        for ch, idx in self._by(chans).items():
            params = sc.channel(ch)
            if params.patience is None or not sc.is_live(ch):
                continue
            patience[idx] = params.patience.draw(self._rng_pat, len(idx)) * 60
            if params.callback_share > 0:
                callback[idx] = self._rng_cb.random(len(idx)) < params.callback_share
                self.cb_after[idx] = params.callback_after.draw(self._rng_cb, len(idx)) * 60
                self.patience2[idx] = params.patience.draw(self._rng_cb, len(idx)) * 60
        self.svc = svc
        self.callback = callback
        self.tasks.extend(c.t.tolist(), svc.tolist(), (c.t + patience).tolist())
        if not self.track:
            return
        self.route_s = [sc.route(cat) for cat in cats]
        # technicians: skill, travel and work per repair ticket
        skills = sc.technicians.skill
        self.skill = np.full(n, -1)
        self.travel = np.zeros(n)
        self.work = np.zeros(n)
        tech = np.flatnonzero(np.array(self.route_s)[c.stream] == "technician") if n else []
        if len(tech):
            shares = np.array([s.share for s in skills], float)
            self.skill[tech] = self._rng_route.choice(len(skills), len(tech),
                                                      p=shares / shares.sum())
            named = {j: [s.name for s in skills].index(st.skill)
                     for j, st in enumerate(self.streams) if st.skill}
            for j, k in named.items():
                self.skill[c.stream == j] = k
            for k, skill in enumerate(skills):
                idx = np.flatnonzero(self.skill == k)
                self.travel[idx] = skill.travel.draw(self._rng_tech, len(idx)) * 60
                self.work[idx] = skill.work.draw(self._rng_tech, len(idx)) * 60
        # departments: when they reply and resolve
        self.dept_reply = np.zeros(n)
        self.dept_work = np.zeros(n)
        for cat, idx in self._by(cats).items():
            if sc.route(cat) == "department" and len(idx):
                p = sc.category(cat)
                self.dept_reply[idx] = p.reply_after.draw(self._rng_dept, len(idx)) * 60
                self.dept_work[idx] = p.resolve_after.draw(self._rng_dept, len(idx))
        # follow-ups: sampled at the category's rate (SPEC §4), with their call length
        rate_s = np.array([sc.followup_rate(s.category, s.severity) for s in self.streams])
        self.wants_followup = (self._rng_fu.random(n) < rate_s[c.stream]).tolist()
        self.fu_svc = (sc.duties.followup_handle.draw(self._rng_fu, n) * 60).tolist()

    def _needs_hooks(self) -> bool:
        """Whether anything happens after a call (no: a bare M/M/c run stays lean)."""
        sc = self.sc
        return any(sc.route(s.category) != "desk"
                   or sc.followup_rate(s.category, s.severity) > 0 for s in self.streams)

    # ---- the model --------------------------------------------------------------------

    def _build(self) -> None:
        sc, n = self.sc, self.callers.n
        watch = self.callback.tolist() if self.callback.any() else None
        self.origin: dict[int, int] = {}  # task → ticket, for call-backs and jobs
        self.desk = Pool(self.env, self.tasks, 4,
                         on_done=self._call_done if self.track else None,
                         on_abandon=self._gave_up, watch=watch)
        self.tech = [PreemptivePool(self.env, self.tasks, 2, on_start=self._job_started,
                          on_done=self._job_done) for _ in sc.technicians.skill]
        if self.track:
            nan = [math.nan] * n
            self.tk = Tickets(list(range(n)), list(nan), list(nan), [-1] * n, [-1] * n)
        self.days_run = sc.scenario.days + sc.scenario.drain_days
        if sc.agents.fixed is not None:
            for _ in range(sc.agents.fixed):
                self.desk.add_server(0.0)
        else:
            d = sc.duties
            self.agent_shifts = self._staff(self.desk, sc.agents.shift, d.handover_minutes * 60,
                                            d.study_minutes * 60, d.study_after_minutes * 60,
                                            sc.agents.by_day)
        self.tech_shifts = [self._staff(pool, skill.shift, 0.0, 0.0, 0.0)
                            for pool, skill in zip(self.tech, sc.technicians.skill, strict=True)]
        self._next = 0
        self._times = self.callers.t.tolist()
        self._prio = self.callers.priority.tolist()
        if n:
            Timeout(self.env, self._times[0]).callbacks.append(self._arrive)

    def _staff(self, pool: Pool, shifts: list[Shift], handover: float, study: float,
               study_after: float, by_day: list[list[int]] | None = None,
               ) -> list[tuple[int, int, float, int]]:
        """Put every shift instance's servers on `pool`; returns (shift, day, start, n)."""
        start_weekday = self.sc.scenario.start.weekday()
        out = []
        for day in range(-1, self.days_run):
            for j, shift in enumerate(shifts):
                begin = day * DAY + shift.start_min * 60
                length = shift.length_min * 60.0
                if begin + length + handover <= 0:
                    continue
                staff = (by_day[day][j] if by_day and 0 <= day < len(by_day)
                         else shift.staff_by_day()[(start_weekday + day) % 7])
                out.append((j, day, begin, staff))
                span = max(length - study_after - study, 0.0)
                for i in range(staff):
                    s = pool.add_server(max(begin + handover, 0.0), begin + length + handover,
                                        paid_from=begin)
                    if study > 0:
                        offset = study_after + ((i * study) % span if span else 0.0)
                        at = begin + handover + offset
                        if at >= 0:
                            pool.add_break(s, at, study)
        return out

    def _arrive(self, ev: Timeout) -> None:
        k = self._next
        self.desk.arrive(k, self._prio[k])
        k += 1
        self._next = k
        if k < len(self._times):
            Timeout(self.env, self._times[k] - self.env._now).callbacks.append(self._arrive)

    def _gave_up(self, k: int, now: float) -> None:
        """A watched caller hung up; they call again later (the same need, a new patience)."""
        enter = now + float(self.cb_after[k])
        retry = self.tasks.add(enter, float(self.svc[k]), enter + float(self.patience2[k]))
        self.origin[retry] = k
        Timeout(self.env, enter - now, retry).callbacks.append(self._retry)

    def _retry(self, ev: Timeout) -> None:
        k = ev._value
        self.desk.arrive(k, self._prio[self.origin[k]])

    def _call_done(self, k: int, now: float) -> None:
        n = self.callers.n
        if k >= n:
            if k not in self.origin:
                return  # a follow-up call ended
            ticket = self.origin[k]
            if ticket < 0:
                return
        else:
            ticket = k
        tk = self.tk
        tk.attempt[ticket] = k
        route = self.route_s[self.callers.stream[ticket]]
        if route == "desk":
            tk.reply[ticket] = self.tasks.start[k]
            tk.resolve[ticket] = now
            self._maybe_followup(ticket, now)
        elif route == "technician":
            job = self.tasks.add(now, float(self.travel[ticket] + self.work[ticket]))
            self.origin[job] = -1 - ticket  # negative: a job, not a call
            tk.job[ticket] = job
            urgent = self._prio[ticket] == P_URGENT
            self.tech[self.skill[ticket]].arrive(job, 0 if urgent else 1)
        else:
            tk.reply[ticket] = now + float(self.dept_reply[ticket])
            done = self.clocks.after_working_minutes(now, float(self.dept_work[ticket]))
            tk.resolve[ticket] = done
            if self.wants_followup[ticket]:
                Timeout(self.env, done - now, ticket).callbacks.append(self._followup_due)

    def _job_started(self, job: int, now: float) -> None:
        ticket = -1 - self.origin[job]
        # the technician phones the owner before going; an emergency counts once on site
        urgent = self._prio[ticket] == P_URGENT
        self.tk.reply[ticket] = now + (float(self.travel[ticket]) if urgent else 0.0)

    def _job_done(self, job: int, now: float) -> None:
        ticket = -1 - self.origin[job]
        self.tk.resolve[ticket] = now
        self._maybe_followup(ticket, now)

    def _followup_due(self, ev: Timeout) -> None:
        self._maybe_followup(ev._value, self.env._now)

    def _maybe_followup(self, ticket: int, now: float) -> None:
        if self.wants_followup[ticket]:
            fu = self.tasks.add(now, self.fu_svc[ticket])
            self.tk.followup[ticket] = fu
            self.desk.arrive(fu, P_FOLLOWUP)

    def run(self) -> DeskModel:
        self.env.run()
        self.end = self.env.now
        return self
