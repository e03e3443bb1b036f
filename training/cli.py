"""`propdesk train …`: the case library, exams, grading, item analysis, practice.

Thin commands: parse, call a training function, print. Exams are JSON files written by
`exam assemble` (trainer-only: they hold the key). The gradebook is the site database when
one is configured (`propdesk --db` or `$PROPDESK_DATABASE_URL`), else a JSON file;
`--gradebook FILE` always picks the file (notebooks, a laptop without the database).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from core.kit import Config, DomainError, load_config

PathArg = click.Path(path_type=Path)
GRADEBOOK_HELP = "Gradebook file (default: the site database if configured, else gradebook.json)."
ExistingFile = click.Path(path_type=Path, exists=True, dir_okay=False)


class TrainGroup(click.Group):
    """User errors (domain or usage) → one line on stderr naming the field, exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except click.UsageError as exc:
            param = getattr(exc, "param", None)
            name = param.opts[0] if param is not None and param.opts else None
            message = exc.format_message().splitlines()[0]
            click.echo(f"error: {name}: {message}" if name else f"error: {message}", err=True)
            sys.exit(2)


def _config(ctx: click.Context) -> Config:
    """`train --config`, else the parent `propdesk --config`, else the usual lookup."""
    parent = getattr(ctx.find_root().obj, "config_path", None)
    return load_config(ctx.meta.get("train.config") or parent)


_OPTION_OF = {"topics": "--topic", "kinds": "--kind", "difficulty": "--difficulty",
              "count": "--count", "per_case": "--per-case"}


@click.group(cls=TrainGroup)
@click.option("--config", "train_config", type=PathArg, default=None,
              help="Site configuration (default: $PROPDESK_CONFIG or ./propdesk.toml).")
@click.pass_context
def train(ctx: click.Context, train_config: Path | None) -> None:
    """Training: case library, exams, grading, item analysis, practice (培训)."""
    from training.access import authorise

    ctx.meta["train.config"] = train_config
    if _actor(ctx) is not None:  # an unknown `--as` is refused on every command, reads too
        authorise(_desk(ctx), _actor(ctx))


def _site(ctx: click.Context) -> Any:
    """The site when someone acts `--as` (its staff table names them), else None."""
    return _desk(ctx) if _actor(ctx) is not None else None


def _actor(ctx: click.Context) -> str | None:
    """`propdesk --as NAME`; None (no `--as`, or the group alone) is the site operator."""
    return getattr(ctx.find_root().obj, "actor", None)


@train.command("cases")
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON.")
@click.option("--dir", "directory", type=PathArg, default=None, help="Case folder.")
def cases_cmd(as_json: bool, directory: Path | None) -> None:
    """List the case library; every case is validated first."""
    from training.schema import load_library
    from training.vocab import DIFFICULTIES

    cases = load_library(directory)
    if as_json:
        click.echo(json.dumps([c.model_dump(mode="json") for c in cases], ensure_ascii=False,
                              indent=1))
        return
    for case in cases:
        cls = case.expected.classification.answer
        click.echo(f"{case.id:34} {cls:20} {DIFFICULTIES[case.difficulty]:14} {case.title}")
    click.echo(f"{len(cases)} cases, all valid")


@train.group("exam", cls=TrainGroup)
def exam_group() -> None:
    """Assemble, render and take exams."""


@exam_group.command("assemble")
@click.option("--seed", type=int, required=True, help="Same seed, same form.")
@click.option("--count", type=click.IntRange(min=1), default=None, help="Number of items.")
@click.option("--topic", "topics", multiple=True, help="Topic code or name (repeatable).")
@click.option("--kind", "kinds", multiple=True, help="Item kind (repeatable).")
@click.option("--difficulty", "levels", type=click.IntRange(1, 3), multiple=True)
@click.option("--per-case", type=click.IntRange(min=1), default=1,
              help="Most items drawn from one case.")
@click.option("--title", default="月度考试")
@click.option("--id", "exam_id", default=None, help="Exam id (default exam-SEED).")
@click.option("--blueprint", type=ExistingFile, default=None,
              help="A YAML blueprint with sections instead of --topic/--kind/--count.")
