"""Sweeps: many scenarios × replications, locally and on a real Dask cluster.

The cluster test starts the installed `dask` command line — one scheduler and two worker
processes on loopback, free ports — and runs `propdesk sim sweep --scheduler tcp://…`
through them, then checks each replication equals this machine's with the same seeds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulations.cli import sim
from simulations.params import parse_scenario
from simulations.studies import sweep, with_demand
from tests.simulations.conftest import small

ROOT = Path(__file__).resolve().parents[2]


def _study() -> dict:
    base = parse_scenario(small())
    other = parse_scenario(small(scenario={"days": 1, "seed": 11, "drain_days": 2}))
    return {"a": base, "a ×1.3": with_demand(base, 1.3), "b": other}


def _same(x: dict, y: dict) -> None:
    assert x.keys() == y.keys()
    for key in x:
        assert [r.rep for r in x[key].replications] == [r.rep for r in y[key].replications]
        for r1, r2 in zip(x[key].replications, y[key].replications, strict=True):
            assert r1.seed == r2.seed and r1.metrics == r2.metrics, key
            assert np.array_equal(r1.intervals["offered"], r2.intervals["offered"])


def test_with_demand_scales_every_stream(small_scenario):
    more = with_demand(small_scenario, 1.5)
    assert np.allclose(more.rates(), 1.5 * small_scenario.rates())
    assert more.scenario.name.endswith("×1.5")


def test_sweep_is_the_same_in_one_process_and_in_two():
    one = sweep(_study(), 3, workers=1)
    two = sweep(_study(), 3, workers=2)
    _same(one, two)
    assert one["b"].seed == 11 and one["a"].seed == 7
    # more demand, more calls offered (same seeds, so a real difference)
    assert (one["a ×1.3"].estimate("offered").mean > one["a"].estimate("offered").mean)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster() -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on loopback."""
    dask_cli = Path(sys.executable).with_name("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    procs = [subprocess.Popen([str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port",
                               str(port), "--no-dashboard"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    try:
        for i in range(2):
            procs.append(subprocess.Popen(
                [str(dask_cli), "worker", address, "--host", "127.0.0.1", "--nworkers", "1",
                 "--nthreads", "1", "--no-dashboard", "--name", f"walk-{i}",
                 "--memory-limit", "0"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.mark.slow
def test_sweep_on_a_real_dask_cluster_equals_a_local_run(cluster, tmp_path):
    from distributed import Client

    remote = sweep(_study(), 4, scheduler=cluster)
    _same(remote, sweep(_study(), 4, workers=1))
    with Client(cluster) as client:
        done = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(done) == 2 and all(n > 0 for n in done.values()), done  # both worked
    assert sum(done.values()) == 12
    # and through the command line, scenario files and a demand grid
    path = tmp_path / "s.toml"
    path.write_text(json_to_toml(small()), encoding="utf-8")
    res = CliRunner().invoke(sim, ["sweep", str(path), "--demand", "1.3", "-n", "3",
                                   "--scheduler", cluster, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    local = sweep(_study(), 3, workers=1)
    assert out[str(path)]["metrics"]["offered"] == local["a"].as_dict()["metrics"]["offered"]
    assert (out[f"{path} ×1.3"]["metrics"]["offered"]
            == local["a ×1.3"].as_dict()["metrics"]["offered"])


def json_to_toml(raw: dict) -> str:
    """The small scenario as TOML (inline tables: TOML accepts JSON-like values)."""
    lines = []
    for section, body in raw.items():
        lines.append(f"[{section}]")
        for key, value in body.items():
            lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line():
    res = CliRunner().invoke(sim, ["sweep", "-n", "1", "--scheduler",
                                   f"tcp://127.0.0.1:{_free_port()}"])
    assert res.exit_code == 2
    assert res.output.startswith("error: scheduler: cannot reach the Dask scheduler tcp://")
    assert "Traceback" not in res.output and res.output.count("\n") == 1
