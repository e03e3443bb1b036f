"""`propdesk sim …`: run, optimize, calibrate, queue (alias mmc). Thin: parse, call, print.

A user's mistake (a bad scenario field, a bad option value) is one line on stderr and
exit code 2, never a traceback, whether the group runs inside `propdesk` or alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.errors import DomainError
from simulations.params import SAMPLE, Scenario, load_scenario


class SimGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            if ctx.parent is not None:
                raise  # inside `propdesk`, whose group maps it the same way
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


def _json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=_plain))


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _clean(value: Any) -> Any:
    """NaN → null for JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@contextmanager
def _progress(total: int, label: str, quiet: bool) -> Iterator[Callable[[], None]]:
    if quiet:
        yield lambda: None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


def _scenario(path: str | None) -> Scenario:
    return load_scenario(path or SAMPLE)


def _positive(field: str, value: int | float | None) -> None:
    if value is not None and value <= 0:
        raise DomainError(field, f"must be positive, got {value}")


@click.group("sim", cls=SimGroup)
@click.pass_context
def sim(ctx: click.Context) -> None:
    """Staffing simulations 排班模拟: will this roster meet the SLA targets?"""
    root = ctx.find_root().obj
    name = getattr(root, "actor", None)
    if name is not None:  # `propdesk --as NAME`: an unknown name is refused here too
        from core import kit

        with root.desk.read() as s:
            kit.actor(s, name)


@sim.command("run")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("-n", "--replications", default=10, show_default=True, type=int)
@click.option("--seed", type=int, help="Base seed (default: the scenario's).")
@click.option("--workers", type=int, help="Local processes (default: up to 2).")
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler, e.g. tcp://host:8786.")
@click.option("--plots", "plots_dir", type=click.Path(file_okay=False),
              help="Write the charts (PNG) to this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def run_cmd(scenario: str | None, replications: int, seed: int | None, workers: int | None,
            scheduler: str | None, plots_dir: str | None, as_json: bool) -> None:
    """Replications of SCENARIO (default: the sample estate) with 95 % intervals."""
    from simulations.run import run_replications
    from simulations.studies import headline

    _positive("replications", replications)
    _positive("workers", workers)
    sc = _scenario(scenario)
    with _progress(replications, "replications", as_json) as tick:
        summary = run_replications(sc, replications, seed, workers, scheduler,
                                   progress=lambda _r: tick())
    if plots_dir:
        _run_plots(sc, summary, plots_dir)
    if as_json:
        _json(_clean(summary.as_dict()))
        return
    table = Table(title=f"{sc.scenario.name} — {summary.n} replications, seed {summary.seed}")
    for col in ("指标 metric", "mean", "95% CI"):
        table.add_column(col)
    for label, _key, est in headline(summary):
        table.add_row(label, f"{est.mean:.3f}", f"{est.low:.3f} – {est.high:.3f}"
                      if est.n > 1 else "")
    Console().print(table)
    shares = summary.target_share()
    targets = Table(title="目标达成 targets met (share of replications)")
    targets.add_column("target")
    targets.add_column("share")
    for key, share in shares.items():
        targets.add_row(key, f"{share:.0%}")
    Console().print(targets)
    click.echo(f"all targets met in {summary.all_met_share():.0%} of replications "
               f"(needed: {sc.targets.replication_share:.0%})")


def _run_plots(sc: Scenario, summary: Any, folder: str) -> None:
    from simulations import plots, studies

    prof = studies.queue_profile(summary)
    figures = {
        "required_agents": plots.required_agents_heatmap(studies.required_by_hour(sc)),
        "queue_week": plots.queue_over_week(prof["hours"], prof["queue"], prof["agents"],
                                            (prof["low"], prof["high"])),
        "deadlines": plots.deadline_attainment(studies.attainment(summary),
                                               sc.targets.deadline_attainment),
    }
    for path in plots.save(figures, folder):
        click.echo(f"wrote {path}", err=True)


