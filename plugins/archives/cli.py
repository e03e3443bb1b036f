"""`propdesk archive ...`: thin commands over the archive modules (业户档案).

Each command parses, calls one service with `actor=ctx.actor` and prints; the services
decide who may, when, and in what state (an unknown `--as` is refused by them, reads
included)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from core.kit.cli import Context, echo_json, table
from plugins.archives import access, backup, retention, service

pass_ctx = click.make_pass_decorator(Context)
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
AT = click.option("--at", help="When (ISO 8601; naive = site time; default now).")


def _out(data: Any, as_json: bool, line: str) -> None:
    echo_json(data) if as_json else click.echo(line)


@click.group()
def archive() -> None:
    """Household archives (业户档案): files, documents, access, retention."""


@archive.command("open")
@click.argument("unit")
@click.option("--importance", default="general",
              help="general|important|permanent (一般/重要/永久)")
@AT
@JSON
@pass_ctx
def open_(ctx: Context, unit: str, importance: str, at: str | None, as_json: bool) -> None:
    """Open a household's file."""
    view = service.open_file(ctx.desk, unit, importance, ctx.actor, at)
    _out(view, as_json, f"file {view['number']} opened for {view['unit']}")


@archive.command("add")
@click.argument("file")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--kind", required=True, help="household|move_in|decoration|daily|advertising")
@click.option("--title", required=True)
@click.option("--date", "dated", help="The document's date (default now).")
@click.option("--source", default="desk", help="Where it came from.")
@click.option("--important", is_flag=True, help="Copies need the site manager's approval.")
@JSON
@pass_ctx
def add(ctx: Context, file: str, path: str, kind: str, title: str, dated: str | None,
        source: str, important: bool, as_json: bool) -> None:
    """Add a document (any file) to a household's file."""
    view = service.add_document(ctx.desk, file, path, kind=kind, title=title, dated=dated,
                                source=source, important=important, actor=ctx.actor)
    _out(view, as_json, f"document {view['id']} added: {view['title']} ({view['sha256'][:12]})")


@archive.command("show")
@click.argument("file")
@JSON
@pass_ctx
def show(ctx: Context, file: str, as_json: bool) -> None:
    """A file and its register of contents by kind."""
    view = service.show_file(ctx.desk, file, ctx.actor)
    if as_json:
        return echo_json(view)
    click.echo(f"{view['number']} {view['unit']} {view['owner'] or ''} — {view['status']}"
               f"{' — legal hold' if view['legal_hold'] else ''}")
    rows = [(d["id"], d["kind_label"], d["date"][:10], d["title"], d["source"],
             "重要" if d["important"] else "", "destroyed" if d["destroyed"] else "")
            for docs in view["contents"].values() for d in docs]
    table(rows, ["id", "kind", "date", "title", "source", "important", ""])


@archive.command("list")
@click.option("--status", type=click.Choice(["current", "former", "destroyed"]))
@JSON
@pass_ctx
def list_(ctx: Context, status: str | None, as_json: bool) -> None:
    """Household files."""
    rows = service.list_files(ctx.desk, status, ctx.actor)
    if as_json:
        return echo_json(rows)
    table([(r["number"], r["unit"], r["status"], r["importance"], r["retain_until"],
            "hold" if r["legal_hold"] else "") for r in rows],
          ["number", "unit", "status", "importance", "retain until", ""])


@archive.command("request")
@click.argument("file")
@click.option("--purpose", required=True, help="view|copy|loan (查阅/复制/借阅)")
@click.option("--requester", required=True, help="A staff member, or the external person.")
@click.option("--kind", "requester_kind", default="internal",
              help="internal|police|procuratorate|court|lawyer")
@click.option("--organisation")
@click.option("--letter", "letter_ref", help="The external requester's letter reference.")
@click.option("--id-number", help="The external requester's ID number.")
@click.option("--reason", required=True)
@click.option("--document", type=int, help="One document (default: the whole file).")
@AT
@JSON
@pass_ctx
def request(ctx: Context, file: str, as_json: bool, **kw: Any) -> None:
    """Ask to view, copy or borrow a file's content."""
    view = access.request_access(ctx.desk, file, actor=ctx.actor, **kw)
    _out(view, as_json, f"request {view['id']}: {view['purpose']} of {view['file']} — waiting "
         f"for the {access.ROLE_LABELS[view['approver_role']]}")


def _decide(approve: bool) -> Any:
    @click.argument("request_id", type=int)
    @AT
    @JSON
    @pass_ctx
    def decide(ctx: Context, request_id: int, at: str | None, as_json: bool) -> None:
        view = access.decide(ctx.desk, request_id, approve=approve, actor=ctx.actor, at=at)
        _out(view, as_json, f"request {view['id']} {view['status']} by {view['decided_by']}")
    return decide


archive.command("approve", help="Approve a request (signed with --as).")(_decide(True))
archive.command("refuse", help="Refuse a request (signed with --as).")(_decide(False))


