"""The hotline requests the service benchmark posts: a day's mix across 200 units.

Half repairs, then inquiries, issue reports, minor complaints and suggestions, with a
few summaries each, so topics, repeat matters and follow-ups occur as on a real site.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

SUMMARIES = {
    "repair": ["厨房水管漏水", "卫生间下水道堵塞", "客厅灯不亮", "入户门锁坏了", "空调不制冷"],
    "inquiry": ["物业费缴费方式", "停车月卡怎么办理", "装修需要什么手续"],
    "complaint": ["楼上装修噪音", "电梯经常停运", "保洁不及时"],
    "issue_report": ["小区路灯不亮", "楼道堆放杂物"],
    "suggestion": ["建议增加儿童游乐设施"],
}
PLAN = ["repair"] * 10 + ["inquiry"] * 4 + ["issue_report"] * 3 + ["complaint"] * 2 \
    + ["suggestion"]
UNITS = [f"{b}-{e}-{f}0{r}" for b in (1, 2) for e in (1, 2) for f in range(1, 26)
         for r in (1, 2)]


def bodies(start: int = 0) -> Iterator[dict[str, Any]]:
    """Request bodies for `POST /tickets`, endlessly, from position `start` of the cycle."""
    for i in itertools.count(start):
        category = PLAN[i % len(PLAN)]
        texts = SUMMARIES[category]
        body: dict[str, Any] = {"category": category,
                                "summary": texts[(i // len(PLAN)) % len(texts)],
                                "unit": UNITS[(i * 7919) % len(UNITS)]}
        if category == "complaint":
            body["severity"] = "minor"
        yield body
