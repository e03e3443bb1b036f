"""Hook implementations of the paid_services plugin (filled in by its issue)."""
