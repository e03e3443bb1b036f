"""HTTP routes of the events plugin under /events; thin over the service modules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from core import kit
from core.kit.api import DeskDep, Id, StaffDep, listed, optional, text, vocabulary, when
from plugins.events import after, registration, service
from plugins.events.registration import CHANNELS
from plugins.events.service import SEASONS

Year = Annotated[int, Path(ge=2000, le=2100)]
Season = Annotated[str, Path(json_schema_extra=listed(SEASONS))]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str | None = when()


class ProposalIn(_In):
    title: str = text(128)
    starts_at: str = when(..., description="ISO 8601, in the future (naive = site time)")
    large: bool = False
    own: bool = True
    organisation: str | None = optional(128)
    content: str | None = optional(2000)
    promotion: str | None = optional(2000)
    budget: int | None = Field(None, ge=0, le=100_000_000)
    risk_plan: str | None = optional(2000)
    per_household: int = Field(1, ge=1, le=20)
    waitlist: bool = True


class ApproveIn(_In):
    override: str | None = optional(500)


class CallOffIn(_In):
    reason: str = text(500)


class SessionIn(_In):
    starts_at: str = when(..., description="ISO 8601 (naive = site time)")
    capacity: int = Field(ge=1, le=100_000)
    place: str | None = optional(128)


class RegisterIn(_In):
    unit: str = text(32)
    channel: str = vocabulary(CHANNELS, "online")
    name: str | None = optional(64)
    phone: str | None = Field(None, max_length=32, pattern=r"^\+?[0-9][0-9 -]{4,19}$")


class SurveyIn(_In):
    unit: str = text(32)
    score: int = Field(ge=1, le=5)
    comment: str | None = optional(2000)


class SummaryIn(_In):
    text: str = text(5000)


def add_routes(router: APIRouter) -> None:
    """Mount the routes on the application's router (the `register_routes` hook). Each
    route opens the unit of work and passes the token's staff member as the actor: the
    services decide who may, when and what."""
    r = APIRouter(prefix="/events", tags=["events 社区活动"])

    @r.post("", status_code=201)
    def propose(body: ProposalIn, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        fields = body.model_dump(exclude={"at", "title", "starts_at"})
        starts = kit.parse_time(body.starts_at, desk.tz, "starts_at")
        with desk.write():
            return service.propose(desk, title=body.title, starts_at=starts, at=body.at,
                                   actor=staff.name, **fields)

    @r.get("/{event_id}")
    def show(event_id: Id, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return service.event_view(desk, event_id, actor=staff.name)

    @r.post("/{event_id}/approve")
    def approve(event_id: Id, body: ApproveIn, desk: DeskDep,
                staff: StaffDep) -> dict[str, Any]:
        with desk.write():
            return service.approve(desk, event_id, actor=staff.name, at=body.at,
                                   override=body.override)

    @r.post("/{event_id}/call-off")
    def call_off(event_id: Id, body: CallOffIn, desk: DeskDep,
                 staff: StaffDep) -> dict[str, Any]:
        """Call off the whole event: seats cancelled, households told."""
        with desk.write():
            return registration.cancel_event(desk, event_id, reason=body.reason,
                                             actor=staff.name, at=body.at)

    @r.post("/{event_id}/sessions", status_code=201)
    def add_session(event_id: Id, body: SessionIn, desk: DeskDep,
                    staff: StaffDep) -> dict[str, Any]:
        starts = kit.parse_time(body.starts_at, desk.tz, "starts_at")
        with desk.write():
            return service.add_session(desk, event_id, capacity=body.capacity,
                                       place=body.place, starts_at=starts, at=body.at,
                                       actor=staff.name)

    @r.post("/sessions/{session_id}/registrations", status_code=201)
    def register(session_id: Id, body: RegisterIn, desk: DeskDep,
                 staff: StaffDep) -> dict[str, Any]:
        with desk.write():
            return registration.register(desk, session_id, unit=body.unit,
                                         channel=body.channel, name=body.name,
                                         phone=body.phone, at=body.at, actor=staff.name)

    @r.post("/registrations/{reg_id}/cancel")
    def cancel(reg_id: Id, body: _In, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        with desk.write():
            return registration.cancel(desk, reg_id, at=body.at, actor=staff.name)

    @r.post("/registrations/{reg_id}/checkin")
    def checkin(reg_id: Id, body: _In, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        with desk.write():
            return registration.check_in(desk, reg_id, at=body.at, actor=staff.name)

    @r.post("/{event_id}/surveys", status_code=201)
    def survey(event_id: Id, body: SurveyIn, desk: DeskDep,
               staff: StaffDep) -> dict[str, Any]:
        with desk.write():
            return after.record_survey(desk, event_id, unit=body.unit, score=body.score,
                                       comment=body.comment, at=body.at, actor=staff.name)

    @r.get("/{event_id}/coverage")
    def coverage(event_id: Id, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return after.coverage(desk, event_id, actor=staff.name)

    @r.post("/{event_id}/summary")
    def summary(event_id: Id, body: SummaryIn, desk: DeskDep,
                staff: StaffDep) -> dict[str, Any]:
        with desk.write():
            return after.summarise(desk, event_id, text=body.text, at=body.at,
                                   actor=staff.name)

    @r.get("/reports/{year}/{season}")
    def report(year: Year, season: Season, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return after.season_report(desk, year, season, actor=staff.name)

    @r.get("/plans/{year}")
    def plan(year: Year, desk: DeskDep, staff: StaffDep) -> dict[str, Any]:
        return service.plan_view(desk, year, actor=staff.name)

    router.include_router(r)