@sim.command("optimize")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("-n", "--replications", default=20, show_default=True, type=int)
@click.option("--seed", type=int)
@click.option("--workers", type=int)
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler, e.g. tcp://host:8786.")
@click.option("--method", type=click.Choice(["erlang-a", "erlang-c"]), default="erlang-a",
              show_default=True,
              help="Start: Erlang A per hour, corrected by simulation, shifts by CP-SAT; "
                   "or Erlang C per shift (the method before).")
@click.option("--json", "as_json", is_flag=True)
def optimize_cmd(scenario: str | None, replications: int, seed: int | None,
                 workers: int | None, scheduler: str | None, method: str,
                 as_json: bool) -> None:
    """The smallest roster meeting every target (an analytic start, simulation search)."""
    from simulations.optimize import optimize

    _positive("replications", replications)
    _positive("workers", workers)
    sc = _scenario(scenario)
    console = Console(stderr=True)
    if as_json and not console.is_terminal:  # piped JSON: stderr stays quiet
        result = optimize(sc, replications, seed, workers, scheduler, method=method)
    else:  # progress on stderr: candidates, replications, elapsed and estimated time
        with console.status("searching rosters…") as status:
            result = optimize(sc, replications, seed, workers, scheduler,
                              progress=lambda msg: status.update(msg), method=method)
    if as_json:
        _json(_clean(result.as_dict()))
        return
    days = ["一", "二", "三", "四", "五", "六", "日"]
    table = Table(title=f"最小排班 smallest roster — {sc.scenario.name}")
    table.add_column("班次 shift")
    for d, en in zip(days, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], strict=True):
        table.add_column(f"周{d} {en}", justify="right")
    for name, row, start in zip(result.shift_names, result.agents, result.start,
                                strict=True):
        table.add_row(name, *(f"{n}" + (f" ({s})" if s != n else "")
                              for n, s in zip(row, start, strict=True)))
    Console().print(table)
    click.echo(f"(in brackets: the starting point, {result.method}, where it differs)")
    for skill, rows in zip(result.skill_names, result.technicians, strict=True):
        click.echo(f"技术员 technicians {skill}: " + ", ".join(str(r[0]) for r in rows)
                   + " per shift")
    click.echo(f"agent-hours per week 坐席工时: {result.agent_hours:.0f}; "
               f"feasible: {result.feasible}; binding target(s): {', '.join(result.binding)}")
    click.echo(f"{result.evaluations} candidates, {result.replications} replications in "
               f"{result.seconds:.1f} s; minimal — "
               "removing any one agent-shift breaks a target:")
    for r in result.minimality:
        click.echo(f"  − {r.what}: breaks {r.breaks} (met in {r.share_met:.0%})")


@sim.command("queue")
@click.option("--arrivals-per-hour", required=True, type=float)
@click.option("--aht-min", required=True, type=float, help="Mean handling time, minutes.")
@click.option("--agents", required=True, type=int)
@click.option("--patience-min", type=float,
              help="Mean patience, minutes (exponential; M/M/c+M). Default: endless (M/M/c).")
