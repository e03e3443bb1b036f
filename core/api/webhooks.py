"""Webhook subscriptions over HTTP, thin over `core.webhooks` (managers and integrators;
full phone numbers only by a manager's grant)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from core import webhooks
from core.api.deps import DeskDep, StaffDep
from core.api.fields import Id
from core.api.schemas import WebhookIn

router = APIRouter(tags=["webhooks 推送"])


class PhonesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unmasked: bool


@router.get("/webhooks")
def list_webhooks(desk: DeskDep, staff: StaffDep) -> list[dict[str, Any]]:
    """Subscriptions, with who granted full phone numbers and when."""
    return webhooks.subscriptions(desk, actor=staff.name)


@router.post("/webhooks", status_code=201)
def add_webhook(body: WebhookIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """A subscription; the secret is in this answer only. `unmasked`: a manager's grant."""
    return webhooks.subscribe(desk, body.url, body.events, body.secret, actor=staff.name,
                              unmasked=body.unmasked)


@router.put("/webhooks/{webhook_id}/phones")
def set_phones(webhook_id: Id, body: PhonesIn, desk: DeskDep,
               staff: StaffDep) -> dict[str, Any]:
    """Grant (a manager) or withdraw full phone numbers in this subscription's payloads."""
    return webhooks.set_unmasked(desk, webhook_id, body.unmasked, actor=staff.name)


@router.delete("/webhooks/{webhook_id}", status_code=204)
def remove_webhook(webhook_id: Id, desk: DeskDep, staff: StaffDep) -> None:
    webhooks.unsubscribe(desk, webhook_id, actor=staff.name)


@router.post("/webhooks/deliveries/{delivery_id}/redeliver")
def redeliver(delivery_id: Id, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
    """Send a failed or delivered delivery again, as the same message (`webhook-id`)."""
    return webhooks.redeliver(desk, delivery_id, actor=staff.name)
