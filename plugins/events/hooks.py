"""Hook implementations of the events plugin (filled in by its issue)."""
