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
# # 月度考试：培训师的一次考试 / A trainer's monthly exam session
#
# Assemble the month's exam from the case library, give trainees a paper without the key,
# let a demo trainee take it at the "terminal" with scripted answers, grade the short
# answers on their rubric, then read the item analysis. Nothing here touches the ticket
# database: the gradebook is kept in memory.

# %%
from io import StringIO

from IPython.display import HTML, Image, display

from core.kit import load_config
from training.charts import item_map, png, score_histogram
from training.demo import scripted_answers
from training.exams import Blueprint, Section, assemble
from training.gradebook import MemoryGradebook, grade_pending, pending, record_attempt
from training.items import items_for_library
from training.render import render_html
from training.report import analysis_lines, exam_analysis, trainee_scores
from training.rubrics import rubric
from training.schema import load_library
from training.taker import take_exam
from training.widgets import exam_form

config = load_config(None)
cases = load_library()
pool = items_for_library(cases, config)
print(f"{len(cases)} cases, {len(pool)} items")

# %% [markdown]
# ## 1. Assemble the exam from a blueprint and a seed
# Same seed, same form; another seed gives a parallel form for a resit.

# %%
blueprint = Blueprint(title="2026年11月月度考试", sections=[
    Section(count=4, kinds=["classification"]),
    Section(count=3, kinds=["deadline"], topics=["holiday"]),
    Section(count=3, kinds=["order", "violations"]),
    Section(count=2, kinds=["followup"]),
    Section(count=1, kinds=["short_answer"]),
])
exam = assemble(pool, blueprint, seed=202611, exam_id="2026-11")
resit = assemble(pool, blueprint, seed=202612, exam_id="2026-11-resit")
assert exam == assemble(pool, blueprint, seed=202611, exam_id="2026-11")
print(len(exam.items), "items; shared with the resit form:",
      len({i.id for i in exam.items} & {i.id for i in resit.items}))

# %% [markdown]
# ## 2. The trainees' paper: built from the public view, so it has no key

# %%
paper = render_html(exam.public())
assert not any(i.case_id in paper for i in exam.items)
display(HTML(paper.split("<section", 3)[0] + "<section" + paper.split("<section", 3)[1]))

# %% [markdown]
# ## 3. A demo trainee takes it at the terminal (scripted answers), and the team too

# %%
book = MemoryGradebook()
out = StringIO()
responses = take_exam(exam.public(), StringIO(scripted_answers(exam, 0.8, seed=1)), out)
record_attempt(book, exam, "演示学员", responses, config.tz)
print(out.getvalue()[:600], "…")
for n, ability in enumerate([0.95, 0.9, 0.75, 0.6, 0.5, 0.4, 0.3, 0.15, 0.05]):
    answers = take_exam(exam.public(), StringIO(scripted_answers(exam, ability, seed=10 + n)),
                        StringIO())
    record_attempt(book, exam, f"学员{n + 1:02d}", answers, config.tz)

# %% [markdown]
# ### …or in the notebook (ipywidgets)
# One widget per item, built from the public form only (option values are letters, so no
# widget holds a key or a code); Submit records the attempt like the terminal does. Here a
# script picks "A" in every single choice and presses Submit, as a trainee would by clicking.

# %%
form = exam_form(exam.public(), book, "笔记本学员", config.tz)
for item in exam.public().items:
    if item.form == "choice":
        form.inputs[item.id].value = "A"
form.submit.click()
display(form.box)
print(form.status.value)
assert form.rows and form.submit.disabled

# %% [markdown]
# ## 4. Grade the pending short answers on their rubric

# %%
waiting = pending(book, exam.id)
print(len(waiting), "short answers to grade")
for n, row in enumerate(waiting):
    criteria = rubric(exam.item(row.item_id).key.rubric or "").criteria
    levels = {c.code: (len(c.levels) - 1 if n % 2 == 0 else 0) for c in criteria}
    grade_pending(book, row.id, "培训师", levels, "按十二字方针逐项评分")
assert pending(book, exam.id) == []
for row in trainee_scores(book, exam.id):
    print(f"{row['trainee']}: {row['points']:.2f} / {row['max']} ({row['percent']} %)")

# %% [markdown]
# ## 5. Item analysis: difficulty, discrimination, point-biserial, reliability

# %%
stats = exam_analysis(book, exam.id)
alpha = "—" if stats.alpha is None else f"{stats.alpha:.2f}"
print(f"{stats.n_trainees} trainees, mean {stats.mean_total:.2f}, Cronbach α {alpha}")
for s in stats.items:
    r = "—" if s.point_biserial is None else f"{s.point_biserial:+.2f}"
    kind = exam.item(s.item_id).kind
    print(f"{s.item_id} {kind:14} p={s.p:.2f} D={s.discrimination:+.2f} r={r} "
          f"{'; '.join(s.flags)}")
print(len(stats.to_revise), "item(s) to revise")

# %% [markdown]
# The statistics Moodle's quiz report shows (facility, SD, random guess score, intended
# and effective weight, discrimination index, discriminative efficiency; for the exam
# mean, median, SD, skewness, kurtosis, CIC, error ratio, standard error), each with its
# interpretation band or the reason it cannot be computed yet (training/README.md).

# %%
print("\n".join(analysis_lines(stats, exam.id)))

# %%
display(Image(png(item_map(stats))))
totals = [row["points"] for row in trainee_scores(book, exam.id)]
display(Image(png(score_histogram(totals, len(exam.items)))))