@click.option("--days", default=365, show_default=True, type=int)
@click.option("--target-seconds", default=20.0, show_default=True, type=float)
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def queue_cmd(arrivals_per_hour: float, aht_min: float, agents: int, patience_min: float | None,
              days: int, target_seconds: float, seed: int, as_json: bool) -> None:
    """Validate: the desk model on an M/M/c(+M) queue beside Erlang C and Erlang A."""
    from simulations.mmc import simulate_mmc

    args = (arrivals_per_hour, aht_min, agents, days, target_seconds, seed, patience_min)
    if as_json:
        _json(simulate_mmc(*args))
        return
    with Console(stderr=True).status(f"simulating {days} days…"):
        result = simulate_mmc(*args)
    s, c, a = result["simulated"], result["erlang_c"], result["erlang_a"]
    kind = f"M/M/{agents}" + (f"+M, patience {patience_min:g} min" if patience_min else "")
    table = Table(title=f"{kind}: {arrivals_per_hour:g}/h, AHT {aht_min:g} min, "
                        f"{days} days, {s['callers']:,} callers")
    for col in ("", "simulated 模拟", "95% CI", "Erlang C", "Erlang A"):
        table.add_column(col)
    for key, label in (("p_wait", "P(wait) 需等待"),
                       ("service_level", f"answered ≤ {target_seconds:g} s 服务水平"),
                       ("abandon", "abandoned 放弃"),
                       ("mean_wait_s", "mean wait 平均等待 (s)")):
        low, high = s[f"{key}_ci95"]
        theory = None if c["p_wait"] is None else c.get(key, 0.0)  # None: overloaded
        table.add_row(label, f"{s[key]:.4f}", f"{low:.4f} – {high:.4f}",
                      "—" if theory is None else f"{theory:.4f}", f"{a[key]:.4f}")
    Console().print(table)


sim.add_command(queue_cmd, "mmc")  # the name before Erlang A joined; documented, kept


@sim.command("calibrate")
@click.option("--months", default=6, show_default=True, type=int)
@click.option("--db", "db_url", envvar="PROPDESK_DATABASE_URL", metavar="URL",
              help="Ticket store to read (default sqlite:///propdesk.db).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False),
              help="Read received_at,channel,category[,severity] rows instead.")
@click.option("--until", help="End of the window (ISO 8601; default now).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Site configuration (its time zone places the hours, its calendar the "
                   "holidays and 调休 days).")
@click.option("--weeks", type=int, default=0, show_default=True,
              help="Forecast this many weeks on the site calendar (0: one typical week).")
@click.option("--start", "start_day", metavar="DATE",
              help="First forecast day (default: the Monday after the window).")
@click.pass_context
def calibrate_cmd(ctx: click.Context, months: int, db_url: str | None, csv_path: str | None,
                  until: str | None, config_path: str | None, weeks: int,
                  start_day: str | None) -> None:
    """Print a scenario whose arrivals are the last N months' tickets, by hour of week;
    with --weeks, forecast by day kind (workday, weekend, holiday, 调休) on the calendar."""
    from datetime import date, timedelta

    from core import kit
    from simulations.calibrate import calibrate, forecast, records_from_csv, to_toml, window

    path = config_path or _root_config(ctx)
    config = kit.load_config(path)
    end = kit.parse_time(until, config.tz, "until") if until else None
    if not 0 <= weeks <= 52:
        raise DomainError("weeks", f"must be between 0 and 52, got {weeks}")
    since, stop = window(months, end)
    if csv_path:
        records: Iterable[Any] = records_from_csv(csv_path, config.tz)
    else:  # the core reads its own store and hands back plain figures
        records = kit.arrival_history(kit.Desk.open(db_url, config=config), since, stop)
    calendar = config.working_calendar  # the service's: holidays, 调休, site overrides
    profile = calibrate(records, since, stop, config.tz, calendar)
    if not profile.records:
        raise DomainError("months", f"no tickets received between {since:%Y-%m-%d} and "
                          f"{stop:%Y-%m-%d}")
    rates, first = None, None
    warnings = list(profile.warnings)
    if weeks:
        if start_day:
            try:
                first = date.fromisoformat(start_day)
            except ValueError:
                raise DomainError("start", f"not a date: {start_day!r}") from None
        else:
            last = stop.astimezone(config.tz).date()
            first = last + timedelta(days=7 - last.weekday())
        rates, more = forecast(profile, first, weeks * 7, calendar)
        warnings += more
    for line in warnings:
        click.echo(f"warning: {line}", err=True)
    click.echo(to_toml(profile, forecast=rates, start=first,
                       config=str(Path(path).resolve()) if path and weeks else None), nl=False)


