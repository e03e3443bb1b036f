"""The case library validates, covers the situations the issue names, and errors are clear."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from training.schema import CASES_DIR, Case, CaseError, load_case, load_library

GOOD = CASES_DIR / "cp-major-lift-eve.yaml"


def test_library_has_at_least_40_valid_cases(library: list[Case]) -> None:
    assert len(library) >= 40
    assert len({c.id for c in library}) == len(library)


def test_library_covers_the_situations_of_the_issue(library: list[Case]) -> None:
    classes = Counter(c.expected.classification.answer for c in library)
    for severity in ("major", "important", "minor"):
        assert classes[f"complaint.{severity}"] >= 3
    topics = Counter(t for c in library for t in c.topics)
    for topic in ("warranty", "paid_service", "emergency", "leak", "keys", "archives",
                  "events", "in_home", "hotline"):
        assert topics[topic] >= 2, topic
    assert classes["repair.urgent"] >= 2
    # eves of 2026 holidays, so deadline items cross 调休
    received = {c.facts.received_at.strftime("%Y-%m-%d") for c in library}
    assert {"2026-09-30", "2026-02-13", "2026-04-30", "2026-12-31", "2026-06-18"} <= received
    assert any(c.expected.violations and c.expected.violations.present for c in library)
    assert any(c.expected.short_answer and c.expected.short_answer.rubric == "twelve_characters"
               for c in library)


def test_complaint_followup_owner_follows_spec(library: list[Case]) -> None:
    owner = {"major": "manager", "important": "supervisor", "minor": "frontdesk"}  # SPEC §4
    for case in library:
        cls = case.expected.classification
        if cls.category == "complaint":
            assert case.expected.followup.owner == owner[cls.severity], case.id
            assert case.expected.followup.timing == "within_3wd_after_close", case.id
            assert (cls.nature == "important") == (cls.severity != "minor"), case.id


def test_chinese_names_are_accepted_for_codes(tmp_path: Path) -> None:
    raw = yaml.safe_load(GOOD.read_text(encoding="utf-8"))
    raw["id"] = "cn-names"
    raw["facts"]["channel"] = "400热线"
    raw["expected"]["classification"] = {"category": "投诉", "severity": "重大", "nature": "重要"}
    path = tmp_path / "cn-names.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    case = load_case(path)
    assert case.facts.channel == "phone"
    assert case.expected.classification.answer == "complaint.major"


def _broken(tmp_path: Path, change) -> str:
    raw = yaml.safe_load(GOOD.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "cp-major-lift-eve.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CaseError) as info:
        load_library(tmp_path)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda r: r["facts"].update(channel="pigeon"), "facts.channel", "unknown value 'pigeon'"),
    (lambda r: r["expected"]["classification"].pop("severity"), "expected.classification",
     "a complaint needs severity"),
    (lambda r: r["expected"].update(deadline="2026-10-10 18:00"), "expected.deadline",
     "unknown field"),
    (lambda r: r.pop("narrative"), "narrative", "required field missing"),
    (lambda r: r["expected"]["followup"].update(owner="nobody"), "expected.followup.owner",
     "unknown value"),
    (lambda r: r["expected"]["violations"].update(present=["no_record"],
                                                   distractors=["no_record", "no_mat"]),
     "expected.violations", "both as present and as distractor"),
    (lambda r: r.update(difficulty=5), "difficulty", "less than or equal to 3"),
    (lambda r: r["expected"]["short_answer"].update(rubric="no_such"),
     "expected.short_answer.rubric", "unknown rubric"),
    (lambda r: r.update(id="other-name"), "id", "must match the file name"),
])
def test_errors_name_file_and_field(tmp_path: Path, change, field: str, words: str) -> None:
    message = _broken(tmp_path, change)
    assert message.startswith(f"{field}: ")
    assert words in message
    assert ".yaml)" in message


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("id: bad\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(CaseError, match=r"not valid YAML line \d+ \(in bad.yaml\)"):
        load_library(tmp_path)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no case files"):
        load_library(tmp_path)
