"""`propdesk sim …`: run, optimize, calibrate, queue (alias mmc). Thin: parse, call, print.

A user's mistake (a bad scenario field, a bad option value) is one line on stderr and
exit code 2, never a traceback, whether the group runs inside `propdesk` or alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
              help="Site configuration (its time zone places the hours).")
@click.pass_context
def calibrate_cmd(ctx: click.Context, months: int, db_url: str | None, csv_path: str | None,
                  until: str | None, config_path: str | None) -> None:
    """Print a scenario whose arrivals are the last N months' tickets, by hour of week."""
    from core import kit
    from simulations.calibrate import calibrate, records_from_csv, to_toml, window

    config = kit.load_config(config_path or _root_config(ctx))
    end = kit.parse_time(until, config.tz, "until") if until else None
    since, stop = window(months, end)
    if csv_path:
        records: Iterable[Any] = records_from_csv(csv_path, config.tz)
    else:  # the core reads its own store and hands back plain figures
        records = kit.arrival_history(kit.Desk.open(db_url, config=config), since, stop)
    profile = calibrate(records, since, stop, config.tz)
    if not profile.records:
        raise DomainError("months", f"no tickets received between {since:%Y-%m-%d} and "
                          f"{stop:%Y-%m-%d}")
    click.echo(to_toml(profile), nl=False)


def _root_config(ctx: click.Context) -> str | None:
    """`propdesk --config` when the group runs inside `propdesk`."""
    return getattr(ctx.find_root().obj, "config_path", None)
