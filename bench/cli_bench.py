"""CLI start-up: `propdesk ticket show` and friends as whole processes, beside a yardstick.

Run with `make bench` (or `python -m bench cli`). Each command runs as a fresh process
against a demo site, alternating with the yardstick `python -c "import sqlalchemy, click"`
(what any command of a SQLAlchemy + click tool must load), so a busy machine slows both
alike; the figure that matters is the ratio of medians (target: ticket show ≤ 1.8×, and
≤ 0.3 s on a quiet machine). Figures go to bench/results/cli.json.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"
RUNS = 15
TARGET_RATIO, TARGET_S = 1.8, 0.3


def once(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode()[:300]}")
    return took


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    propdesk = str(Path(sys.executable).parent / "propdesk")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROPDESK_")}
        subprocess.run([propdesk, "init", "--demo"], env=env, cwd=work, check=True,
                       capture_output=True)
        listed = subprocess.run([propdesk, "ticket", "list", "--json", "--limit", "1"],
                                env=env, cwd=work, check=True, capture_output=True)
        number = json.loads(listed.stdout)[0]["number"]
        yardstick = [sys.executable, "-c", "import sqlalchemy, click"]
        commands = {
            "ticket show": [propdesk, "ticket", "show", number],
            "ticket show --json": [propdesk, "ticket", "show", number, "--json"],
            "ticket list": [propdesk, "ticket", "list", "--limit", "20"],
            "sla explain": [propdesk, "sla", "explain", number],
            "--help": [propdesk, "--help"],
        }
        for cmd in (yardstick, *commands.values()):  # warm the file cache
            once(cmd, env, work)
        base: list[float] = []
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(RUNS):
            for name, cmd in commands.items():
                base.append(once(yardstick, env, work))
                times[name].append(once(cmd, env, work))
    yard = statistics.median(base)
    results = {"python": sys.version.split()[0],
               "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
               "runs": RUNS, "yardstick": "python -c 'import sqlalchemy, click'",
               "yardstick_median_s": round(yard, 3), "target_ratio": TARGET_RATIO,
               "target_s": TARGET_S, "load_average": os.getloadavg()[0],
               "commands": {}}
    for name, values in times.items():
        med = statistics.median(values)
        results["commands"][name] = {"median_s": round(med, 3), "min_s": round(min(values), 3),
                                     "ratio": round(med / yard, 2)}
        print(f"  propdesk {name}: median {med:.3f} s, {med / yard:.2f}x the yardstick "
              f"({yard:.3f} s)", flush=True)
    (RESULTS / "cli.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"  wrote {RESULTS / 'cli.json'}")


if __name__ == "__main__":
    main()
