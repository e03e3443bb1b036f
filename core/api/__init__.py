"""The HTTP service (FastAPI): thin routes over the same services as the CLI."""
