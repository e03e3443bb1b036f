"""Hook implementations of the archives plugin (filled in by its issue)."""