def _root_config(ctx: click.Context) -> str | None:
    """`propdesk --config` when the group runs inside `propdesk`."""
    return getattr(ctx.find_root().obj, "config_path", None)


@sim.command("rota")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--month", required=True, metavar="YYYY-MM", help="The month to staff.")
@click.option("--staff", "staff_path", required=True, type=click.Path(dir_okay=False),
              help="Staff, preferences and leave (TOML or CSV; see the README).")
@click.option("--requirement", type=click.Path(dir_okay=False),
              help="Head counts: CSV day,shift,staff (default: the scenario's roster).")
@click.option("--optimize", "use_optimizer", is_flag=True,
              help="Take the head counts from `sim optimize` first.")
@click.option("-n", "--replications", default=10, show_default=True, type=int,
              help="Replications of the month in simulation (0: do not simulate).")
@click.option("--fit/--no-fit", default=True, show_default=True,
              help="Add agents where the month misses a target before naming anyone.")
@click.option("--seed", type=int)
@click.option("--workers", type=int)
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler, e.g. tcp://host:8786.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Site configuration whose calendar applies (default: the scenario's).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write rota.csv, rota.xlsx and rota.png to this folder.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def rota_cmd(ctx: click.Context, scenario: str | None, month: str, staff_path: str,
             requirement: str | None, use_optimizer: bool, replications: int,
             fit: bool, seed: int | None, workers: int | None, scheduler: str | None,
             config_path: str | None, out_dir: str | None, as_json: bool) -> None:
    """A named rota for a month under Chinese labour rules 排班表 (OR-Tools CP-SAT)."""
    from core import kit
    from simulations import rota as R
    from simulations import rota_out as O
    from simulations.run import iter_replications

    if replications < 0:
        raise DomainError("replications", f"must not be negative, got {replications}")
    _positive("workers", workers)
    sc = _scenario(scenario)
    year, mon = R.parse_month(month)
    path = config_path or _root_config(ctx)
    config = kit.load_config(path) if path else None
    console = Console(stderr=True)
    quiet = as_json
    agents = None
    if use_optimizer and not requirement:
        from simulations.optimize import optimize

        with console.status("optimizing head counts…") if not quiet else _null():
            agents = optimize(sc, max(replications, 1), seed, workers, scheduler).agents
    problem = R.plan(sc, year, mon, staff_path, requirement, agents, config)
    added = 0
    if replications and fit:
        before = sum(map(sum, problem.need))
        with console.status("checking the month in simulation…") if not quiet else _null() \
                as status:
            problem.need, _rounds = O.fit_need(
                sc, problem, replications, seed, workers, scheduler,
                progress=(lambda m: status.update(m)) if status else None)
        added = sum(map(sum, problem.need)) - before
    with console.status("assigning names (CP-SAT)…") if not quiet else _null():
        rota = R.solve(problem)
    check: dict[str, Any] | None = None
    if replications:
        month_sc = O.rota_scenario(sc, rota)
        base = sc.scenario.seed if seed is None else seed
        results = list(iter_replications(month_sc, range(replications), base, workers,
                                         scheduler))
        good, met = O.month_verdict(results, sc.targets.replication_share)
        check = {"replications": replications, "targets_met_share": met, "good": good}
    written = []
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = [str(O.write_csv(rota, out / "rota.csv")),
                   str(O.write_xlsx(rota, out / "rota.xlsx"))]
        fig = O.chart(rota)
        fig.savefig(out / "rota.png", dpi=110)
        written.append(str(out / "rota.png"))
    people = rota.by_person()
    if as_json:
        _json({"month": f"{year}-{mon:02d}", "status": rota.status,
               "seconds": rota.seconds, "agents_added_by_simulation": added,
               "standard_days": problem.standard_days,
               "assignments": O.rows(rota), "people": people,
               "shortfall": [{"date": d.isoformat(), "shift": s, "missing": n}
                             for (d, s), n in sorted(rota.shortfall.items())],
               "simulation": check, "files": written})
        return
    table = Table(title=f"排班 rota {year}-{mon:02d} — {len(rota.assignments)} shifts, "
                        f"{len(problem.staff)} staff ({rota.status}, {rota.seconds:.1f} s)")
    for col in ("姓名 name", "班次 shifts", "工时 hours", "标准 standard", "节假日加班 holiday OT"):
        table.add_column(col, justify="right")
    for name, v in people.items():
        table.add_row(name, f"{v['shifts']:.0f}", f"{v['hours']:.0f}",
                      f"{v['standard_hours']:.0f}", f"{v['holiday_overtime_hours']:.0f}")
    Console().print(table)
    if added:
        click.echo(f"the month needed {added} more agent-shift(s) than the weekly roster "
                   "to meet the targets every day in simulation")
    for (d, s), n in sorted(rota.shortfall.items()):
        click.echo(f"缺口 shortfall: {d} {s}: {n} agent(s) short — no legal assignment")
    if check is not None:
        click.echo(f"simulated month: all staffable targets met in {check['targets_met_share']:.0%}"
                   f" of {replications} replications (needed: {sc.targets.replication_share:.0%})")
    for w in written:
        click.echo(f"wrote {w}", err=True)


