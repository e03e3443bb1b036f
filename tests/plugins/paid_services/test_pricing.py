"""The price list: versions, a quote keeps its price, the export for posting."""

from __future__ import annotations

import pytest

from core.desk import Desk
from core.errors import DomainError
from plugins.paid_services import jobs, pricing

from .conftest import open_job


def test_a_job_quoted_before_a_price_change_keeps_its_price(priced: Desk) -> None:
    before = open_job(priced, "2026-11-10")
    assert before["labour_fen"] == 2 * 3000
    item = pricing.set_price(priced, code="ps-01", name_zh="更换水龙头", name_en="replace a tap",
                             unit="个", labour="45", approval="穗价〔2026〕30号",
                             effective="2026-11-15")
    assert item["version"] == 2
    after = open_job(priced, "2026-11-16")
    assert after["labour_fen"] == 2 * 4500
    assert jobs.show_job(priced, before["number"])["labour_fen"] == 6000
    history = pricing.price_list(priced, history=True)
    v1 = next(i for i in history if i["code"] == "PS-01" and i["version"] == 1)
    assert v1["effective_to"] == "2026-11-14"
    assert [i["labour"] for i in pricing.price_list(priced) if i["code"] == "PS-01"] == ["45.00"]


def test_a_new_version_must_start_later(priced: Desk) -> None:
    with pytest.raises(DomainError) as err:
        pricing.set_price(priced, code="PS-01", name_zh="x", name_en="x", unit="个",
                          labour="1", approval="a", effective="2026-01-01")
    assert err.value.field == "effective"
    assert len(pricing.price_list(priced, history=True)) == 2


def test_export_for_posting(priced: Desk) -> None:
    md = pricing.export(priced, "md")
    assert "| PS-02 | 疏通下水道 clear a drain | 次 | 50.50 | 含材料" in md
    assert "穗价〔2026〕12号" in md
    page = pricing.export(priced, "html")
    assert page.startswith("<!doctype html>") and "<td>30.00</td>" in page
    with pytest.raises(DomainError):
        pricing.export(priced, "pdf")


@pytest.mark.parametrize("labour", ["-5", "abc", "1.234"])
def test_bad_prices_are_refused(priced: Desk, labour: str) -> None:
    with pytest.raises(DomainError) as err:
        pricing.set_price(priced, code="PS-09", name_zh="x", name_en="x", unit="个",
                          labour=labour, approval="a", effective="2026-02-01")
    assert err.value.field == "labour"
    assert len(pricing.price_list(priced, history=True)) == 2