@click.option("--out", type=PathArg, required=True, help="Exam file to write (has the key).")
@click.pass_context
def exam_assemble(ctx: click.Context, seed: int, count: int | None, topics: tuple[str, ...],
                  kinds: tuple[str, ...], levels: tuple[int, ...], per_case: int, title: str,
                  exam_id: str | None, blueprint: Path | None, out: Path) -> None:
    """Draw a form from the library (trainer's file: keep it away from trainees)."""
    from pydantic import ValidationError

    from training.access import TRAINERS, authorise
    from training.exams import Blueprint, Section, assemble, load_blueprint, save_exam

    # the form holds the key: trainers and leads only, decided before any work
    authorise(_site(ctx), _actor(ctx), "assemble an exam (it holds the key)", TRAINERS)
    from training.items import items_for_library
    from training.schema import load_library

    if blueprint is not None:
        plan = load_blueprint(blueprint)
    else:
        if count is None:
            raise DomainError("--count", "give --count or a --blueprint")
        try:
            plan = Blueprint(title=title, per_case=per_case, sections=[Section(
                count=count, topics=list(topics), kinds=list(kinds), difficulty=list(levels))])
        except ValidationError as exc:
            err = exc.errors()[0]
            name = next((_OPTION_OF[p] for p in err["loc"] if p in _OPTION_OF), "blueprint")
            raise DomainError(name, err["msg"].removeprefix("Value error, ")) from None
    pool = items_for_library(load_library(), _config(ctx))
    exam = assemble(pool, plan, seed, exam_id)
    save_exam(exam, out)
    click.echo(f"exam {exam.id}: {len(exam.items)} items written to {out}")


@exam_group.command("render")
@click.argument("exam_file", type=ExistingFile)
@click.option("--text", "as_text", is_flag=True, help="Plain text instead of HTML.")
@click.option("--out", type=PathArg, default=None, help="Write to a file (default stdout).")
def exam_render(exam_file: Path, as_text: bool, out: Path | None) -> None:
    """The trainee's paper: printable HTML (or text), without the key."""
    from training.exams import load_exam
    from training.render import render_html, render_text

    public = load_exam(exam_file).public()
    text = render_text(public) if as_text else render_html(public)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"written {out}")


@exam_group.command("take")
@click.argument("exam_file", type=ExistingFile)
@click.option("--trainee", required=True, help="Trainee name or staff code.")
@click.option("--gradebook", type=PathArg, default=None, help=GRADEBOOK_HELP)
@click.pass_context
def exam_take(ctx: click.Context, exam_file: Path, trainee: str,
              gradebook: Path | None) -> None:
    """Take an exam at the terminal; responses are graded and appended to the gradebook."""
    from training.access import TAKERS, authorise
    from training.exams import load_exam
    from training.taker import record_responses, take_exam

    book = _book(ctx, gradebook, create=True)
    authorise(getattr(book, "desk", None), _actor(ctx), "take an exam", TAKERS)  # before asking
    exam = load_exam(exam_file)
    if not trainee.strip():
        raise DomainError("--trainee", "a trainee name is required")
    stdin = sys.stdin
    stdout = sys.stdout
    responses = take_exam(exam.public(), stdin, stdout)
    _, summary = record_responses(book, exam, trainee, responses, _config(ctx).tz,
                                  actor=_actor(ctx))
    click.echo(f"\n{summary}")


