"""The topic taxonomy: a ticket's free-text topic mapped to a short bilingual list.

Why: tickets carry whatever words the desk typed (`水管漏水`, `卫生间渗水`); repeat-matter
and group-complaint warnings and the monthly "by topic" table need those words grouped
into one site taxonomy. A site adds topics or keywords under `[topics.<code>]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.errors import DomainError
from core.labels import Vocabulary

if TYPE_CHECKING:
    from core.config import Config

#: (code, zh, en, keywords): the SPEC §5 default list; keywords are matched as substrings
DEFAULT_TOPICS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("elevator", "电梯", "elevator", ("电梯", "困人", "扶梯")),
    ("water_leak", "漏水", "water leak", ("漏水", "渗水", "渗漏", "水管", "爆管", "水渍",
                                           "返水", "leak")),
    ("power", "停电/电力", "power", ("停电", "电力", "断电", "跳闸", "供电", "电闸", "power")),
    ("noise", "噪音", "noise", ("噪音", "噪声", "扰民", "吵", "noise")),
    ("parking", "停车", "parking", ("停车", "车位", "车库", "占位", "parking")),
    ("pets", "宠物", "pets", ("宠物", "狗", "猫", "犬", "pet")),
    ("sanitation", "保洁/卫生", "sanitation", ("保洁", "卫生", "垃圾", "清扫", "清洁", "异味")),
    ("security", "安全", "security", ("安全", "安保", "门禁", "消防", "监控", "可疑", "盗",
                                       "security")),
    ("decoration", "装修", "decoration", ("装修", "改造", "decoration")),
    ("fees", "物业费", "fees", ("物业费", "收费", "缴费", "费用", "fee")),
    ("greenery", "绿化", "greenery", ("绿化", "树木", "草坪", "花草", "修剪")),
    ("public_facilities", "公共设施", "public facilities", ("公共设施", "路灯", "灯具", "灯",
                                                            "设施", "道路", "健身器材")),
    ("other", "其他", "other", ()),
)
OTHER = "other"


@dataclass(frozen=True)
class Taxonomy:
    """Codes and labels (`vocabulary`) and the keyword table that classifies free text."""

    vocabulary: Vocabulary
    #: (keyword, code), longest keyword first so "公共设施" beats "设施"
    keywords: tuple[tuple[str, str], ...]

    def classify(self, topic: str | None, summary: str | None = None) -> str:
        """The code for a ticket: its topic text decides first, then its summary."""
        for text in (topic, summary):
            if not text:
                continue
            text = text.strip()
            try:
                return self.vocabulary.parse(text)
            except DomainError:  # not a code or label: look for keywords
                pass
            lowered = text.lower()
            for word, code in self.keywords:
                if word in lowered:
                    return code
        return OTHER

    def label(self, code: str) -> str:
        return self.vocabulary.label(code)


def taxonomy(config: Config) -> Taxonomy:
    extra = tuple(sorted((code, t.zh, t.en, tuple(t.keywords))
                         for code, t in config.topics.items()))
    return _build(extra)


@lru_cache(maxsize=32)
def _build(extra: tuple[tuple[str, str, str, tuple[str, ...]], ...]) -> Taxonomy:
    vocab = Vocabulary("topic")
    words: dict[str, str] = {}
    rows: dict[str, tuple[str, str, tuple[str, ...]]] = {
        code: (zh, en, kw) for code, zh, en, kw in DEFAULT_TOPICS}
    for code, zh, en, kw in extra:  # a site's entry adds keywords to, or relabels, a code
        old = rows.get(code, (zh, en, ()))
        rows[code] = (zh or old[0], en or old[1], (*kw, *old[2]))
    for code, (zh, en, kw) in rows.items():
        vocab.add(code, zh, en, aliases=tuple(z for z in zh.split("/") if z != zh))
        for word in kw:
            words.setdefault(word.lower(), code)
    ordered = tuple(sorted(words.items(), key=lambda item: (-len(item[0]), item[0])))
    return Taxonomy(vocab, ordered)
