"""The channels a notification goes out on: the bell (in-app, live over the WebSocket), email (SMTP or Amazon
SES) and webhooks (JSON POST signed like GitHub's `X-Hub-Signature-256`, or Slack/Discord's message shape).

A sender raises `DeliveryError` when a message did not go: `permanent` (retrying cannot help: a rejected
address, a 4xx from the webhook) or not (retried with backoff), and `channel_fault` (the user's address or
endpoint is at fault, which counts toward the channel dying) or not (our own mail relay is down).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import smtplib
import socket
import ssl
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import httpx

from calledit import __version__
from calledit.config import Settings
from calledit.domain.events import AnyServerEvent, NotificationEvent
from calledit.domain.notifications import Channel, InAppNotification
from calledit.notify.inbox import Inbox
from calledit.notify.messages import Message
from calledit.notify.outbox import Delivery

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
DELIVERY_HEADER = "X-CalledIt-Delivery"
EVENT_HEADER = "X-CalledIt-Event"
MAX_CHAT_CHARS = 1900  # Discord allows 2,000


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, channel_fault: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.channel_fault = channel_fault


class Sender(Protocol):
    async def send(self, delivery: Delivery, message: Message) -> None: ...


Push = Callable[[str, AnyServerEvent], Awaitable[int]]


class InAppSender:
    """Adds the notification under the bell (once: its id is the event's key) and pushes it to open tabs."""

    def __init__(self, inbox: Inbox, push: Push | None = None) -> None:
        self.inbox = inbox
        self.push = push

    async def send(self, delivery: Delivery, message: Message) -> None:
        event = delivery.event
        notification = InAppNotification(id=event.id, kind=event.kind, call_id=event.call_id, title=message.subject,
                                         body=message.summary, created_at=event.created_at)
        added = await asyncio.to_thread(self.inbox.add, event.owner, notification)
        if added and self.push is not None:
            unread = await asyncio.to_thread(self.inbox.unread, event.owner)
            try:
                await self.push(event.owner, NotificationEvent(notification=notification, unread=unread))
            except Exception as exc:  # the row is the truth: a tab that missed the push sees it on its next read
                log.info("owner=<%s>, error=<%s> | could not push the notification live", event.owner, exc)


# --- email ------------------------------------------------------------------------------------------


def email_message(settings: Settings, delivery: Delivery, message: Message) -> EmailMessage:
    """Plain text and HTML alternatives; the Message-ID is derived from the delivery's key, so a resent
    duplicate can be recognised as one."""
    sender = settings.email_from or ""
    domain = sender.rpartition("@")[2] or "calledit.invalid"
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = sender
    mail["To"] = delivery.address or ""
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = f"<{hashlib.sha256(delivery.key.encode()).hexdigest()[:40]}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail[DELIVERY_HEADER] = delivery.key
    mail.set_content(message.text())
    mail.add_alternative(message.html(), subtype="html")
    return mail


class SmtpSender:
    """Email over SMTP: CALLEDIT_SMTP_HOST, _PORT, _TLS (starttls | ssl | none), _USERNAME, _PASSWORD."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def port(self) -> int:
        tls = self.settings.smtp_tls
        return self.settings.smtp_port or (465 if tls == "ssl" else 587 if tls == "starttls" else 25)

    async def send(self, delivery: Delivery, message: Message) -> None:
        if not delivery.address:
            raise DeliveryError("no email address is set up", permanent=True)
        mail = email_message(self.settings, delivery, message)
        await asyncio.to_thread(self._send, mail)

    def _send(self, mail: EmailMessage) -> None:
        s = self.settings
        assert s.smtp_host is not None
        context = ssl.create_default_context(cafile=str(s.smtp_ca_file) if s.smtp_ca_file else None)
        try:
            smtp: smtplib.SMTP
            if s.smtp_tls == "ssl":
                smtp = smtplib.SMTP_SSL(s.smtp_host, self.port, timeout=s.smtp_timeout_seconds, context=context)
            else:
                smtp = smtplib.SMTP(s.smtp_host, self.port, timeout=s.smtp_timeout_seconds)
            with smtp:
                smtp.ehlo()
                if s.smtp_tls == "starttls":
                    smtp.starttls(context=context)
                    smtp.ehlo()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value() if s.smtp_password else "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(f"the mail server refused the address ({codes[0] if codes else '?'})",
                                permanent=all(code >= 500 for code in codes)) from None
        except smtplib.SMTPAuthenticationError:
            raise DeliveryError("the mail server refused CALLEDIT_SMTP_USERNAME/PASSWORD",
                                channel_fault=False) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"the mail server answered {exc.smtp_code}", permanent=exc.smtp_code >= 500,
                                channel_fault=False) from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS failed, disconnected
            raise DeliveryError(f"could not reach the mail server ({type(exc).__name__})",
                                channel_fault=False) from None


class SesSender:
    """Email through Amazon SES (v2 API, raw MIME: the same message SMTP sends), with the function's role."""

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._client = client

    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("sesv2")
        return self._client

    async def send(self, delivery: Delivery, message: Message) -> None:
        if not delivery.address:
            raise DeliveryError("no email address is set up", permanent=True)
        mail = email_message(self.settings, delivery, message)
        await asyncio.to_thread(self._send, mail, delivery.address)

    def _send(self, mail: EmailMessage, address: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client().send_email(FromEmailAddress=self.settings.email_from,
                                     Destination={"ToAddresses": [address]},
                                     Content={"Raw": {"Data": mail.as_bytes()}})
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code == "MessageRejected":
                raise DeliveryError("SES rejected the message", permanent=True) from None
            raise DeliveryError(f"SES failed ({code})", channel_fault=False) from None
        except BotoCoreError as exc:
            raise DeliveryError(f"could not reach SES ({type(exc).__name__})", channel_fault=False) from None


# --- webhooks ---------------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    """GitHub's scheme: `sha256=` + hex HMAC-SHA256 of the raw body, keyed with the shared secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webhook_body(delivery: Delivery, message: Message) -> dict[str, Any]:
    """The POST body in the channel's format."""
    event = delivery.event
    if delivery.format == "slack":
        text = f"*{_slack_escape(message.subject)}*\n{_slack_escape(message.summary)}"
        if message.link:
            text += f"\n<{message.link}|Open the call>"
        return {"text": text[:MAX_CHAT_CHARS]}
    if delivery.format == "discord":
        text = f"**{message.subject}**\n{message.summary}" + (f"\n{message.link}" if message.link else "")
        # No @everyone or role pings from a statement's words.
        return {"content": text[:MAX_CHAT_CHARS], "username": "CalledIt", "allowed_mentions": {"parse": []}}
    return {"id": delivery.key, "event": event.kind.value, "call_id": event.call_id, "title": message.subject,
            "text": message.summary, "link": message.link, "created_at": event.created_at.isoformat(),
            "data": event.payload}


def public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


Resolve = Callable[[str, int], list[str]]


def system_resolve(host: str, port: int) -> list[str]:
    return list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)))


