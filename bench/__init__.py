"""Benchmarks (not tests): each `bench/*_bench.py` prints its figures and writes results/*.json."""
