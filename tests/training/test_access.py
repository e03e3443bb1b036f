"""Who may do what in training: the service decides, for `--as` and direct callers alike."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.desk import Desk
from core.kit import Forbidden, NotFound
from tests.training.test_store_cli import _closed_ticket
from training.cases_store import submission_counts, submit_case
from training.drafts import draft_case
from training.exams import Blueprint, Exam, Section, assemble
from training.gradebook import MemoryGradebook, grade_pending, pending, record_attempt
from training.items import Item
from training.report import appraisal
from training.rubrics import rubric
from training.store import SqlGradebook

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture()
def exam(pool: list[Item]) -> Exam:
    return assemble(pool, Blueprint(sections=[Section(count=1, kinds=["short_answer"])]), 4)


@pytest.mark.parametrize("args", [
    ["train", "cases"],  # a read that needs no database still checks the name
    ["train", "case", "submissions", "--month", "2026-11"],
    ["train", "exam", "render", "missing.json"],
])
def test_an_unknown_as_is_refused_on_every_command(site: Desk, run, args: list[str]) -> None:
    result = run("--as", "无名氏", *args)
    assert result.exit_code == 2
    assert result.output.strip() == "error: as: no staff member '无名氏'"


def test_only_trainers_and_leads_draft_from_tickets(site: Desk, run) -> None:
    number = _closed_ticket(site)
    refused = run("--as", "王芳", "train", "case", "from-ticket", number)
    assert refused.exit_code == 2
    assert refused.output.startswith("error: as: 王芳 (frontdesk) may not draft")
    with pytest.raises(Forbidden):
        draft_case(site, number, actor="赵强")
    case, _ = draft_case(site, number, actor="刘洋")
    assert case.source.author == "刘洋"  # the acting supervisor, by default


def test_staff_submit_their_own_cases_and_leads_anyone_s(site: Desk, run,
                                                         tmp_path: Path) -> None:
    with pytest.raises(Forbidden, match="王芳 .* may not submit a case for 刘洋"):
        submit_case(site, "rp-one", "一个案例", "刘洋", actor="王芳", at="2026-11-19 09:00")
    assert submission_counts(site, "2026-11")["total"] == 0  # nothing written
    submit_case(site, "rp-one", "一个案例", "王芳", actor="王芳", at="2026-11-19 09:00")
    submit_case(site, "rp-two", "两个案例", "王芳", actor="陈静", at="2026-11-19 10:00")
    assert submission_counts(site, "2026-11", actor="刘洋")["total"] == 2
    with pytest.raises(Forbidden):
        submission_counts(site, "2026-11", actor="王芳")
    with pytest.raises(NotFound, match="as"):
        submission_counts(site, "2026-11", actor="无名氏")


def test_submission_times_follow_the_time_rule(site: Desk) -> None:
    from core.kit import DomainError

    with pytest.raises(DomainError, match="future"):
        submit_case(site, "rp-one", "一个案例", "王芳", at="2026-12-30 09:00")


@pytest.mark.parametrize("book_kind", ["memory", "database"])
def test_only_trainers_and_leads_grade(site: Desk, exam: Exam, book_kind: str) -> None:
    book = MemoryGradebook(desk=site) if book_kind == "memory" else SqlGradebook(site)
    record_attempt(book, exam, "李娜", {exam.items[0].id: "您好，马上处理"}, TZ)
    (waiting,) = pending(book, exam.id)
    levels = {c.code: 0 for c in rubric(exam.items[0].key.rubric or "").criteria}
    with pytest.raises(Forbidden, match="李娜 .* may not grade"):
        grade_pending(book, waiting.id, None, levels, actor="李娜")
    assert book.manual_grades() == []
    with pytest.raises(Forbidden):
        appraisal(book, "2026Q4", TZ, actor="王芳")
    graded = grade_pending(book, waiting.id, None, levels, actor="刘洋")
    assert graded.grader == "刘洋"
    assert appraisal(book, "2026Q4", TZ, actor="陈静") is not None


def test_without_a_site_only_the_operator_acts(exam: Exam) -> None:
    from core.kit import DomainError

    book = MemoryGradebook()
    record_attempt(book, exam, "李娜", {exam.items[0].id: "您好"}, TZ)
    (waiting,) = pending(book, exam.id)
    levels = {c.code: 0 for c in rubric(exam.items[0].key.rubric or "").criteria}
    with pytest.raises(DomainError, match="as: acting as a staff member needs the site"):
        grade_pending(book, waiting.id, None, levels, actor="刘洋")
    assert grade_pending(book, waiting.id, None, levels).grader == "trainer"


@pytest.mark.parametrize("args", [
    ["train", "exam", "assemble", "--seed", "1", "--count", "3", "--out", "e.json"],
    ["train", "grade", "--list"],
    ["train", "case", "submit", "missing.yaml", "--by", "王芳"],  # who may comes first
    ["train", "gift", "--out", "g.txt"],
])
def test_an_outside_party_is_refused_before_any_work(site: Desk, run, args: list[str]) -> None:
    from core import directory

    directory.add_staff(site, "集成商", "integrator")
    result = run("--as", "集成商", *args)
    assert result.exit_code == 2
    assert result.output.startswith("error: as: 集成商 (integrator) may not"), result.output
    assert not Path("e.json").exists() and not Path("g.txt").exists()


def test_sim_refuses_an_unknown_name_too(site: Desk, run) -> None:
    result = run("--as", "无名氏", "sim", "mmc", "--arrivals-per-hour", "10", "--aht-min", "5",
                 "--agents", "3", "--days", "1")
    assert result.exit_code == 2
    assert result.output.strip() == "error: as: no staff member '无名氏'"