class WebhookSender:
    """POSTs to the owner's URL, connecting only to the address its host was checked at (public only, unless
    CALLEDIT_WEBHOOK_ALLOW_PRIVATE): no redirects, no second DNS lookup (rebinding)."""

    def __init__(self, settings: Settings, resolve: Resolve = system_resolve,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.resolve = resolve
        self.transport = transport

    async def send(self, delivery: Delivery, message: Message) -> None:
        if not delivery.address:
            raise DeliveryError("no webhook URL is set up", permanent=True)
        body = json.dumps(webhook_body(delivery, message), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": f"CalledIt-Webhook/{__version__}",
                   EVENT_HEADER: delivery.event.kind.value, DELIVERY_HEADER: delivery.key}
        if delivery.secret:
            headers[SIGNATURE_HEADER] = sign(delivery.secret, body)
        url, extensions = await self._pin(delivery.address, headers)
        try:
            async with httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds, follow_redirects=False,
                                         trust_env=False, transport=self.transport) as client:
                response = await client.post(url, content=body, headers=headers, extensions=extensions)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"could not reach the webhook ({type(exc).__name__})") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        retry = status in (408, 425, 429) or status >= 500
        raise DeliveryError(f"the webhook answered {status}", permanent=not retry)

    async def _pin(self, target: str, headers: dict[str, str]) -> tuple[httpx.URL, dict[str, Any]]:
        try:
            url = httpx.URL(target)
        except httpx.InvalidURL:
            raise DeliveryError("the webhook URL is not a URL", permanent=True) from None
        if url.scheme not in ("http", "https") or not url.host:
            raise DeliveryError("the webhook URL must be http(s)://", permanent=True)
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = await asyncio.wait_for(asyncio.to_thread(self.resolve, url.host, port),
                                               self.settings.webhook_timeout_seconds)
        except (OSError, TimeoutError, ValueError):
            raise DeliveryError(f"cannot resolve {url.host}") from None
        parsed = [ipaddress.ip_address(a) for a in addresses]
        if not parsed or not (self.settings.webhook_allow_private or all(public_address(a) for a in parsed)):
            raise DeliveryError(f"refusing to call {url.host}: it is not a public address", permanent=True)
        first = parsed[0]
        headers["Host"] = url.netloc.decode("ascii")
        pinned = url.copy_with(host=str(first))
        return pinned, {"sni_hostname": url.host} if url.scheme == "https" else {}


def check_webhook_url(settings: Settings, url: str, resolve: Resolve = system_resolve) -> str | None:
    """Why `url` cannot be a webhook (a message for the user), or None when it can."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "That is not a URL: write it as https://example.com/hook."
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "The webhook URL must start with https:// (or http://)."
    if settings.webhook_allow_private:
        return None
    try:
        addresses = [ipaddress.ip_address(a) for a in resolve(parsed.host, parsed.port or 443)]
    except (OSError, ValueError):
        return f"{parsed.host} does not resolve: check the address."
    if not addresses or not all(public_address(a) for a in addresses):
        return f"{parsed.host} is not a public address: webhooks go to the internet only."
    return None


def build_senders(settings: Settings, inbox: Inbox, push: Push | None) -> dict[Channel, Sender]:
    """The channels this server can deliver on: the bell always, email when configured, webhooks always."""
    senders: dict[Channel, Sender] = {Channel.INAPP: InAppSender(inbox, push), Channel.WEBHOOK: WebhookSender(settings)}
    if email_available(settings):
        senders[Channel.EMAIL] = SesSender(settings) if settings.email == "ses" else SmtpSender(settings)
    return senders


def email_available(settings: Settings) -> bool:
    return bool(settings.email_from) and (settings.email == "ses" or bool(settings.smtp_host))
