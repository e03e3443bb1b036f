"""The trainer's and the trainee's notebooks execute, and each matches its jupytext pair."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parents[2] / "training" / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["monthly_exam", "practice"])
def test_notebook_executes(name: str, tmp_path: Path) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    if name == "monthly_exam":  # the ipywidgets exam form is displayed and submitted
        assert any(WIDGET in o.get("data", {}) for o in outputs)
        assert any("已交卷 submitted" in o.get("text", "") for o in outputs)


@pytest.mark.parametrize("name", ["monthly_exam", "practice"])
def test_notebook_matches_its_py_pair(name: str) -> None:
    paired = jupytext.read(NOTEBOOKS / f"{name}.py")
    stored = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in paired.cells] == \
        [(c.cell_type, c.source) for c in stored.cells]
