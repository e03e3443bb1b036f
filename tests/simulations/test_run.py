from __future__ import annotations

import math

import pytest

from simulations.run import confidence, run_replications, t_quantile


def test_confidence_interval():
    est = confidence([1.0, 2.0, 3.0, 4.0, float("nan")])
    assert est.n == 4 and est.mean == 2.5
    assert est.half_width == pytest.approx(3.182 * 1.2909944 / 2, rel=1e-4)
    assert math.isnan(confidence([1.0]).low)
    assert t_quantile(1000) == pytest.approx(1.9623, abs=1e-3)


def test_parallel_replications_equal_serial_ones(small_scenario):
    serial = run_replications(small_scenario, 3, seed=5, workers=1)
    parallel = run_replications(small_scenario, 3, seed=5, workers=2)
    assert [r.metrics for r in serial.replications] == [r.metrics
                                                        for r in parallel.replications]
    d = serial.as_dict()
    assert d["replications"] == 3 and "service_level" in d["metrics"]
    assert 0 <= d["all_targets_met_share"] <= 1


def test_dask_local_cluster_gives_the_same_answers(small_scenario):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = run_replications(small_scenario, 3, seed=5, scheduler=client)
    local = run_replications(small_scenario, 3, seed=5, workers=1)
    assert [r.metrics for r in on_dask.replications] == [r.metrics for r in local.replications]
