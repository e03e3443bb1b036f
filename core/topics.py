"""The topic taxonomy: a ticket's free-text topic mapped to a short bilingual list.

Why: tickets carry whatever words the desk typed (`水管漏水`, `卫生间渗水`); repeat-matter
and group-complaint warnings and the monthly "by topic" table need those words grouped
into one site taxonomy. A site adds topics or keywords under `[topics.<code>]`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from core.errors import DomainError
from core.labels import Vocabulary

if TYPE_CHECKING:
    from core.config import Config
    from core.desk import Desk

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


#: room and place names: a topic keyword found only inside one of them does not count
#: ("卫生间渗水" is a leak in a bathroom, not a sanitation matter: "卫生" ⊂ "卫生间")
PLACE_WORDS = ("卫生间", "洗手间", "厨房", "阳台", "客厅", "卧室", "书房", "楼道", "走廊",
               "电梯厅", "电梯间", "地下室", "天台", "屋顶", "大堂", "门厅", "设备间")


@dataclass(frozen=True)
class Match:
    """How a text was classed: every topic's score, the winner and the keyword that won."""

    code: str
    keyword: str | None
    source: str | None          # "topic" or "summary": the text that decided
    text: str | None
    scores: dict[str, int] = field(default_factory=dict)
    shadowed: tuple[str, ...] = ()  # keywords seen only inside a place name

    def as_dict(self, label: str) -> dict[str, Any]:
        return {"code": self.code, "label": label, "keyword": self.keyword,
                "source": self.source, "text": self.text, "scores": self.scores,
                "shadowed": list(self.shadowed)}


@dataclass(frozen=True)
class Taxonomy:
    """Codes and labels (`vocabulary`) and the keyword table that classifies free text."""

    vocabulary: Vocabulary
    #: (keyword, code), longest keyword first so "公共设施" beats "设施"
    keywords: tuple[tuple[str, str], ...]
    #: topic codes in tie-break order: a site's own first, then the default list's order
    order: tuple[str, ...] = ()

    def classify(self, topic: str | None, summary: str | None = None) -> str:
        """The code for a ticket: its topic text decides first, then its summary."""
        return self.match(topic, summary).code

    def match(self, topic: str | None, summary: str | None = None) -> Match:
        """Score every topic on the topic text, else on the summary.

        A topic's score is the summed length of its keywords found in the text (a longer
        keyword is more specific; two pieces of evidence beat one), leaving out a keyword
        found only inside a place name. The highest score wins; a tie goes to the topic
        with the longest keyword, then to a site's own topic, then the default order."""
        for source, text in (("topic", topic), ("summary", summary)):
            if not text or not text.strip():
                continue
            text = text.strip()
            try:
                return Match(self.vocabulary.parse(text), None, source, text)
            except DomainError:  # not a code or label: look for keywords
                pass
            found = self._score(text.lower())
            if found is not None:
                return Match(found[0], found[1], source, text, found[2], found[3])
        return Match(OTHER, None, None, None)

    def _score(self, lowered: str) -> tuple[str, str, dict[str, int], tuple[str, ...]] | None:
        places = [(i, i + len(w)) for w in PLACE_WORDS for i in _find(lowered, w)]
        scores: dict[str, int] = {}
        best: dict[str, str] = {}
        shadowed: list[str] = []
        for word, code in self.keywords:
            hits = [i for i in _find(lowered, word) if not any(
                a <= i and i + len(word) <= b and b - a > len(word) for a, b in places)]
            if not hits:
                if _find(lowered, word):
                    shadowed.append(word)
                continue
            scores[code] = scores.get(code, 0) + len(word)
            if len(word) > len(best.get(code, "")):
                best[code] = word
        if not scores:
            return None
        rank = {code: i for i, code in enumerate(self.order)}
        winner = max(scores, key=lambda c: (scores[c], len(best[c]), -rank.get(c, len(rank))))
        return winner, best[winner], dict(sorted(scores.items(), key=lambda kv: -kv[1])), \
            tuple(shadowed)

    def key(self, topic: str | None, summary: str | None = None) -> str:
        """What repeats and group complaints count: the topic code, or, when the taxonomy
        has no topic for it, the ticket's own free-text topic ("门锁" counts as "门锁")."""
        code = self.classify(topic, summary)
        if code != OTHER or not topic or not topic.strip():
            return code
        text = " ".join(topic.split()).lower()[:32]
        return OTHER if text in (OTHER, "其他") else text

    def label(self, code: str) -> str:
        return self.vocabulary.label(code)


def _find(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


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
    site = [code for code, *_ in extra]
    order = (*site, *(code for code in rows if code not in site))
    return Taxonomy(vocab, ordered, order)


def explain(desk: Desk, text: str, summary: str | None = None,
            actor: str | None = None) -> dict[str, Any]:
    """`topics test`: how the site's taxonomy classes `text` (a topic) and `summary`:
    every topic's score, the winner, the keyword that won, and what repeats count."""
    from core.permissions import authorise

    if not text or not text.strip():
        raise DomainError("text", "give the words to class, e.g. 卫生间渗水")
    authorise(desk, actor)
    tax = taxonomy(desk.config)
    m = tax.match(text, summary)
    return m.as_dict(tax.label(m.code)) | {"counts_as": tax.key(text, summary)}
