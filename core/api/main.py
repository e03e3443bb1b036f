"""`uvicorn core.api.main:app_from_env --factory`: the app for the site in the environment."""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from core.api.app import create_app
from core.desk import Desk


def app_from_env() -> FastAPI:
    """Built in each server process from PROPDESK_DATABASE_URL / PROPDESK_CONFIG."""
    desk = Desk.open(os.environ.get("PROPDESK_DATABASE_URL"), os.environ.get("PROPDESK_CONFIG"))
    app = create_app(desk, background=os.environ.get("PROPDESK_BACKGROUND", "1") == "1")
    # What starting made (modules, ORM mappers, routes, the calendar) lives as long as the
    # process: out of the collector's sight, full collections stop scanning it, which took
    # the slowest 1 % of intakes from ~130 ms to ~70 ms (bench/service_bench.py).
    gc.collect()
    gc.freeze()
    return app
