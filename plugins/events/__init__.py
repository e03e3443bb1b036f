"""Plugin package: see hooks.py."""