@train.command("grade")
@click.option("--gradebook", type=ExistingFile, default=None, help=GRADEBOOK_HELP)
@click.option("--exam", "exam_id", default=None, help="Only this exam.")
@click.option("--list", "only_list", is_flag=True, help="List pending answers only.")
@click.option("--submission", type=int, default=None, help="Grade this submission.")
@click.option("--levels", default=None, help="criterion=level,… (level index from 0).")
@click.option("--grader", default=None, help="Recorded grader (default: --as, else trainer).")
@click.option("--comment", default="")
@click.pass_context
def grade_cmd(ctx: click.Context, gradebook: Path | None, exam_id: str | None,
              only_list: bool, submission: int | None, levels: str | None, grader: str | None,
              comment: str) -> None:
    """Grade pending short answers on their rubrics (interactive unless --submission)."""
    from training.gradebook import grade_pending, pending

    book = _book(ctx, gradebook)
    if submission is not None:
        if not levels:
            raise DomainError("--levels", "give criterion=level pairs, e.g. calm=2,facts=1")
        result = grade_pending(book, submission, grader, _levels(levels), comment,
                               actor=_actor(ctx))
        click.echo(f"#{submission} graded {result.score:.2f} by {result.grader}")
        return
    rows = pending(book, exam_id, actor=_actor(ctx))
    stdin = sys.stdin
    done = 0
    for row in rows:
        item = book.get_exam(row.exam_id).item(row.item_id)
        click.echo(f"#{row.id} {row.trainee} · {row.exam_id} · {item.stem}\n  答：{row.response}")
        if only_list:
            continue
        chosen = _ask_levels(item.key.rubric or "", stdin)
        if chosen is None:
            click.echo("  skipped")
            continue
        result = grade_pending(book, row.id, grader, chosen, comment, actor=_actor(ctx))
        click.echo(f"  graded {result.score:.2f}")
        done += 1
    click.echo(f"{len(rows)} pending, {done} graded now")


def _levels(text: str) -> dict[str, int]:
    parsed: dict[str, int] = {}
    for pair in text.split(","):
        name, _, value = pair.partition("=")
        if not value.strip().isdigit():
            raise DomainError("--levels", f"{pair!r} is not criterion=level")
        parsed[name.strip()] = int(value)
    return parsed


def _ask_levels(rubric_id: str, stdin: Any) -> dict[str, int] | None:
    """Ask a level per criterion; an empty line skips the answer."""
    from training.rubrics import rubric

    chosen: dict[str, int] = {}
    for criterion in rubric(rubric_id).criteria:
        click.echo(f"  {criterion.name}:")
        for index, level in enumerate(criterion.levels):
            click.echo(f"    {index} ({level.points} 分) {level.descriptor}")
        while True:
            click.echo(f"  level 0–{len(criterion.levels) - 1}, empty skips > ", nl=False)
            line = stdin.readline().strip()
            if not line:
                click.echo("")
                return None
            if line.isdigit() and int(line) < len(criterion.levels):
                chosen[criterion.code] = int(line)
                break
            click.echo(f"  not a level: {line}")
    return chosen


