"""The plugin manager: hook specs, built-ins, entry points, a site plugin folder.

`PROPDESK_LOAD_PLUGINS=a,b` loads only those installed plugins (empty: none but the
built-ins); `PROPDESK_PLUGINS_DIR` (or `[plugins] dir`) adds a folder of `*.py` site
plugins; `PROPDESK_TRACE_HOOKS=1` writes every hook call to stderr.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
from pydantic import BaseModel, ValidationError

from core import hookspecs
from core.labels import Vocabulary

log = logging.getLogger("propdesk.plugins")

#: built-in behaviour, registered like any plugin: categories and the default SLA policy,
#: the in-transaction reactions (warnings, CAPA, follow-ups), the webhook outbox, the search
#: index, the notifiers (e-mail, WeCom, DingTalk, SMS), attachments filed on close
DEFAULT_PLUGINS = ("core.builtin", "core.reactions", "core.webhooks", "core.search",
                   "core.notifiers", "core.attachments")
ENTRY_POINT_GROUP = "propdesk"


def make_plugin_manager(
    enabled: list[str] | None = None, plugins_dir: str | None = None,
) -> pluggy.PluginManager:
    """Build the manager; `enabled` (config `[plugins] enabled`) narrows installed plugins."""
    pm = pluggy.PluginManager("propdesk")
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    allowed = _allow_list(enabled)
    installed = list(entry_points(group=ENTRY_POINT_GROUP))
    folder = os.environ.get("PROPDESK_PLUGINS_DIR") or plugins_dir
    files = sorted(Path(folder).glob("*.py")) if folder else []
    if enabled and os.environ.get("PROPDESK_LOAD_PLUGINS") is None:
        _check_enabled(enabled, [ep.name for ep in installed] + [p.stem for p in files])
    for ep in installed:
        if allowed is None or ep.name in allowed:
            pm.register(ep.load(), name=ep.name)
    for path in files:
        if allowed is None or path.stem in allowed:
            pm.register(_load_file(path), name=f"site:{path.stem}")
    if os.environ.get("PROPDESK_TRACE_HOOKS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    pm.check_pending()
    return pm


_SHARED: dict[tuple[Any, ...], pluggy.PluginManager] = {}


def shared_plugin_manager(enabled: list[str] | None = None, plugins_dir: str | None = None
                          ) -> pluggy.PluginManager:
    """One plugin manager per process and plugin selection: the command line's group and
    the site it opens share it, so plugins load (and site plugin files run) once."""
    key = (tuple(enabled or ()), plugins_dir, *(os.environ.get(name) for name in (
        "PROPDESK_LOAD_PLUGINS", "PROPDESK_PLUGINS_DIR", "PROPDESK_TRACE_HOOKS")))
    pm = _SHARED.get(key)
    if pm is None:
        pm = _SHARED[key] = make_plugin_manager(enabled, plugins_dir)
    return pm


def _check_enabled(enabled: list[str], known: list[str]) -> None:
    """A typo in `[plugins] enabled` stops the site naming it, instead of silently
    loading no plugin."""
    from core.errors import ConfigError

    for name in enabled:
        if name not in known:
            raise ConfigError("plugins.enabled", f"unknown plugin {name!r}; installed: "
                              f"{', '.join(sorted(set(known))) or 'none'}")


def _allow_list(enabled: list[str] | None) -> set[str] | None:
    env = os.environ.get("PROPDESK_LOAD_PLUGINS")
    if env is not None:
        return {name.strip() for name in env.split(",") if name.strip()}
    return set(enabled) if enabled else None


def _load_file(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"propdesk_site_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load site plugin {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plugin_list(pm: pluggy.PluginManager) -> list[dict[str, Any]]:
    """What `propdesk plugins` shows: name, where it came from, the hooks it implements."""
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        dist = dists.get(id(plugin))
        rows.append({
            "name": name,
            "source": "built-in" if name in DEFAULT_PLUGINS or name.startswith("core.") else
            "site folder" if name.startswith("site:") else
            f"{dist.project_name} {dist.version}" if dist else "entry point",
            "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
        })
    return rows


def categories(pm: pluggy.PluginManager) -> Vocabulary:
    vocab = Vocabulary("category")
    pm.hook.register_categories(register=lambda code, zh, en, aliases=(): vocab.add(
        code, zh, en, aliases))
    return vocab


def plugin_settings(pm: pluggy.PluginManager, tables: dict[str, dict[str, Any]]
                    ) -> dict[str, BaseModel]:
    """Each plugin's declared settings (`register_config`), validated from its
    `[plugins.<name>]` table; one line naming the key when a value is wrong."""
    from core.errors import ConfigError

    models: dict[str, type[BaseModel]] = {}
    pm.hook.register_config(register=lambda name, model: models.__setitem__(name, model))
    for name in tables:
        if name not in models:
            known = ", ".join(sorted(models)) or "none"
            raise ConfigError(f"plugins.{name}", f"no plugin takes settings named {name!r} "
                              f"(plugins with settings: {known})")
    out: dict[str, BaseModel] = {}
    for name, model in models.items():
        try:
            out[name] = model.model_validate(tables.get(name, {}))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(["plugins", name, *(str(p) for p in err["loc"])])
            msg = "unknown key" if err["type"] == "extra_forbidden" else \
                err["msg"].removeprefix("Value error, ")
            raise ConfigError(loc, msg) from None
    return out


def collect(hook: Callable[..., Any]) -> list[Any]:
    """Gather what `register_*` hooks register into a list."""
    items: list[Any] = []
    hook(register=items.append)
    return items


def notify(site: Any, name: str, **kwargs: Any) -> None:
    """Fire a notification: after the open unit of work commits, or now outside one.

    `site` is the `Desk` (implementations may take it as `desk`) or a bare plugin manager.
    """
    if hasattr(site, "notify"):
        site.notify(name, **kwargs)
    else:
        _call(site, None, name, kwargs)


def announce(desk: Any, notes: list[tuple[str, dict[str, Any]]]) -> None:
    """Fire committed notifications as plugin hook calls, in the order they were raised."""
    for name, kwargs in notes:
        _call(desk.pm, desk, name, kwargs)


def _call(pm: pluggy.PluginManager, desk: Any, name: str, kwargs: dict[str, Any]) -> None:
    """One real hook call (traced, wrappable); each implementation is guarded (`_guard`),
    so one plugin failing never stops the others or loses what was committed."""
    if desk is not None:
        kwargs = {"desk": desk, **kwargs}
    caller = getattr(pm.hook, name)
    for impl in caller.get_hookimpls():
        _guard(impl, name)
    caller(**kwargs)


def _guard(impl: Any, hook: str) -> None:
    """Wrap a notification implementation once: its failure is logged, not raised."""
    if getattr(impl.function, "_propdesk_guarded", False) or impl.wrapper or impl.hookwrapper:
        return
    function = impl.function

    def guarded(*args: Any, **kw: Any) -> Any:
        try:
            return function(*args, **kw)
        except Exception:  # a plugin's failure must never lose the ticket
            log.exception("plugin %s failed in %s", impl.plugin_name, hook)
            return None

    guarded._propdesk_guarded = True  # type: ignore[attr-defined]
    impl.function = guarded