@archive.command("requests")
@click.option("--status", type=click.Choice(["pending", "approved", "refused"]))
@JSON
@pass_ctx
def requests(ctx: Context, status: str | None, as_json: bool) -> None:
    """Access requests."""
    rows = access.list_requests(ctx.desk, status, ctx.actor)
    if as_json:
        return echo_json(rows)
    table([(r["id"], r["file"], r["purpose"], r["requester"], r["requester_kind"],
            r["status"], r["decided_by"]) for r in rows],
          ["id", "file", "purpose", "requester", "kind", "status", "decided by"])


@archive.command("read")
@click.argument("request_id", type=int)
@click.option("--document", type=int, required=True)
@click.option("--action", type=click.Choice(access.READS), default="view")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the content here.")
@AT
@pass_ctx
def read(ctx: Context, request_id: int, document: int, action: str, output: str | None,
         at: str | None) -> None:
    """View, download or copy a document under an approved request (logged)."""
    meta, data = access.read(ctx.desk, request_id, document, action=action, actor=ctx.actor,
                             at=at)
    if output:
        Path(output).write_bytes(data)
        click.echo(f"{action}: document {meta['id']} {meta['title']} → {output}")
    else:
        sys.stdout.buffer.write(data) if not _text(data) else click.echo(data.decode())


