"""Chinese full-text terms: overlapping character pairs (bigrams), pure functions.

Most Chinese search words are two characters (漏水, 噪音, 电梯), which a trigram index
cannot find, and neither SQLite nor PostgreSQL ships a Chinese word splitter. So a text is
cut into runs of letters and digits and each run into overlapping pairs: 卫生间渗水 →
卫生 生间 间渗 渗水. A query word becomes the phrase of its pairs, which matches exactly
where the word occurs as a substring; a one-character word is looked up among the single
characters, kept in a second column. The same terms feed SQLite FTS5 (unicode61 tokenizer,
the terms space-separated) and PostgreSQL (a tsvector built from the terms themselves, so
neither the database's locale nor its text parser decides what a Chinese word is).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator

#: between two runs or texts: one character, so never part of a query's phrase of pairs,
#: and a phrase never spans two runs ("…ab, bc…" does not match "abc")
GAP = "0"


def runs(text: str) -> Iterator[str]:
    """Maximal runs of letters and digits, NFKC-normalised and case-folded."""
    run: list[str] = []
    for ch in unicodedata.normalize("NFKC", text).casefold():
        if ch.isalnum():
            run.append(ch)
        elif run:
            yield "".join(run)
            run = []
    if run:
        yield "".join(run)


def pairs(run: str) -> list[str]:
    """The overlapping character pairs of one run (a one-character run has none)."""
    return [run[i:i + 2] for i in range(len(run) - 1)]


def terms(texts: Iterable[str | None]) -> tuple[str, str]:
    """(pairs, single characters) of some texts, each space-separated, for the index."""
    two: list[str] = []
    one: list[str] = []
    for text in texts:
        for run in runs(text or ""):
            two.extend(pairs(run))
            one.extend(run)
            two.append(GAP)
    return " ".join(two), " ".join(one)


def query_words(q: str) -> list[str]:
    """The runs of a query; each must occur in a matching ticket (AND)."""
    return list(runs(q))


def positions(words: str) -> str:
    """A PostgreSQL tsvector literal with positions for phrase search: 'ab':1 'bc':2."""
    out = []
    for pos, word in enumerate(words.split(" "), start=1):
        if word and word != GAP:
            out.append(f"'{word}':{min(pos, 16383)}")
    return " ".join(out)


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: each word a phrase of its pairs, or a single character."""
    parts = []
    for word in words:
        if len(word) == 1:
            parts.append(f'chars : "{word}"')
        else:
            parts.append(f'terms : "{" ".join(pairs(word))}"')
    return " AND ".join(parts)


def tsquery(words: list[str], single: bool) -> str | None:
    """A PostgreSQL tsquery literal for the pair words (single=False) or the single
    characters (single=True); None when there are none of that kind."""
    chosen = [w for w in words if (len(w) == 1) == single]
    if not chosen:
        return None
    if single:
        return " & ".join(f"'{w}'" for w in chosen)
    return " & ".join("(" + " <-> ".join(f"'{p}'" for p in pairs(w)) + ")" for w in chosen)
