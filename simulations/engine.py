"""A pool of servers on shifts, driven by SimPy events without a process per customer.

Why this shape: a year of an M/M/10 desk is a million callers. The idiomatic SimPy model
(a generator per caller and a `simpy.Resource`) pays for a process, a request and a
release event per caller. Here a caller costs two timeouts (arrival, end of service);
waiting callers sit in plain FIFO deques, one per priority; and a caller whose patience
ran out is noticed only when an agent frees up and looks at the queue — the moment it
gave up is known (arrival + patience), so nothing is lost by not scheduling it, except
for callers who will call back, whose give-up must happen on time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import simpy
from simpy.events import Timeout

NAN = math.nan
INF = math.inf


class Tasks:
    """Column store of everything that queues: callers, backlog items, jobs, follow-ups."""

    __slots__ = ("enter", "svc", "renege", "start", "end")

    def __init__(self) -> None:
        self.enter: list[float] = []
        self.svc: list[float] = []
        self.renege: list[float] = []  # the moment the customer gives up (inf: never)
        self.start: list[float] = []
        self.end: list[float] = []  # end of service, or the moment it gave up

    def extend(self, enter: list[float], svc: list[float], renege: list[float]) -> range:
        first = len(self.enter)
        n = len(enter)
        self.enter += enter
        self.svc += svc
        self.renege += renege
        self.start += [NAN] * n
        self.end += [NAN] * n
        return range(first, first + n)

    def add(self, enter: float, svc: float, renege: float = INF) -> int:
        return self.extend([enter], [svc], [renege])[0]


Hook = Callable[[int, float], None]


class Pool:
    """Servers working prioritised FIFO queues; priority 0 first, non-preemptive.

    A server whose shift ends finishes the task in hand (the overtime is counted); one
    due for a break takes it after the task in hand.
    """

    def __init__(self, env: simpy.Environment, tasks: Tasks, priorities: int,
                 on_start: Hook | None = None, on_done: Hook | None = None,
                 on_abandon: Hook | None = None, watch: list[bool] | None = None) -> None:
        self.env = env
        self.t = tasks
        self.queues: list[deque[int]] = [deque() for _ in range(priorities)]
        self.idle: list[int] = []
        self.on_start = on_start
        self.on_done = on_done
        self.on_abandon = on_abandon
        self.watch = watch  # tasks whose give-up must fire on time (they call back)
        # per server
        self.serving: list[int] = []
        self.leave_at: list[float] = []
        self.avail_from: list[float] = []
        self.paid_from: list[float] = []
        self.off_at: list[float] = []
        self.break_owed: list[float] = []
        self.breaks: list[tuple[float, float]] = []
        self.overtime = 0.0

    # ---- staffing -------------------------------------------------------------------

    def add_server(self, avail_from: float, leave_at: float = INF,
                   paid_from: float | None = None) -> int:
        """A server on duty from `avail_from` until `leave_at` (scheduled now, at t=0)."""
        s = len(self.serving)
        self.serving.append(-1)
        self.leave_at.append(leave_at)
        self.avail_from.append(avail_from)
        self.paid_from.append(avail_from if paid_from is None else paid_from)
        self.off_at.append(NAN)
        self.break_owed.append(0.0)
        now = self.env.now
        Timeout(self.env, max(0.0, avail_from - now), s).callbacks.append(self._join)
        if leave_at < INF:
            Timeout(self.env, leave_at - now, s).callbacks.append(self._leave)
        return s

    def add_break(self, s: int, at: float, seconds: float) -> None:
        Timeout(self.env, at - self.env.now, (s, seconds)).callbacks.append(self._break_due)

    def _join(self, ev: Timeout) -> None:
        self._free(ev._value, self.env._now)

    def _leave(self, ev: Timeout) -> None:
        s = ev._value
        if s in self.idle:
            self.idle.remove(s)
            self.off_at[s] = self.env._now
        # a busy server leaves when its task ends; one on a break when the break ends

    def _break_due(self, ev: Timeout) -> None:
        s, seconds = ev._value
        if self.off_at[s] == self.off_at[s] or self.env._now >= self.leave_at[s]:
            return
        if s in self.idle:
            self.idle.remove(s)
            self._take_break(s, self.env._now, seconds)
        else:  # busy (or not yet joined): the break follows the task in hand
            self.break_owed[s] += seconds

    def _take_break(self, s: int, now: float, seconds: float) -> None:
        self.breaks.append((now, now + seconds))
        Timeout(self.env, seconds, s).callbacks.append(self._break_over)

    def _break_over(self, ev: Timeout) -> None:
        s = ev._value
        now = self.env._now
        if now >= self.leave_at[s]:
            self.off_at[s] = now
        else:
            self._free(s, now)

    # ---- work -----------------------------------------------------------------------

    def arrive(self, k: int, priority: int) -> None:
        """Task `k` joins now: served at once by an idle server, else queued."""
        if self.idle:
            self._start(k, self.idle.pop())
            return
        self.queues[priority].append(k)
        watch = self.watch
        if watch is not None and k < len(watch) and watch[k]:
            delay = self.t.renege[k] - self.env._now
            Timeout(self.env, delay, k).callbacks.append(self._give_up)

    def _give_up(self, ev: Timeout) -> None:
        k = ev._value
        t = self.t
        if t.start[k] != t.start[k] and t.end[k] != t.end[k]:  # still waiting
            t.end[k] = self.env._now
            if self.on_abandon is not None:
                self.on_abandon(k, self.env._now)

    def _start(self, k: int, s: int) -> None:
        now = self.env._now
        self.t.start[k] = now
        self.serving[s] = k
        Timeout(self.env, self.t.svc[k], s).callbacks.append(self._done)
        if self.on_start is not None:
            self.on_start(k, now)

    def _done(self, ev: Timeout) -> None:
        s = ev._value
        now = self.env._now
        k = self.serving[s]
        self.t.end[k] = now
        self.serving[s] = -1
        if self.on_done is not None:
            self.on_done(k, now)
        self._free(s, now)

    def _free(self, s: int, now: float) -> None:
        leave = self.leave_at[s]
        if now >= leave:
            self.overtime += now - leave
            self.off_at[s] = now
            return
        owed = self.break_owed[s]
        if owed:
            self.break_owed[s] = 0.0
            self._take_break(s, now, owed)
            return
        t = self.t
        renege, end = t.renege, t.end
        for q in self.queues:
            while q:
                k = q.popleft()
                if end[k] == end[k]:  # gave up on time already (it was watched)
                    continue
                if renege[k] < now:  # gave up while every server was busy
                    end[k] = renege[k]
                    continue
                self._start(k, s)
                return
        self.idle.append(s)

    def in_queue(self) -> int:
        """Tasks still waiting at the end of a run (given-up ones not counted)."""
        t = self.t
        return sum(1 for q in self.queues for k in q if t.end[k] != t.end[k])


class PreemptivePool(Pool):
    """A pool where priority-0 work interrupts lower work (preempt-resume).

    Why: an emergency repair (急修) must have a technician on site in 30 minutes; in
    practice one drops a routine job and comes back to it later, which is what this does.
    The interrupted job keeps its first start and resumes with the time it still needs.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.prio_of: dict[int, int] = {}
        self.due: list[float] = []  # per server: when the task in hand ends
        self.gen: list[int] = []  # per server: bumps on interruption, stale ends ignored
        self.interrupted = 0

    def add_server(self, avail_from: float, leave_at: float = INF,
                   paid_from: float | None = None) -> int:
        self.due.append(NAN)
        self.gen.append(0)
        return super().add_server(avail_from, leave_at, paid_from)

    def arrive(self, k: int, priority: int) -> None:
        self.prio_of[k] = priority
        if not self.idle and priority == 0:
            victims = [s for s, task in enumerate(self.serving)
                       if task >= 0 and self.prio_of.get(task, 0) > 0]
            if victims:
                s = max(victims, key=lambda s: self.due[s])  # the one furthest from done
                held = self.serving[s]
                self.t.svc[held] = self.due[s] - self.env._now
                self.queues[self.prio_of[held]].appendleft(held)
                self.gen[s] += 1
                self.interrupted += 1
                self._start(k, s)
                return
        super().arrive(k, priority)

    def _start(self, k: int, s: int) -> None:
        now = self.env._now
        first = self.t.start[k] != self.t.start[k]
        if first:
            self.t.start[k] = now
        self.serving[s] = k
        self.due[s] = now + self.t.svc[k]
        Timeout(self.env, self.t.svc[k], (s, self.gen[s])).callbacks.append(self._done)
        if first and self.on_start is not None:
            self.on_start(k, now)

    def _done(self, ev: Timeout) -> None:
        s, gen = ev._value
        if gen != self.gen[s]:
            return  # this task was interrupted; its end moved
        now = self.env._now
        k = self.serving[s]
        self.t.end[k] = now
        self.serving[s] = -1
        if self.on_done is not None:
            self.on_done(k, now)
        self._free(s, now)
