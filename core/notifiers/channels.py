"""Sending one message on one channel. Each raises `SendError` saying why it failed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.parse
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import httpx

from core.notifiers.settings import Email, Robot, Sms


class SendError(Exception):
    """The receiver refused or could not be reached; the outbox retries."""


def email(cfg: Email, to: list[str], subject: str, text: str, timeout: float) -> None:
    if not to:
        raise SendError("no e-mail address for the recipients ([plugins.notify.contacts])")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = cfg.sender, ", ".join(to), subject
    msg["Date"], msg["Message-ID"] = formatdate(localtime=True), make_msgid()
    msg.set_content(text, charset="utf-8")
    try:
        with smtplib.SMTP(cfg.host, cfg.port, timeout=timeout) as smtp:
            if cfg.starttls:
                smtp.starttls()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"smtp {cfg.host}:{cfg.port}: {exc}") from None


def _robot(url: str, body: dict, timeout: float) -> None:
    try:
        r = httpx.post(url, json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from None
    if r.status_code >= 300:
        raise SendError(f"HTTP {r.status_code}: {r.text[:200]}")
    try:
        answer = r.json()
    except ValueError:
        raise SendError(f"not a robot's answer: {r.text[:200]}") from None
    if answer.get("errcode", 0) != 0:  # both robots answer {"errcode": 0, "errmsg": "ok"}
        raise SendError(f"errcode {answer.get('errcode')}: {answer.get('errmsg')}")


def wecom(cfg: Robot, mobiles: list[str], text: str, timeout: float) -> None:
    """企业微信 group robot: a text message mentioning the recipients by mobile."""
    _robot(cfg.url, {"msgtype": "text", "text": {"content": text,
                                                 "mentioned_mobile_list": mobiles}}, timeout)


def dingtalk_url(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """The robot's URL, signed when it has a 加签 secret: HMAC-SHA256 of
    "<timestamp>\\n<secret>" keyed by the secret, base64, URL-encoded."""
    if not secret:
        return url
    stamp = now_ms if now_ms is not None else int(time.time() * 1000)
    mac = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(mac).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def dingtalk(cfg: Robot, mobiles: list[str], text: str, timeout: float) -> None:
    """钉钉 group robot: a text message @-mentioning the recipients by mobile."""
    _robot(dingtalk_url(cfg.url, cfg.secret), {
        "msgtype": "text", "text": {"content": text},
        "at": {"atMobiles": mobiles, "isAtAll": False}}, timeout)


def sms(cfg: Sms, mobile: str, text: str, timeout: float) -> None:
    """An SMS gateway: the site's JSON template with {mobile} and {text} filled in."""
    body = cfg.template.replace("{mobile}", json.dumps(mobile)[1:-1]).replace(
        "{text}", json.dumps(text, ensure_ascii=False)[1:-1])
    try:
        r = httpx.post(cfg.url, content=body.encode(), timeout=timeout,
                       headers={"Content-Type": "application/json", **cfg.headers})
    except httpx.HTTPError as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from None
    if r.status_code >= 300:
        raise SendError(f"HTTP {r.status_code}: {r.text[:200]}")
