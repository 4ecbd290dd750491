"""Sending one SMS: the Twilio and console implementations of the domain's gateway interface.

The client never retries by itself (docs/operations.md, "What our libraries do"); the outbox decides, from the
kind of failure: retryable (429, 5xx, no connection: it was not sent), permanent (an invalid or unsubscribed
number: trying again will not help), or ambiguous (a timeout after the request went out: it may have been sent).
"""
import logging
import uuid

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .domain.gateway import SendError, SendResult, SmsGateway

log = logging.getLogger(__name__)


class ConsoleGateway:
    """The development gateway: reports the message sent and logs that it was, without the number or the text
    (logs leave the service: its SMS inbox shows what was sent)."""

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        sid = f"console-{uuid.uuid4().hex}"
        log.info("SMS %s (console gateway): %d characters to a number ending %s", sid, len(body), to[-2:])
        return SendResult(sid, "sent")


class TwilioGateway:
    """Twilio's Messages API through the official client."""

    def __init__(self, account_sid: str, auth_token: str, from_number: str | None, messaging_service_sid: str | None,
                 api_base_url: str | None = None, timeout: float = 10):
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base_url:
            self.client.api.base_url = api_base_url.rstrip("/")
        self.sender = {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else \
            {"from_": from_number}

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **self.sender, **extra)
        except TwilioRestException as exc:
            retryable = exc.status == 429 or exc.status >= 500
            raise SendError(str(exc.code or exc.status), exc.msg or str(exc), retryable) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise SendError("connect_timeout", str(exc), True) from None
        except requests.exceptions.Timeout as exc:
            raise SendError("timeout", str(exc), True, ambiguous=True) from None
        except requests.exceptions.ConnectionError as exc:
            raise SendError("connection", str(exc), True) from None
        return SendResult(message.sid, message.status)


def build_gateway(config) -> SmsGateway:
    """Twilio when credentials are set, the console otherwise (so `make run` needs no account)."""
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        return TwilioGateway(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                             config.get("TWILIO_FROM_NUMBER"), config.get("TWILIO_MESSAGING_SERVICE_SID"),
                             config.get("TWILIO_API_BASE_URL"), config["SMS_SEND_TIMEOUT_SECONDS"])
    return ConsoleGateway()
