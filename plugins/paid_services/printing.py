"""The printable work order (派工单): one HTML page, three copies (desk, technician,
customer), each with the number, items, total and the customer's signature line."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from plugins.paid_services.jobs import CHECKLIST, show_job
from plugins.paid_services.money import yuan

if TYPE_CHECKING:
    from core.kit import Desk

COPIES = ("第一联 客服中心 desk copy", "第二联 维修人员 technician copy",
          "第三联 业主 customer copy")
STYLE = ("body{font-family:sans-serif}section{page-break-after:always;border:1px solid #000;"
         "padding:1em;margin:1em 0}table{border-collapse:collapse;width:100%}"
         "td,th{border:1px solid #000;padding:2px 6px}")


def work_order_html(desk: Desk, ref: str, *, actor: str | None = None) -> str:
    job = show_job(desk, ref, actor=actor)
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(x['code'] or '材料 material')}</td><td>{e(x['name'])}</td>"
        f"<td>{e(x['quantity'])}</td><td>{yuan(x['unit_price_fen'])}</td>"
        f"<td>{e(x['amount'])}</td></tr>" for x in job["lines"])
    checks = "".join(f"<li>{'☑' if job['checklist'].get(k) else '☐'} {e(label)}</li>"
                     for k, label in CHECKLIST.items())
    signed = (f"{e(job['signed_name'])} {e(job['signed_at'] or '')} "
              f"({e(job['signature_ref'] or '')})" if job["signed_name"] else "")
    body = (
        f"<h2>有偿服务派工单 Paid-service work order No. {e(job['number'])}</h2>"
        f"<p>工单 Ticket {e(job['ticket'])} · 房号 Unit {e(job['unit'] or '')} · "
        f"预约 Appointment {e(job['appointment_at'] or '')} · "
        f"维修人员 Technicians {e('、'.join(job['technicians']))}</p>"
        "<table><tr><th>编号 Code</th><th>项目 Item</th><th>数量 Qty</th>"
        f"<th>单价 Price (元)</th><th>金额 Amount (元)</th></tr>{rows}"
        f"<tr><td colspan=4>人工费 Labour</td><td>{yuan(job['labour_fen'])}</td></tr>"
        f"<tr><td colspan=4>材料费 Materials</td><td>{yuan(job['materials_fen'])}</td></tr>"
        f"<tr><th colspan=4>合计 Total</th><th>{e(job['total'])}</th></tr></table>"
        f"<p>完成情况 Work done: {e(job['work_done'] or '')}</p>"
        f"<p>原因 Cause: {e(job['cause'] or '')} · 保养建议 Care: {e(job['care_advice'] or '')}"
        f"</p><ul>{checks}</ul>"
        f"<p class=signature>业主签字 Customer signature: ____________ {signed}</p>")
    copies = "".join(f"<section><p><b>{e(c)}</b></p>{body}</section>" for c in COPIES)
    return (f'<!doctype html><html lang="zh"><meta charset="utf-8">'
            f"<title>派工单 {e(job['number'])}</title><style>{STYLE}</style>{copies}</html>\n")
