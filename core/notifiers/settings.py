"""`[plugins.notify]`: the channels, who hears what (routes), and the staff's contacts.

```toml
[plugins.notify.channels.email]      # SMTP
host = "smtp.example.com"            # port 25; starttls, username, password optional
sender = "desk@example.com"
[plugins.notify.channels.wecom]      # 企业微信 group robot
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."
[plugins.notify.channels.dingtalk]   # 钉钉 group robot; secret: the robot's 加签 secret
url = "https://oapi.dingtalk.com/robot/send?access_token=..."
secret = "SEC..."
[plugins.notify.channels.sms]        # any SMS gateway taking an HTTP POST
url = "https://sms.example.com/send"
template = '{"mobile": "{mobile}", "text": "{text}"}'
headers = { Authorization = "Bearer ..." }
[plugins.notify.contacts]
"陈静" = { email = "chenjing@example.com", mobile = "13900000001" }
[[plugins.notify.routes]]            # replaces the default routes (see routing.DEFAULTS)
event = "sla_breached"
category = "complaint"
severity = "major"
roles = ["manager"]
channels = ["email", "sms"]
```
A channel that is not configured is skipped; a site with no channel sends nothing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EVENTS = ("sla_breached", "sla_at_risk", "warning_raised", "followup_escalated",
          "ticket_created")
CHANNELS = ("email", "wecom", "dingtalk", "sms")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Email(_Strict):
    host: str
    port: int = Field(25, ge=1, le=65535)
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None


class Robot(_Strict):
    url: str
    secret: str | None = None  # DingTalk's signing secret (加签)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value


class Sms(Robot):
    template: str = '{"mobile": "{mobile}", "text": "{text}"}'
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("template")
    @classmethod
    def _fields(cls, value: str) -> str:
        if "{mobile}" not in value or "{text}" not in value:
            raise ValueError("needs {mobile} and {text}")
        return value


class Channels(_Strict):
    email: Email | None = None
    wecom: Robot | None = None
    dingtalk: Robot | None = None
    sms: Sms | None = None


class Contact(_Strict):
    email: str | None = None
    mobile: str | None = None


class Route(_Strict):
    event: Literal["sla_breached", "sla_at_risk", "warning_raised", "followup_escalated",
                   "ticket_created"]
    category: str | None = None   # ticket events: only this category (code)
    severity: str | None = None   # … and this severity
    nature: str | None = None     # ticket_created: e.g. "important"
    kind: str | None = None       # warning_raised: group_complaint, repeat_matter, …
    roles: list[str] = Field(default_factory=list)
    staff: list[str] = Field(default_factory=list)
    channels: list[Literal["email", "wecom", "dingtalk", "sms"]] = Field(
        default_factory=lambda: list(CHANNELS))


class NotifySettings(_Strict):
    channels: Channels = Field(default_factory=Channels)
    contacts: dict[str, Contact] = Field(default_factory=dict)
    routes: list[Route] | None = None  # None: the default routes
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_seconds: float = Field(30.0, gt=0)
    timeout_seconds: float = Field(10.0, gt=0, le=120)
