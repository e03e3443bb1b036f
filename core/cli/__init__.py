"""The `propdesk` command line: thin commands over the core services."""
