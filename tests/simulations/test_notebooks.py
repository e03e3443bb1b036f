"""The managers' notebooks: paired with their jupytext scripts, and they run headless.

Together they must finish within 3 minutes (the CI budget in the issue).
"""

from __future__ import annotations

import time
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parents[2] / "simulations" / "notebooks"
PAIRS = sorted(NOTEBOOKS.glob("*.py"))
BUDGET_S = 180.0
_spent: list[float] = []


def test_there_are_three_notebooks():
    assert [p.stem for p in PAIRS] == ["staffing_study", "storm_what_if", "validation_erlang_c"]


@pytest.mark.parametrize("script", PAIRS, ids=[p.stem for p in PAIRS])
def test_notebook_matches_its_script(script):
    ipynb = script.with_suffix(".ipynb")
    assert ipynb.exists(), f"run: jupytext --sync {script}"
    from_script = [(c.cell_type, c.source) for c in jupytext.read(script).cells]
    from_notebook = [(c.cell_type, c.source) for c in nbformat.read(ipynb, as_version=4).cells]
    assert from_script == from_notebook, f"out of sync: run jupytext --sync {script}"


@pytest.mark.slow
@pytest.mark.parametrize("script", PAIRS, ids=[p.stem for p in PAIRS])
def test_notebook_runs_headless(script):
    nb = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=BUDGET_S, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    _spent.append(time.perf_counter() - start)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart was drawn"
    assert sum(_spent) < BUDGET_S, f"notebooks took {sum(_spent):.0f} s together"