@train.command("analyse")
@click.option("--gradebook", type=ExistingFile, default=None, help=GRADEBOOK_HELP)
@click.option("--exam", "exam_id", required=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--chart", type=PathArg, default=None, help="Save the item map as PNG.")
@click.pass_context
def analyse_cmd(ctx: click.Context, gradebook: Path | None, exam_id: str, as_json: bool,
                chart: Path | None) -> None:
    """Item analysis: difficulty, discrimination, point-biserial, reliability, flags."""
    from dataclasses import asdict

    from training.report import analysis_lines, exam_analysis

    stats = exam_analysis(_book(ctx, gradebook), exam_id, actor=_actor(ctx))
    if as_json:
        click.echo(json.dumps({**{k: v for k, v in asdict(stats).items() if k != "items"},
                               "items": [asdict(i) for i in stats.items]},
                              ensure_ascii=False, indent=1))
    else:
        click.echo("\n".join(analysis_lines(stats, exam_id)))
    if chart is not None:
        if not stats.items:
            click.echo("no chart: nothing to plot yet 尚无数据", err=True)
            return
        from training.charts import item_map

        item_map(stats).savefig(chart, dpi=100)


def _desk(ctx: click.Context) -> Any:
    """The site of `propdesk` (its --db and --config), or one opened from the environment."""
    root = ctx.find_root().obj
    if root is not None and hasattr(root, "desk"):
        return root.desk
    from core.kit import Desk

    return Desk.open(config_path=ctx.meta.get("train.config"))


def _book(ctx: click.Context, path: Path | None, create: bool = False) -> Any:
    """The gradebook (`_gradebook`), knowing the site when someone acts `--as`."""
    book = _gradebook(ctx, path, create)
    if _actor(ctx) is not None and getattr(book, "desk", None) is None:
        book.desk = _desk(ctx)
    return book


def _gradebook(ctx: click.Context, path: Path | None, create: bool = False) -> Any:
    """`--gradebook FILE`, else the site database if one is configured, else gradebook.json."""
    from training.gradebook import JsonGradebook

    if path is not None:
        return JsonGradebook(path)
    root = ctx.find_root().obj
    if getattr(root, "db_url", None):
        from training.store import SqlGradebook

        return SqlGradebook(_desk(ctx))
    default = Path("gradebook.json")
    if not create and not default.exists():
        raise DomainError("--gradebook", "no database configured and no gradebook.json here")
    return JsonGradebook(default)


@train.command("gift")
@click.argument("exam_file", type=ExistingFile, required=False)
@click.option("--out", type=PathArg, required=True)
@click.pass_context
def gift_cmd(ctx: click.Context, exam_file: Path | None, out: Path) -> None:
    """Export an exam (or the whole library) as Moodle GIFT."""
    from training.access import TRAINERS, authorise
    from training.exams import load_exam
    from training.gift import export_gift

    authorise(_site(ctx), _actor(ctx), "export exam questions (with their keys)", TRAINERS)
    from training.items import items_for_library
    from training.schema import load_library

    items = (load_exam(exam_file).items if exam_file
             else items_for_library(load_library(), _config(ctx)))
    text, refused = export_gift(items)
    out.write_text(text, encoding="utf-8")
    click.echo(f"{len(items) - len(refused)} questions written to {out}; "
               f"{len(refused)} left out (Moodle could not import them as they are)")
    for item_id, why in refused.items():
        click.echo(f"  {item_id} {why}")


@train.command("practice")
@click.option("--trainee", required=True)
@click.option("--state", type=PathArg, default=None, help="Default practice-TRAINEE.json.")
@click.option("--count", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--topic", "topics", multiple=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--seed", type=int, default=None)
@click.pass_context
def practice_cmd(ctx: click.Context, trainee: str, state: Path | None, count: int,
                 topics: tuple[str, ...], today: Any, seed: int | None) -> None:
    """Ungraded practice; missed items come back on later days (Leitner boxes)."""
    from training.items import items_for_library
    from training.practice import load_state, practise, save_state
    from training.schema import load_library
    from training.vocab import TOPICS

    wanted = {TOPICS.parse(t) for t in topics}
    config = _config(ctx)
    cases = load_library()
    pool = [i for i in items_for_library(cases, config)
            if not wanted or wanted & set(i.topics)]
    path = state or Path(f"practice-{trainee}.json")
    st = load_state(path, trainee)
    day = today.date() if today else date.today()
    results = practise(pool, st, day, count, config.tz, sys.stdin,
                       sys.stdout,
                       {c.id: c.discussion for c in cases}, seed)
    save_state(st, path)
    right = sum(1 for _, s in results if s >= 1)
    click.echo(f"\n{right}/{len(results)} right; state saved to {path}")


@train.group("case", cls=TrainGroup)
def case_group() -> None:
    """Cases from the ticket store and their submissions (案例提交)."""


@case_group.command("from-ticket")
@click.argument("number")
@click.option("--by", "author", default=None, help="Supervisor drafting it (source.author).")
@click.option("--out", type=PathArg, default=None, help="Write the YAML here (default stdout).")
@click.pass_context
def case_from_ticket(ctx: click.Context, number: str, author: str | None,
                     out: Path | None) -> None:
    """Draft a case from a closed ticket; names, phones and unit codes are replaced."""
    from training.drafts import draft_case

    case, text = draft_case(_desk(ctx), number, author, actor=_actor(ctx))
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"draft {case.id} written to {out}: edit it, rename it to its id, then "
               "`propdesk train case submit`", err=True)


@case_group.command("submit")
@click.argument("case_file", type=PathArg)  # the service checks who may, then the file
@click.option("--by", required=True, help="Staff member submitting it (by name).")
@click.option("--desk", "for_desk", is_flag=True,
              help="One of the desk's two cases studied this month (集中学习).")
