"""The veto on core ticket actions (`validate_transition`): a paid job's ticket is not
resolved or closed around the paid procedure.

Resolve: only by the job's own completion (`paid complete`, which needs the customer's
signature and marks the job completed in the same unit of work before it resolves the
ticket), or a redo after a reopening of a job completed so. Close: only once the job is
paid. A job the customer refused (declined, or reclassified free) charges nothing: its
ticket is an ordinary one. A paid-service ticket not yet quoted is neither resolved nor
closed either, once the site has a price list to quote from (it is quoted, reclassified,
or withdrawn); a site without a price list does not run the procedure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from core import kit
from plugins.paid_services.models import PriceItem
from plugins.paid_services.records import UNCHARGED, of_ticket, payment_at

if TYPE_CHECKING:
    from core.kit import Desk

GUARDED = frozenset({"resolve", "close"})


def veto(ticket: dict[str, Any], action: str, desk: Desk) -> None:
    """Raise `TransitionRefused` when `action` would skip the paid procedure."""
    if action not in GUARDED:
        return
    number = ticket["number"]
    with desk.read() as s:  # joins the action's unit: sees a completion written in it
        job = of_ticket(s, number)
        if job is None:
            if ticket.get("category") == "paid_service" and s.scalar(select(PriceItem.id)
                                                                     .limit(1)):
                raise kit.TransitionRefused("ticket", f"{number} is a paid service without a "
                                            f"quote: it is not {action}d before it is quoted "
                                            "(paid quote), reclassified or withdrawn")
            return
        if job.status in UNCHARGED:
            return
        if action == "resolve" and job.status != "completed":
            raise kit.TransitionRefused("job", f"{number} has paid job {job.number} "
                                        f"({job.status}): it is resolved by completing the "
                                        "signed work order (paid sign, paid complete)")
        if action == "close" and payment_at(s, job) is None:
            raise kit.TransitionRefused("job", f"{number} has paid job {job.number} "
                                        f"({job.status}), not paid: it closes once paid "
                                        "(paid pay)")
