"""Draft a case from a closed ticket, with every person, phone and unit made anonymous.

A supervisor edits the draft before it joins the library; the draft must already be safe
to share, so names are replaced by every name the store knows (the ticket's people, the
whole staff list, every unit owner), phones by pattern, unit codes by pattern and by the
unit list. The same name always gets the same placeholder, so the story still reads.
Deadlines are not written: items compute them from the classification (`core.sla`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import select

from core.kit import CHANNELS, DomainError, Staff, Unit, show_ticket
from training.access import TRAINERS, authorise
from training.schema import CATEGORIES, Case, parse_case

if TYPE_CHECKING:
    from core.kit import Desk

#: an 11-digit mobile (optionally +86, spaced or dashed), a landline, a 400 number,
#: or any bare run of 7+ digits
PHONE = re.compile(
    r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)"
    r"|(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)"
    r"|(?<!\d)400[ -]?\d{3}[ -]?\d{4}(?!\d)"
    r"|(?<!\d)\d{7,}(?!\d)")
#: `3-1-502`, `12-2-1503`, and the spoken form `3栋1单元502(室)`; dates like 2026-11-20 stay
UNIT = re.compile(
    r"(?<![\dA-Za-z-])[0-9A-Za-z]{1,3}-[0-9A-Za-z]{1,2}-\d{3,4}(?![\dA-Za-z-])"
    r"|\d+\s*(?:栋|幢|号楼)\s*\d+\s*单元\s*\d+\s*(?:室|号)?")
UNIT_MASK = "X-X-XXX"
#: a surname with an honorific (周阿姨, 黄师傅): people the store does not know by name
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
            "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
            "顾毛郝龚邵万钱严覃武戴莫孔向汤")
HONORIFIC = re.compile(f"[{SURNAMES}](?:先生|女士|小姐|阿姨|叔叔|师傅|大爷|大妈|奶奶|爷爷|老师|"
                       "经理|主管|总)")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: category → topics a draft starts with
TOPICS = {"complaint": ["complaint"], "repair": ["repair"], "inquiry": ["inquiry"],
          "paid_service": ["paid_service"], "public_safety": ["safety"],
          "issue_report": ["first_contact"], "suggestion": ["first_contact"],
          "other": ["first_contact"]}
#: category → a starting point for the follow-up; the supervisor checks it
FOLLOWUP = {"complaint": ("supervisor", "within_3wd_after_close"),
            "repair": ("frontdesk", "within_1wd_after_completion"),
            "paid_service": ("frontdesk", "within_1wd_after_completion")}
STEPS = {
    "received": "受理并详细登记客户信息和诉求",
    "dispatched": "开具派工单，通知相关部门或人员处理",
    "started": "相关人员到场处理",
    "contacted": "联系客户，告知处理进展",
    "escalated": "按规定上报主管或项目经理",
    "paused": "说明暂停原因并告知客户",
    "resolved": "处理完成，记录处理结果",
    "reported": "向客户反馈处理结果并征询是否满意",
    "reopened": "客户不满意，重新处理",
    "closed": "结案归档",
}


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block, as the hand-written cases have it."""


_Dumper.add_representer(str, lambda d, v: d.represent_scalar(
    "tag:yaml.org,2002:str", v, style="|" if "\n" in v else None))


