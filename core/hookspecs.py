"""The plugin contract: every hook a plugin may implement, in one place.

Conventions: `register_*` hooks contribute things through a callback; `*_created`,
`*_transitioned`, `*_recorded`, `sla_*` are notifications fired after the transaction
commits (a plugin that raises there is logged and never loses the ticket); hooks marked
firstresult give one answer. Hooks only ever gain arguments, and an implementation may
take any subset of them.

Tickets reach plugins as plain dicts: the object `propdesk ticket show --json` prints.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("propdesk")


@hookspec
def register_categories(register: Any) -> None:
    """Add ticket categories.

    `register(code, zh, en, aliases=())` adds one; the code is stored, and input accepts
    the code, either name or an alias. Fires once when the plugin manager is built.
    """


@hookspec
def register_commands(cli: Any) -> None:
    """Add CLI commands: `cli` is the top-level click group; call `cli.add_command(...)`.

    Fires once when the `propdesk` command starts.
    """


@hookspec
def register_routes(router: Any) -> None:
    """Add HTTP routes: `router` is the application's FastAPI `APIRouter`.

    Fires once when the HTTP service is built (the Service issue).
    """


@hookspec
def register_config(register: Any) -> None:
    """Declare the plugin's settings: `register(name, model)` with a pydantic model whose
    fields all have defaults.

    A site sets them in `propdesk.toml` under `[plugins.<name>]`; they are validated when
    the site is opened, a bad value stopping with one line (`plugins.archives.loan_days:
    ...`), and read with `desk.settings("<name>")`. A `[plugins.<name>]` table that no
    installed plugin declares is refused the same way.
    """


@hookspec
def register_models(register: Any) -> None:
    """Declare the plugin's tables: `register(model_class)` for each model on `core.models.Base`.

    Fires when the database is opened or migrated, so the plugin's tables are part of the
    shared metadata.
    """


@hookspec
def register_migrations(register: Any) -> None:
    """Add an Alembic version location: `register(path)` to a folder of the plugin's revisions.

    Each plugin keeps its own branch (`branch_labels = ("myplugin",)`, `depends_on` the core
    revision it needs); `propdesk init` and `propdesk db upgrade` migrate every branch.
    """


@hookspec(firstresult=True)
def classify_ticket(ticket: dict[str, Any], config: Any, desk: Any) -> dict[str, Any] | None:
    """Suggest a classification for a ticket being taken in.

    `ticket`: the intake fields (category, severity, nature, channel, topic, unit, summary,
    received_at in ISO 8601).
    `config`: the site `Config`. Return a dict of fields to change (e.g. `{"category":
    "paid_service"}`) or None for no opinion; the first answer wins. The answer may also
    carry `"note"`: a JSON object saying why, kept in the ticket's `received` event as
    `classified` (so the history shows why a repair became a paid service, and the same
    plugin's `ticket_created` can read it back). Fires at intake, before the transaction
    and before the deadlines are computed.

    `desk`: the site's `Desk`; read through `desk.read()` only.
    """


@hookspec(firstresult=True)
def select_sla_policy(ticket: dict[str, Any], clock: str, config: Any, desk: Any) -> str | None:
    """The duration of one clock of a ticket: `"2h"`, `"30m"`, `"3wd"`, or `"none"`: no clock.

    `ticket`: its category, severity, nature, channel and topic. `clock`: `"reply"` or
    `"resolve"`. `config`: the site `Config`. Return None for no opinion; the built-in
    implementation (last in order) reads the `[sla.policies]` table.

    `desk`: the site's `Desk`; `desk.read()` and `desk.write()` here join the action's unit
    of work (sometimes none is open yet: then `desk.read()` reads alone).
    """


@hookspec
def validate_transition(ticket: dict[str, Any], action: str, actor: str | None,
                        data: dict[str, Any], desk: Any) -> None:
    """Veto an action: raise `core.errors.TransitionRefused(field, reason)` to refuse it.

    `ticket`: the ticket before the action. `action`: dispatch, start, contact, resolve,
    report, close, reopen, escalate, reclassify, pause, resume, handover, followup or
    withdraw. `actor`: staff
    name or None. `data`: the action's arguments. Fires inside the transaction, after the
    state machine allowed the action; a refusal leaves nothing written.

    `desk`: the site's `Desk`; `desk.read()` and `desk.write()` here join the action's unit
    of work (sometimes none is open yet: then `desk.read()` reads alone).
    """


@hookspec
def ticket_created(ticket: dict[str, Any], desk: Any) -> None:
    """A ticket was taken in (`ticket`: the new ticket). Fires after commit.

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def ticket_transitioned(ticket: dict[str, Any], action: str, from_state: str,
                        to_state: str, event: dict[str, Any], desk: Any) -> None:
    """An action was done on a ticket, whether or not its state changed.

    `ticket`: the ticket after the action; `action`: as in `validate_transition`;
    `from_state`/`to_state`: the states before and after; `event`: the history entry
    (kind, at, actor, data). Fires after commit, once per ticket (a handover fires it for
    every ticket handed over).

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def sla_at_risk(ticket: dict[str, Any], clock: dict[str, Any], desk: Any) -> None:
    """A clock has used its at-risk share of time (default 80 %) and is not met.

    `ticket`: the ticket (without its history). `clock`: name (reply, resolve,
    communication, followup), round, policy, due_at, at_risk_at. Fires once per clock,
    after commit, when the deadline check (`propdesk sla check`, the watcher) first finds
    it (again after a calendar change lifted the warning: a `deadline_repriced` event).

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def sla_breached(ticket: dict[str, Any], clock: dict[str, Any], desk: Any) -> None:
    """A deadline passed without its step done; the breach and escalation are on record.

    `ticket` and `clock` as in `sla_at_risk`; `clock` also has breached_at and
    `escalated_to` (the role the breach went to). Fires once per clock, after commit.

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def followup_recorded(ticket: dict[str, Any], followup: dict[str, Any], desk: Any) -> None:
    """A follow-up (回访) was recorded.

    `ticket`: the ticket after the follow-up. `followup`: method, at, actor, satisfaction
    (1–5), fixed, comment, and `reopened` (True when the answer reopened the ticket).
    Fires after commit.

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def followup_scheduled(ticket: dict[str, Any], task: dict[str, Any], desk: Any) -> None:
    """A follow-up (回访) was put in the queue: a ticket was resolved and drawn, or closed.

    `ticket`: the ticket (without history). `task`: kind (standard, urgent, leak, second,
    redo, first_call, agreement_mid, agreement_end, survey), status (open; or waiting for
    the ticket's closing or the first rainy day), owner_role, assignee, method ("visit"
    when it must be in person), due_at, reason, rate and draw. Fires after commit.

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def followup_escalated(ticket: dict[str, Any], task: dict[str, Any], desk: Any) -> None:
    """A follow-up reached nobody the configured number of times and moved up a role.

    `ticket`: the ticket (without history). `task`: as in `followup_scheduled`, with the
    new owner_role, attempts and escalation_level. Fires after commit.

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def warning_raised(warning: dict[str, Any], desk: Any) -> None:
    """A SPEC §5 warning was raised; each fires once.

    `warning`: kind (rising, repeat, group), label, topic, to (the role warned: the site
    manager for a group complaint), raised_at, ticket and data (counts, threshold, window,
    ticket numbers; the CAPA number for a repeat matter). Group-complaint and repeat-matter
    warnings fire after the intake that raised them commits; rising complaints when a
    report of the period is first built.

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def archive_record_offered(record: dict[str, Any], desk: Any) -> None:
    """A plugin offers a record for a household's file (业户档案), without importing the
    archive plugin: e.g. the key plugin offers a unit's key loan when it is returned.

    `record`: unit (code), kind (household/move_in/decoration/daily/advertising), title, at
    (ISO 8601), source (plugin name), data (a JSON-able dict). Fire it with
    `core.plugins.notify(pm, "archive_record_offered", record=...)` after your commit; the
    archive plugin files it. Without that plugin nothing happens.

    `desk`: the site's `Desk`; the unit of work has committed, so a plugin's `desk.write()`
    here opens a unit of its own.
    """


@hookspec
def deadlines_checked(now: Any, desk: Any) -> None:
    """One pass of the deadline check (the watcher, `propdesk sla check`) has run: a plugin
    checks its own clocks here (e.g. key loans), recording each once and announcing them
    through `sla_at_risk` / `sla_breached`.

    `now`: the pass's time (an aware datetime). `desk`: the site's `Desk`; fired after the
    core's records commit, so the plugin may use `desk.write()`.
    """


@hookspec
def site_opened(desk: Any) -> None:
    """A site's `Desk` was built (once per process and database): a plugin attaches what it
    keeps per site, e.g. the webhook built-in registers its outbox for that database.

    `desk`: the new `Desk`. Nothing is open yet; do not write here.
    """


@hookspec
def tickets_received(tickets: list[Any], session: Any, desk: Any) -> None:
    """New tickets were written in the intake's unit of work, not yet committed: the
    built-in reactions record topics, raise warnings and plan first-call follow-ups here.

    `tickets`: the new `core.models.Ticket` rows (flushed, with ids). `session`: the unit's
    session; write in it, never commit it. Raising refuses the whole intake. Queue
    notifications with `desk.notify(...)`: they fire after the commit.
    """


@hookspec
def action_applied(action: Any, name: str, from_state: str, desk: Any) -> None:
    """A ticket action's body ran, inside its unit of work (not yet committed): the
    built-in reactions plan, start or cancel follow-ups here.

    `action`: the `core.actions.Action` (ticket, session, at, staff, record()). `name`: the
    action (as in `validate_transition`). `from_state`: the state before it. Raising
    refuses the action; notifications go through `desk.notify(...)`.
    """


@hookspec
def unit_records(unit: dict[str, Any], session: Any, desk: Any) -> list[dict[str, Any]] | None:
    """What a plugin keeps about one unit, for its household history (`propdesk unit
    history`, `GET /units/{code}/history`): key loans, the archive file, registrations,
    paid jobs. Every implementation's list is joined and sorted newest first.

    `unit`: code, building, owner and phone (masked for readers who may not see it).
    `session`: the read's session: query in it, write nothing. `desk`: the site's `Desk`.
    Return a list of dicts, each with at least kind, at (ISO 8601), summary and source (the
    plugin's name); phones under `phone` are masked for the reader; None or [] for nothing.
    """
