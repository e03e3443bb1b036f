"""Trainee-facing renderings of an exam: printable HTML and plain text.

Both take a `PublicExam`, which has no key fields at all: what is not passed in cannot be
printed. Options are shown with letters A, B, C… in the form's order.
"""

from __future__ import annotations

from html import escape
from string import ascii_uppercase

from training.exams import PublicExam
from training.items import PublicItem

INSTRUCTIONS = {
    "choice": "单选：写一个字母。",
    "multi": "多选：写出所有字母（没有则写 -）。",
    "order": "排序：按先后顺序写出全部字母，如 CADB。",
    "datetime": "写日期和时间：YYYY-MM-DD HH:MM。",
    "text": "简答：写在下方空白处。",
}


def letters(item: PublicItem) -> dict[str, str]:
    """Letter → option code, in the order the form shows them."""
    return {ascii_uppercase[i]: o.code for i, o in enumerate(item.options)}


def render_text(exam: PublicExam) -> str:
    lines = [exam.title, f"试卷编号 {exam.id}  共 {len(exam.items)} 题", ""]
    for number, item in enumerate(exam.items, 1):
        lines.append(f"第 {number} 题  [{item.id}]")
        lines.extend(item.context.splitlines())
        lines.append(f"问：{item.stem}（{INSTRUCTIONS[item.form]}）")
        for letter, option in zip(ascii_uppercase, item.options, strict=False):
            lines.append(f"  {letter}. {option.text}")
        lines.append("")
    return "\n".join(lines)


_CSS = """
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif;
       max-width: 46em; margin: 2em auto; line-height: 1.6; }
.item { page-break-inside: avoid; border-top: 1px solid #999; padding: .6em 0; }
.context { white-space: pre-line; color: #333; }
.answer { border: 1px solid #666; min-height: 1.8em; margin-top: .4em; }
.answer.text { min-height: 8em; }
header p { margin: .2em 0; }
"""


def render_html(exam: PublicExam) -> str:
    """A printable paper: answers are written in the boxes and entered afterwards."""
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(exam.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(exam.title)}</h1><p>试卷编号 {escape(exam.id)}，"
        f"共 {len(exam.items)} 题</p><p>姓名 ________ 工号 ________ 日期 ________</p></header>",
    ]
    for number, item in enumerate(exam.items, 1):
        parts.append(f'<section class="item"><h2>第 {number} 题 '
                     f'<small>{escape(item.id)}</small></h2>')
        parts.append(f'<p class="context">{escape(item.context)}</p>')
        parts.append(f"<p><strong>{escape(item.stem)}</strong> "
                     f"<em>{escape(INSTRUCTIONS[item.form])}</em></p>")
        if item.options:
            parts.append("<ol type=\"A\">")
            parts.extend(f"<li>{escape(o.text)}</li>" for o in item.options)
            parts.append("</ol>")
        cls = "answer text" if item.form == "text" else "answer"
        parts.append(f'<div class="{cls}">答：</div></section>')
    parts.append("</body></html>")
    return "\n".join(parts)