class Anonymiser:
    """Replaces known names, phone numbers and unit codes; consistent across texts."""

    def __init__(self, owners: list[str], staff: list[str], units: list[str]) -> None:
        self.names: dict[str, str] = {}
        for prefix, people in (("员工", staff), ("业主", owners)):
            for name in people:
                name = (name or "").strip()
                if len(name) >= 2 and name not in self.names:
                    taken = sum(p.startswith(prefix) for p in self.names.values())
                    self.names[name] = f"{prefix}{LETTERS[taken % 26]}" + (
                        str(taken // 26) if taken >= 26 else "")
        self.units = sorted({u for u in units if u}, key=len, reverse=True)
        self.phones: dict[str, str] = {}

    def _phone(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0)).removeprefix("86")
        if digits not in self.phones:
            self.phones[digits] = f"电话{LETTERS[len(self.phones) % 26]}"
        return self.phones[digits]

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        for unit in self.units:
            text = text.replace(unit, UNIT_MASK)
        text = UNIT.sub(UNIT_MASK, text)
        text = PHONE.sub(self._phone, text)
        for name in sorted(self.names, key=len, reverse=True):
            text = text.replace(name, self.names[name])
        return HONORIFIC.sub(self._someone, text)

    def _someone(self, match: re.Match[str]) -> str:
        name = match.group(0)
        if name not in self.names:
            taken = sum(p.startswith("相关人") for p in self.names.values())
            self.names[name] = f"相关人{LETTERS[taken % 26]}"
        return self.names[name]


def _anonymiser(desk: Desk, ticket: dict[str, Any]) -> Anonymiser:
    with desk.read() as s:
        staff = list(s.scalars(select(Staff.name).order_by(Staff.id)))
        units = s.execute(select(Unit.code, Unit.owner_name).order_by(Unit.id)).all()
    event_people = [e.get("actor") for e in ticket["events"]]
    event_people += [e["data"].get(k) for e in ticket["events"] for k in ("to", "from", "by")
                     if isinstance(e.get("data"), dict) and isinstance(e["data"].get(k), str)]
    people = [ticket["owner"], ticket["assignee"], *event_people]
    staff_first = [p for p in people if p in staff] + staff
    unit_owner = next((o for c, o in units if c == ticket["unit"]), None)
    owners = [ticket["reporter"], unit_owner, *(p for p in people if p and p not in staff),
              *(o for _, o in units)]
    return Anonymiser([o for o in owners if o and o not in staff], staff_first,
                      [ticket["unit"] or "", *(c for c, _ in units)])


def draft_case(desk: Desk, number: str, author: str | None = None, *,
               actor: str | None = None) -> tuple[Case, str]:
    """The draft case and its YAML text; only a closed ticket makes a case.

    Trainers, supervisors and managers draft (the ticket names a customer); the acting
    one is the default author."""
    staff = authorise(desk, actor, "draft a training case from a ticket", TRAINERS)
    author = author or (staff.name if staff is not None else None)
    ticket = show_ticket(desk, number)
    if ticket["state"] != "closed":
        raise DomainError("number", f"ticket {ticket['number']} is {ticket['state']}, "
                          "not closed: only a closed ticket becomes a case")
    anon = _anonymiser(desk, ticket)
    received = datetime.fromisoformat(ticket["received_at"])
    category = ticket["category"]
    cat_zh = CATEGORIES.terms[category].zh if category in CATEGORIES.terms else category
    summary = anon(ticket["summary"])
    notes = [anon(e["data"].get("note")) for e in ticket["events"]
             if isinstance(e.get("data"), dict) and e["data"].get("note")]
    story = [f"{received:%-m月%-d日%H:%M}，客服中心通过{CHANNELS.terms[ticket['channel']].zh}"
             f"受理一条{cat_zh}信息：{summary.rstrip('。')}。"]
    if ticket["location"]:
        story.append(f"地点：{anon(ticket['location'])}。")
    if notes:
        story.append("处理过程中的沟通记录：" + "；".join(notes) + "。")
    if ticket["result"]:
        story.append(f"处理结果：{anon(ticket['result'])}。")
    if ticket["reopen_count"]:
        story.append(f"其间客户不满意，工单重开{ticket['reopen_count']}次。")
    late = [c["name"] for c in ticket["clocks"] if c["breached_at"]]
    steps = list(dict.fromkeys(STEPS[e["kind"]] for e in ticket["events"]
                               if e["kind"] in STEPS))
    for extra in ("受理并详细登记客户信息和诉求", "向客户反馈处理结果并征询是否满意", "结案归档"):
        if len(steps) < 3 and extra not in steps:
            steps.append(extra)
    owner, timing = FOLLOWUP.get(category, ("frontdesk", "within_10wd"))
    if category == "complaint" and ticket["severity"] in ("major", "important"):
        owner = "manager" if ticket["severity"] == "major" else "supervisor"
    topics = list(TOPICS.get(category, ["first_contact"]))
    if ticket["severity"] == "urgent":
        topics.append("emergency")
    if late:
        topics.append("deadlines")
    discussion = ["这张工单的处理中，哪些做法值得学习？", "哪一步可以做得更好？为什么？"]
    if late:
        discussion.append("这张工单为什么超过了处理时限？怎样避免？")
    raw = {
        "id": f"tk-{ticket['number'].lower()}"[:41],
        "title": f"{cat_zh}：{summary[:24]}".rstrip() + ("…" if len(summary) > 24 else ""),
        "narrative": "\n".join(story) + "\n",
        "facts": {"channel": ticket["channel"],
                  "unit_kind": "high_rise" if ticket["unit"] else "public_area",
                  "received_at": received.strftime("%Y-%m-%d %H:%M"),
                  **({"topic": ticket["topic"]} if ticket.get("topic") else {})},
        "topics": topics,
        "difficulty": 2,
        "source": {"kind": "ticket", "author": author or "客服主管", "ticket": ticket["number"]},
        "expected": {
            "classification": {"category": category, "severity": ticket["severity"],
                               "nature": ticket["nature"]},
            "followup": {"owner": owner, "timing": timing},
            "procedure": steps,
        },
        "discussion": discussion,
    }
    case = parse_case(raw, f"draft of {ticket['number']}")
    header = (f"# 草稿：由工单 {ticket['number']} 生成，人名、电话、房号已替换。\n"
              "# Draft from a closed ticket: check unit_kind, the follow-up, the procedure,\n"
              "# add violations (present and distractors) and discussion points, then submit:\n"
              f"#   propdesk train case submit {raw['id']}.yaml --by 主管姓名\n")
    body = yaml.dump(case.model_dump(mode="json", exclude_none=True), Dumper=_Dumper,
                     allow_unicode=True, sort_keys=False, width=100)
    return case, header + body
