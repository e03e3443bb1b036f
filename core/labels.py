"""Bilingual vocabularies: English codes stored, Chinese or English accepted on input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from core.errors import DomainError


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass
class Vocabulary:
    """A closed list of codes; `parse` accepts the code, either name or an alias."""

    field_name: str
    terms: dict[str, Term] = field(default_factory=dict)
    _lookup: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, code: str, zh: str, en: str, aliases: Iterable[str] = ()) -> Term:
        term = Term(code, zh, en, tuple(aliases))
        self.terms[code] = term
        for key in (code, zh, en, *term.aliases):
            self._lookup[key.strip().lower()] = code
        return term

    def parse(self, value: str) -> str:
        code = self._lookup.get(str(value).strip().lower())
        if code is None:
            choices = ", ".join(f"{t.code} ({t.zh})" for t in self.terms.values())
            raise DomainError(self.field_name, f"unknown value {value!r}; one of: {choices}")
        return code

    def label(self, code: str | None) -> str:
        if code is None:
            return ""
        term = self.terms.get(code)
        return term.label if term else code

    def __contains__(self, code: object) -> bool:
        return code in self.terms

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms.values())


def _vocab(field_name: str, rows: list[tuple]) -> Vocabulary:
    vocab = Vocabulary(field_name)
    for row in rows:
        vocab.add(*row)
    return vocab


def builtin_categories() -> Vocabulary:
    """SPEC §2 categories; plugins add more through `register_categories`."""
    return _vocab("category", [
        ("complaint", "投诉", "complaint"),
        ("repair", "报修", "repair request", ("维修", "repair_request")),
        ("inquiry", "咨询", "inquiry", ("enquiry",)),
        ("issue_report", "反映问题", "issue report", ("反映", "report_issue")),
        ("suggestion", "建议", "suggestion"),
        ("paid_service", "有偿服务", "paid service", ("特约服务", "特约", "paid")),
        ("public_safety", "公共安全", "public safety", ("safety",)),
        ("other", "其他", "other"),
    ])


CHANNELS = _vocab("channel", [
    ("phone", "电话", "phone", ("400", "hotline", "400热线", "热线")),
    ("walk_in", "来访", "walk-in", ("前台", "walkin", "visit")),
    ("collected", "收集", "collected by the desk", ("巡查", "走访", "patrol")),
    ("company", "公司转达", "forwarded by the company", ("公司",)),
    ("committee", "业委会", "owners' committee", ("业委会转达",)),
    ("verbal", "口头", "told to staff", ("口头转达",)),
    ("written", "书面", "written", ("信函", "letter")),
    ("online", "网络", "online", ("app", "微信", "wechat", "email", "邮件", "小程序")),
])

SEVERITIES = _vocab("severity", [
    ("major", "重大", "major"),
    ("important", "重要", "important"),
    ("minor", "轻微", "minor", ("一般投诉",)),
    ("urgent", "紧急", "urgent (emergency repair)", ("急修", "emergency")),
])

#: Complaints must carry one of these; `urgent` belongs to repairs.
COMPLAINT_SEVERITIES = ("major", "important", "minor")

NATURES = _vocab("nature", [
    ("general", "一般", "general"),
    ("important", "重要", "important"),
])

STATES = _vocab("state", [
    ("received", "已受理", "received", ("new",)),
    ("dispatched", "已派工", "dispatched"),
    ("in_progress", "处理中", "in progress", ("started",)),
    ("resolved", "已处理", "resolved"),
    ("reported", "已回复", "reported back"),
    ("closed", "已关闭", "closed"),
])

ROLES = _vocab("role", [
    ("frontdesk", "客服员", "front desk", ("前台", "agent")),
    ("technician", "技术员", "technician", ("维修工", "维修")),
    ("supervisor", "客服主管", "supervisor", ("主管",)),
    ("manager", "项目经理", "site manager", ("经理",)),
    ("archivist", "档案管理员", "archivist", ("档案员",)),
    ("custodian", "钥匙管理员", "key custodian", ("钥匙员",)),
    ("trainer", "培训师", "trainer", ("培训",)),
    ("integrator", "集成员", "integrator"),
])

CLOCKS = _vocab("clock", [
    ("reply", "首次答复", "first reply"),
    ("resolve", "处理完成", "resolution"),
    ("communication", "沟通记录", "communication with the owner", ("沟通",)),
])

#: how a contact with the owner was made (`ticket contact --method`)
CONTACT_METHODS = _vocab("method", [
    ("phone", "电话", "phone"),
    ("visit", "上门", "visit", ("面谈", "面访")),
    ("sms", "短信", "text message"),
    ("wechat", "微信", "WeChat"),
    ("letter", "信函", "letter"),
    ("email", "邮件", "e-mail"),
])

FOLLOWUP_METHODS = _vocab("method", [
    ("phone", "电话", "phone"),
    ("visit", "上门", "visit", ("面访",)),
    ("letter", "信函", "letter"),
    ("email", "邮件", "e-mail"),
])