def _text(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


@archive.command("lend")
@click.argument("request_id", type=int)
@AT
@JSON
@pass_ctx
def lend(ctx: Context, request_id: int, at: str | None, as_json: bool) -> None:
    """Hand out a file under an approved loan."""
    view = access.lend(ctx.desk, request_id, actor=ctx.actor, at=at)
    _out(view, as_json, f"request {view['id']}: lent, due back {view['due_back']}")


@archive.command("return")
@click.argument("request_id", type=int)
@AT
@JSON
@pass_ctx
def return_(ctx: Context, request_id: int, at: str | None, as_json: bool) -> None:
    """Take a loan back."""
    view = access.return_loan(ctx.desk, request_id, actor=ctx.actor, at=at)
    _out(view, as_json, f"request {view['id']}: returned {view['returned_at']}")


@archive.command("access")
@click.argument("file")
@JSON
@pass_ctx
def access_(ctx: Context, file: str, as_json: bool) -> None:
    """Every access to a file."""
    rows = access.access_report(ctx.desk, file, ctx.actor)
    if as_json:
        return echo_json(rows)
    table([(r["at"], r["action"], r["actor"], r["document"], r["request"], r["requester"],
            r["organisation"], r["approved_by"]) for r in rows],
          ["at", "action", "by", "document", "request", "requester", "organisation",
           "approved by"])


@archive.command("change")
@click.argument("file")
@click.option("--reason", required=True, help="sale|move_out (出售/迁出)")
@AT
@JSON
@pass_ctx
def change(ctx: Context, file: str, reason: str, at: str | None, as_json: bool) -> None:
    """The household changed: start the retention period."""
    view = retention.change_household(ctx.desk, file, reason, ctx.actor, at)
    _out(view, as_json, f"file {view['number']}: former household, kept until "
         f"{view['retain_until'] or 'for ever'}")


@archive.command("hold")
@click.argument("file")
@click.option("--reason", required=True, help="The dispute.")
@JSON
@pass_ctx
def hold(ctx: Context, file: str, reason: str, as_json: bool) -> None:
    """Place a legal hold: the file is not destroyed while it lasts."""
    view = retention.set_hold(ctx.desk, file, True, reason, ctx.actor)
    _out(view, as_json, f"file {view['number']}: legal hold ({reason})")


@archive.command("release")
@click.argument("file")
@JSON
@pass_ctx
def release(ctx: Context, file: str, as_json: bool) -> None:
    """Lift a legal hold."""
    view = retention.set_hold(ctx.desk, file, False, None, ctx.actor)
    _out(view, as_json, f"file {view['number']}: hold lifted")


@archive.command("approve-destruction")
@click.argument("file")
@AT
@JSON
@pass_ctx
def approve_destruction(ctx: Context, file: str, at: str | None, as_json: bool) -> None:
    """The site manager approves destroying a due file (signed with --as)."""
    view = retention.approve_destruction(ctx.desk, file, actor=ctx.actor, at=at)
    _out(view, as_json, f"file {view['number']}: destruction approved by "
         f"{view['destruction_approved_by']}")


@archive.command("destroy")
@click.argument("file")
@click.option("--witness", required=True)
@click.option("--reason", required=True)
@AT
@JSON
@pass_ctx
def destroy(ctx: Context, file: str, witness: str, reason: str, at: str | None,
            as_json: bool) -> None:
    """Destroy an approved, due file's content before a witness; registered for ever."""
    view = retention.destroy(ctx.desk, file, witness=witness, reason=reason, actor=ctx.actor,
                             at=at)
    _out(view, as_json, f"file {view['file']} destroyed ({len(view['documents'])} documents), "
         f"register entry {view['id']}")


@archive.command("register")
@JSON
@pass_ctx
def register_(ctx: Context, as_json: bool) -> None:
    """The destruction register."""
    rows = retention.register(ctx.desk, ctx.actor)
    if as_json:
        return echo_json(rows)
    table([(r["id"], r["file"], r["destroyed_at"], len(r["documents"]), r["approved_by"],
            r["witness"], r["destroyed_by"]) for r in rows],
          ["id", "file", "at", "documents", "approved by", "witness", "by"])


@archive.command("audit")
@click.argument("month")
@JSON
@pass_ctx
def audit(ctx: Context, month: str, as_json: bool) -> None:
    """The monthly audit: files due, missing papers, loans out and overdue."""
    view = retention.audit(ctx.desk, month, ctx.actor)
    if as_json:
        return echo_json(view)
    click.echo(f"archive audit {month}")
    for f in view["due"]:
        click.echo(f"  due for destruction: {f['number']} (kept until {f['retain_until']})")
    for f in view["held"]:
        click.echo(f"  legal hold: {f['number']} ({f['hold_reason']})")
    for m in view["missing"]:
        click.echo(f"  missing papers: {m['file']}: {', '.join(m['missing'])}")
    for loan in view["open_loans"]:
        click.echo(f"  on loan: {loan['file']} to {loan['requester']}, due {loan['due_back']}"
                   f"{' — OVERDUE' if loan['overdue'] else ''}")


@archive.command("verify")
@JSON
@pass_ctx
def verify(ctx: Context, as_json: bool) -> None:
    """Check every document's SHA-256; exit 1 when any fails."""
    view = backup.verify(ctx.desk, ctx.actor)
    if as_json:
        echo_json(view)
    else:
        for p in view["problems"]:
            click.echo(f"FAIL {p['file']} document {p['document']} {p['title']}: {p['problem']}")
        click.echo(f"{view['checked']} documents checked, {len(view['problems'])} problems")
    if view["problems"]:
        sys.exit(1)


@archive.command("backup-request")
@click.argument("destination", type=click.Path(file_okay=False))
@click.option("--reason", default="electronic backup", show_default=True)
@AT
@JSON
@pass_ctx
def backup_request(ctx: Context, destination: str, reason: str, at: str | None,
                   as_json: bool) -> None:
    """Ask for a backup of the whole archive, naming the folder it goes to."""
    view = backup.request_backup(ctx.desk, destination, reason, ctx.actor, at)
    _out(view, as_json, f"backup request {view['id']}: to {view['destination']} — waiting "
         "for the 项目经理 site manager")


def _decide_backup(approve: bool) -> Any:
    @click.argument("backup_id", type=int)
    @AT
    @JSON
    @pass_ctx
    def decide(ctx: Context, backup_id: int, at: str | None, as_json: bool,
               unmasked: bool = False) -> None:
        view = backup.decide_backup(ctx.desk, backup_id, approve=approve, actor=ctx.actor,
                                    unmasked=unmasked, at=at)
        _out(view, as_json, f"backup {view['id']} {view['status']} by {view['decided_by']}"
             + (" (phones unmasked)" if view["unmasked"] else ""))
    if approve:
        return click.option("--unmasked", is_flag=True,
                            help="Owners' phones in full in this backup (recorded).")(decide)
    return decide


archive.command("backup-approve", help="The site manager approves a backup (--as; "
                "--unmasked releases phones in full).")(_decide_backup(True))
archive.command("backup-refuse", help="The site manager refuses a backup (--as).")(
    _decide_backup(False))


@archive.command("backups")
@JSON
@pass_ctx
def backups(ctx: Context, as_json: bool) -> None:
    """Backup requests, approvals and runs (who, when, where to)."""
    rows = backup.list_backups(ctx.desk, ctx.actor)
    if as_json:
        return echo_json(rows)
    table([(r["id"], r["status"], r["destination"], r["requested_by"], r["decided_by"],
            "unmasked" if r["unmasked"] else "masked", r["run_by"], r["run_at"],
            r["documents"]) for r in rows],
          ["id", "status", "to", "asked by", "decided by", "phones", "run by", "run at",
           "documents"])


@archive.command("backup")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--approval", type=int, help="The approved backup request to run.")
@JSON
@pass_ctx
def backup_(ctx: Context, folder: str | None, approval: int | None, as_json: bool) -> None:
    """Write a dated zip of the content and metadata, under the site manager's approval
    (into the approved folder; FOLDER, if given, must be it)."""
    view = backup.run_backup(ctx.desk, approval, folder, ctx.actor)
    _out(view, as_json, f"backup written: {view['path']} ({view['documents']} documents, "
         f"phones {'unmasked' if view['unmasked'] else 'masked'})")


@archive.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@pass_ctx
def restore(ctx: Context, path: str) -> None:
    """Bring back files, documents and content from a backup."""
    counts = backup.restore(ctx.desk, path, ctx.actor)
    click.echo("restored: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
