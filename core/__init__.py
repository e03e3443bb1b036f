"""propdesk core: ticket store, SLA clocks, follow-ups and the plugin hook contract."""

import pluggy

hookimpl = pluggy.HookimplMarker("propdesk")

__all__ = ["hookimpl"]
