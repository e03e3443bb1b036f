"""Hook implementations of the keys plugin (filled in by its issue)."""
