"""Exam items generated from cases; the key lives apart from what a trainee sees.

`Item` is the trainer's object (it carries `key`); `PublicItem` is what renderers and the
terminal taker receive, so a key cannot reach trainee material by accident. Item ids are
opaque hashes: case ids like `cp-major-…` would give the answer away.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from core.kit import CHANNELS, CLOCKS, SEVERITIES, Config, Policy, deadline, policy_function
from training.schema import CATEGORIES, Case
from training.vocab import FOLLOWUP_OWNERS, FOLLOWUP_TIMINGS, UNIT_KINDS, VIOLATIONS, label

Kind = Literal["classification", "deadline", "followup", "order", "violations", "short_answer"]
KINDS: tuple[str, ...] = ("classification", "deadline", "followup", "order", "violations",
                          "short_answer")
#: how a trainee answers each kind
ANSWER_FORMS = {"classification": "choice", "followup": "choice", "violations": "multi",
                "order": "order", "deadline": "datetime", "short_answer": "text"}

#: classification answers: a category, with the severity where one applies
CLASSES = ["complaint.major", "complaint.important", "complaint.minor", "repair", "repair.urgent",
           "inquiry", "issue_report", "suggestion", "paid_service", "public_safety", "other"]


class Option(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    text: str


class PublicItem(BaseModel):
    """Everything a trainee may see of an item."""

    model_config = ConfigDict(frozen=True)
    id: str
    kind: Kind
    form: Literal["choice", "multi", "order", "datetime", "text"]
    context: str
    stem: str
    options: list[Option] = Field(default_factory=list)


class Key(BaseModel):
    model_config = ConfigDict(frozen=True)
    choice: str | None = None
    choices: list[str] | None = None
    order: list[str] | None = None
    due_at: datetime | None = None
    rubric: str | None = None
    model_answer: str | None = None
    explanation: list[str] = Field(default_factory=list)


class Item(PublicItem):
    """An item with its key and provenance, for trainers only."""

    case_id: str
    slot: str
    topics: list[str]
    difficulty: int
    key: Key

    def public(self) -> PublicItem:
        return PublicItem.model_validate(self.model_dump(include=set(PublicItem.model_fields)))


def class_label(code: str) -> str:
    category, _, severity = code.partition(".")
    text = CATEGORIES.terms[category].zh
    return f"{text}·{SEVERITIES.terms[severity].zh}" if severity else text


def context_of(case: Case, config: Config) -> str:
    facts = case.facts
    at = facts.received(config.tz).astimezone(config.tz)
    return (f"【{case.title}】\n{case.narrative.strip()}\n"
            f"受理渠道：{CHANNELS.terms[facts.channel].zh}；"
            f"房屋类型：{label(UNIT_KINDS, facts.unit_kind)}；"
            f"受理时间：{at:%Y-%m-%d %H:%M}（星期{'一二三四五六日'[at.weekday()]}）"
            + (f"；事由：{facts.topic}" if facts.topic else ""))


def _item_id(case_id: str, slot: str) -> str:
    return "q" + hashlib.sha1(f"{case_id}/{slot}".encode()).hexdigest()[:8]


def _step_code(text: str) -> str:
    return "s" + hashlib.sha1(text.encode()).hexdigest()[:6]


def _make(case: Case, slot: str, kind: str, ctx: str, stem: str, key: Key,
          options: list[Option] | None = None) -> Item:
    return Item(id=_item_id(case.id, slot), kind=kind, form=ANSWER_FORMS[kind], context=ctx,
                stem=stem, options=options or [], case_id=case.id, slot=slot,
                topics=list(case.topics), difficulty=case.difficulty, key=key)


def items_for_case(case: Case, config: Config, policy: Policy | None = None) -> list[Item]:
    """Every item a case yields; deadline keys are computed by `core.sla`, never typed,
    with the service's SLA policy (`kit.policy_function`: the site's plugins included)."""
    ctx = context_of(case, config)
    expected = case.expected
    rng = random.Random(case.id)
    out: list[Item] = []

    answer = expected.classification.answer
    out.append(_make(case, "classification", "classification", ctx,
                     "这条客户信息应如何分类？", Key(choice=answer),
                     [Option(code=c, text=class_label(c)) for c in _class_options(answer, rng)]))

    out.extend(_deadline_items(case, ctx, config, policy or policy_function(config)))

    owner, timing = expected.followup.owner, expected.followup.timing
    out.append(_make(case, "followup-owner", "followup", ctx, "处理完毕后，回访应由谁负责？",
                     Key(choice=owner),
                     [Option(code=t.code, text=t.zh) for t in FOLLOWUP_OWNERS]))
    timing_opts = _near(timing, [t.code for t in FOLLOWUP_TIMINGS], 4, rng)
    out.append(_make(case, "followup-timing", "followup", ctx, "回访应在什么时候进行？",
                     Key(choice=timing),
                     [Option(code=c, text=FOLLOWUP_TIMINGS.terms[c].zh) for c in timing_opts]))

    steps = [Option(code=_step_code(s), text=s) for s in expected.procedure]
    shown = steps[:]
    while [o.code for o in shown] == [o.code for o in steps]:
        rng.shuffle(shown)
    out.append(_make(case, "order", "order", ctx, "请把下列处理步骤按正确的先后顺序排列。",
                     Key(order=[o.code for o in steps]), shown))

    if expected.violations is not None:
        codes = set(expected.violations.present) | set(expected.violations.distractors)
        opts = [Option(code=t.code, text=t.zh) for t in VIOLATIONS if t.code in codes]
        out.append(_make(case, "violations", "violations", ctx,
                         "本案中有哪些做法违反了规定？",
                         Key(choices=sorted(expected.violations.present)), opts))

    if expected.short_answer is not None:
        sa = expected.short_answer
        out.append(_make(case, "short_answer", "short_answer", ctx, sa.prompt,
                         Key(rubric=sa.rubric, model_answer=sa.model_answer)))
    return out


def _deadline_items(case: Case, ctx: str, config: Config, policy: Policy) -> list[Item]:
    cls = case.expected.classification
    if cls.category not in ("complaint", "repair"):
        return []
    ticket = {"category": cls.category, "severity": cls.severity, "nature": cls.nature,
              "channel": case.facts.channel, "topic": case.facts.topic}
    start = case.facts.received(config.tz)
    out = []
    for clock in ("reply", "resolve"):
        duration = policy(ticket, clock)
        if duration is None:
            continue
        due = deadline(start, duration, config.working_calendar, config.business_hours,
                       explain=True)
        clock_zh = CLOCKS.terms[clock].zh
        stem = (f"本案为「{class_label(cls.answer)}」。按本项目规定，{clock_zh}时限截止到何时？"
                "请按 YYYY-MM-DD HH:MM 作答（项目所在地时间）。")
        out.append(_make(case, f"deadline-{clock}", "deadline", ctx, stem,
                         Key(due_at=due.due_at, explanation=due.steps)))
    return out


def _class_options(answer: str, rng: random.Random) -> list[str]:
    return _near(answer, CLASSES, 5, rng, siblings=lambda c: c.split(".")[0])


def _near(answer: str, universe: list[str], n: int, rng: random.Random,
          siblings=None) -> list[str]:
    """The answer plus distractors, siblings first, in the universe's canonical order."""
    family = siblings or (lambda c: c)
    near = [c for c in universe if c != answer and family(c) == family(answer)]
    far = [c for c in universe if c != answer and family(c) != family(answer)]
    rng.shuffle(far)
    chosen = {answer, *near[: n - 1], *far[: max(0, n - 1 - len(near))]}
    return [c for c in universe if c in chosen]


def items_for_library(cases: list[Case], config: Config,
                      policy: Policy | None = None) -> list[Item]:
    """Every case's items; the plugin manager behind the SLA policy is built once."""
    policy = policy or policy_function(config)
    return [item for case in cases for item in items_for_case(case, config, policy)]