@click.option("--at", default=None, help="When (ISO 8601; default now).")
@click.pass_context
def case_submit(ctx: click.Context, case_file: Path, by: str, for_desk: bool,
                at: str | None) -> None:
    """Validate a case file and record who submitted it and when."""
    from training.cases_store import submit_case_file

    row = submit_case_file(_desk(ctx), case_file, by, for_desk=for_desk, at=at,
                           actor=_actor(ctx))
    click.echo(f"case {row['case']} submitted by {row['by']} at {row['submitted_at']}")


@case_group.command("submissions")
@click.option("--month", required=True, help="YYYY-MM (site time).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def case_submissions(ctx: click.Context, month: str, as_json: bool) -> None:
    """Cases submitted per supervisor in a month against SPEC §8; who is short."""
    from training.cases_store import submission_counts

    counts = submission_counts(_desk(ctx), month, actor=_actor(ctx))
    if as_json:
        click.echo(json.dumps(counts, ensure_ascii=False, indent=1))
        return
    click.echo(f"{counts['month']}: {counts['total']} case(s) submitted 案例提交")
    for row in counts["staff"]:
        need = f"/{row['required']}" if row["required"] else ""
        flag = "  SHORT 不足" if row["short"] else ""
        click.echo(f"  {row['staff']:8} {row['role']:11} {row['count']}{need}{flag}")
    d = counts["desk"]
    click.echo(f"  desk studies 集中学习 {d['count']}/{d['required']}"
               f"{'  SHORT 不足' if d['short'] else ''}")


@train.group("report", cls=TrainGroup)
def report_group() -> None:
    """Reports from the gradebook."""


@report_group.command("appraisal")
@click.argument("quarter")
@click.option("--gradebook", type=ExistingFile, default=None, help=GRADEBOOK_HELP)
@click.option("--out", type=PathArg, default=None, help="CSV file (default stdout).")
@click.pass_context
def report_appraisal(ctx: click.Context, quarter: str, gradebook: Path | None,
                     out: Path | None) -> None:
    """Quarterly appraisal CSV: percent per trainee per month, mean, exams taken."""
    from training.report import appraisal, appraisal_csv, quarter_months

    quarter_months(quarter)  # a bad quarter fails before the gradebook is opened
    rows = appraisal(_book(ctx, gradebook), quarter, _config(ctx).tz, actor=_actor(ctx))
    text = appraisal_csv(rows, quarter)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8-sig")  # the BOM lets Excel read the Chinese
        click.echo(f"written {out}")


@report_group.command("teams")
@click.argument("month")
@click.option("--gradebook", type=ExistingFile, default=None, help=GRADEBOOK_HELP)
@click.option("--teams", "teams_file", type=ExistingFile, default=None,
              help="YAML/JSON mapping trainee → team (default: departments in the staff "
                   "table when a database is configured).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def report_teams(ctx: click.Context, month: str, gradebook: Path | None,
                 teams_file: Path | None, as_json: bool) -> None:
    """Scores per team in a month: trainees, exams taken, mean and median percent."""
    import yaml

    from training.report import check_month, staff_teams, team_scores

    month = check_month(month)  # a bad month fails before the gradebook is opened
    teams: dict[str, str | None] = {}
    if teams_file is not None:
        raw = yaml.safe_load(teams_file.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise DomainError("--teams", f"{teams_file} is not a mapping trainee: team")
        teams = {str(k): None if v is None else str(v) for k, v in raw.items()}
    elif getattr(ctx.find_root().obj, "db_url", None):
        teams = staff_teams(_desk(ctx))
    rows = team_scores(_book(ctx, gradebook), month, _config(ctx).tz, teams,
                       actor=_actor(ctx))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    click.echo(f"{month}: scores per team 班组成绩 (percent 百分制)")
    click.echo(f"  {'team 班组':16} {'trainees 人数':>13} {'exams 考试':>10} "
               f"{'mean 平均':>9} {'median 中位':>11} {'pending 待评':>12}")
    for row in rows:
        click.echo(f"  {row['team']!s:16} {row['trainees']:>13} {row['exams']:>10} "
                   f"{row['mean']:>9} {row['median']:>11} {row['pending']:>12}")
    if not rows:
        click.echo("  no exams taken this month 本月无考试记录")
