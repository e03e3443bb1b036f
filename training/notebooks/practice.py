# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 练习：错题会再回来 / A trainee's practice notebook
#
# Practice is not graded and never shows the key: it says right or wrong and gives the
# case's discussion points. Missed items return the next day (Leitner box 1); items
# answered right come back later and later (1, 2, 4, 8, 16 days).

# %%
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from tempfile import mkdtemp

from IPython.display import Image, display

from core.kit import load_config
from training.charts import figure, png, t
from training.items import items_for_library
from training.practice import load_state, practise, save_state
from training.schema import load_library

config = load_config(None)
cases = load_library()
pool = [i for i in items_for_library(cases, config) if "complaint" in i.topics]
discussion = {c.id: c.discussion for c in cases}
state_file = Path(mkdtemp()) / "practice-王芳.json"
print(len(pool), "complaint items to practise")

# %% [markdown]
# Three days of practice. Here the answers are typed by a script ("A" to everything);
# in a terminal the trainee runs `propdesk train practice --trainee 王芳`.

# %%
start = date(2026, 11, 2)
history = []
for day in range(3):
    today = start + timedelta(days=day)
    state = load_state(state_file, "王芳")
    out = StringIO()
    results = practise(pool, state, today, 4, config.tz, StringIO("A\n" * 10), out,
                       discussion, seed=day)
    save_state(state, state_file)
    history.append((today, results))
    print(today, [f"{score:.2f}" for _, score in results])
print(out.getvalue()[:500], "…")

# %%
state = load_state(state_file, "王芳")
missed_first_day = [item_id for item_id, score in history[0][1] if score < 1]
second_day = [item_id for item_id, _ in history[1][1]]
assert all(item_id in second_day for item_id in missed_first_day[:4])
for item_id, card in sorted(state.cards.items()):
    print(item_id, f"box {card.box}", f"next {card.due}", f"{card.right}/{card.seen} right")

# %%
fig = figure(figsize=(5, 3))
ax = fig.add_subplot()
boxes = [sum(1 for c in state.cards.values() if c.box == b) for b in range(1, 6)]
ax.bar(range(1, 6), boxes, color="tab:orange")
ax.set_xlabel(t("盒子（越高越熟练）", "Leitner box (higher = better known)"))
ax.set_ylabel(t("题数", "items"))
ax.set_title(t("我的复习进度", "My review progress"))
display(Image(png(fig)))