@contextmanager
def _null() -> Iterator[None]:
    yield None


@sim.command("sweep")
@click.argument("scenarios", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--demand", metavar="F1,F2,…",
              help="Also run each scenario with its arrivals × these factors (0.9,1.1).")
@click.option("-n", "--replications", default=10, show_default=True, type=int)
@click.option("--seed", type=int, help="One base seed for all (default: each scenario's).")
@click.option("--workers", type=int, help="Local processes (default: up to 2).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run on a Dask cluster, e.g. tcp://host:8786 (`dask scheduler`).")
@click.option("--json", "as_json", is_flag=True)
def sweep_cmd(scenarios: tuple[str, ...], demand: str | None, replications: int,
              seed: int | None, workers: int | None, scheduler: str | None,
              as_json: bool) -> None:
    """Many scenarios × replications at once, here or on a Dask cluster 批量模拟."""
    from simulations.studies import connect, sweep, with_demand

    _positive("replications", replications)
    _positive("workers", workers)
    factors: list[float] = []
    for part in (demand or "").split(","):
        if part.strip():
            try:
                factors.append(float(part))
            except ValueError:
                raise DomainError("demand", f"not a number: {part.strip()!r}") from None
            _positive("demand", factors[-1])
    study: dict[str, Scenario] = {}
    for path in scenarios or (None,):
        sc = _scenario(path)
        key = path or "sample"
        study[key] = sc
        for f in factors:
            if f != 1:
                study[f"{key} ×{f:g}"] = with_demand(sc, f)
    total = replications * len(study)
    client = connect(scheduler) if scheduler else None  # before the bar: errors in one line
    try:
        with _progress(total, f"{len(study)} scenarios × {replications}", as_json) as tick:
            results = sweep(study, replications, seed, workers, client,
                            progress=lambda _k, _r: tick())
    finally:
        if client is not None:
            client.close()
    if as_json:
        _json(_clean({k: v.as_dict() for k, v in results.items()}))
        return
    table = Table(title=f"{len(study)} scenarios × {replications} replications"
                        + (f" on {scheduler}" if scheduler else ""))
    for col in ("场景 scenario", "服务水平 SL", "最差一天 worst day", "放弃率 abandoned",
                "坐席工时 agent-h", "全部达标 all met"):
        table.add_column(col, justify="right")
    for key, summary in results.items():
        cells = [summary.estimate(m) for m in ("service_level", "min_day_service_level",
                                               "abandon_rate", "agent_hours")]
        table.add_row(key, *(f"{e.mean:.3f}" if e.mean < 10 else f"{e.mean:.0f}"
                             for e in cells), f"{summary.all_met_share():.0%}")
    Console().print(table)
