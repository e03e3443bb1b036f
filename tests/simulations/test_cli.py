"""The `sim` group through click's runner: JSON shapes, and one-line errors (exit 2)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from simulations.cli import sim


def invoke(*args: str):
    return CliRunner().invoke(sim, list(args), catch_exceptions=False)


def test_mmc_json_has_both_sides():
    res = invoke("mmc", "--arrivals-per-hour", "120", "--aht-min", "4", "--agents", "10",
                 "--days", "5", "--target-seconds", "20", "--seed", "2", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    for side in ("simulated", "erlang_c"):
        assert {"p_wait", "service_level", "mean_wait_s"} <= set(data[side])
    assert abs(data["simulated"]["service_level"] - data["erlang_c"]["service_level"]) < 0.05


def test_mmc_table():
    res = invoke("mmc", "--arrivals-per-hour", "60", "--aht-min", "4", "--agents", "6",
                 "--days", "2")
    assert res.exit_code == 0 and "Erlang C" in res.output


@pytest.mark.parametrize(("args", "field"), [
    (["mmc", "--arrivals-per-hour", "120", "--aht-min", "4", "--agents", "8"], "agents"),
    (["mmc", "--arrivals-per-hour", "120", "--aht-min", "4", "--agents", "10", "--days", "0"],
     "days"),
    (["run", "-n", "0"], "replications"),
    (["calibrate", "--months", "0", "--csv", "x.csv"], "months"),
])
def test_bad_input_is_one_line_and_exit_2(args, field):
    res = invoke(*args)
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {field}:"), res.output


def test_bad_scenario_names_the_field(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[arrivals]\n[[arrivals.stream]]\nchannel = "电话"\ncategory = "投拆"\n'
                    'per_week = 10\n[agents]\nfixed = 2\n', encoding="utf-8")
    res = invoke("run", str(path), "-n", "1")
    assert res.exit_code == 2
    assert res.output.startswith("error: arrivals.stream[0].category: unknown value '投拆'")
    assert "Traceback" not in res.output


@pytest.mark.slow
def test_run_json_and_plots(tmp_path):
    res = invoke("run", "-n", "2", "--workers", "1", "--json", "--plots", str(tmp_path))
    assert res.exit_code == 0
    data = json.loads(res.output[res.output.index("{"):])
    assert data["replications"] == 2
    assert set(data["metrics"]["service_level"]) == {"mean", "ci95_low", "ci95_high", "n"}
    assert {p.name for p in tmp_path.iterdir()} == {"required_agents.png", "queue_week.png",
                                                    "deadlines.png"}


def test_run_table_shows_targets():
    res = invoke("run", "-n", "2", "--workers", "1")
    assert res.exit_code == 0
    assert "service level" in res.output and "all targets met in" in res.output


def test_calibrate_from_csv(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("received_at,channel,category,severity\n"
                    "2026-11-02T09:15,电话,报修,\n2026-11-09T09:40,phone,repair,\n"
                    "2026-11-03T14:05,来访,投诉,重大\n", encoding="utf-8")
    res = invoke("calibrate", "--csv", str(path), "--months", "1",
                 "--until", "2026-11-16T00:00")
    assert res.exit_code == 0, res.output
    assert 'channel = "phone"' in res.output and 'severity = "major"' in res.output


def test_errors_inside_propdesk_exit_2_too():
    from core.cli.main import cli

    res = CliRunner().invoke(cli, ["sim", "mmc", "--arrivals-per-hour", "120", "--aht-min", "4",
                                   "--agents", "8"])
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [res.output.strip()]
    assert res.output.startswith("error: agents:")


@pytest.mark.slow
def test_optimize_methods_and_progress(tmp_path):
    res = invoke("optimize", "-n", "2", "--workers", "1", "--method", "erlang-c", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output[res.output.index("{"):])
    assert data["method"] == "erlang-c" and data["start"] == data["erlang_c_start"]
    assert data["replications"] >= 2 and data["agent_shifts_per_week"] > 0
    res = invoke("optimize", "-n", "2", "--workers", "1", "--method", "erlang-b")
    assert res.exit_code == 2 and "erlang-b" in res.output
