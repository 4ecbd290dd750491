"""What the outbox needs of an SMS gateway: send one message, or say how the send failed.

The implementations (Twilio, the console) live at the edge, in `service/sms/gateway.py`.
"""
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


class SendError(Exception):
    """A send that failed; `retryable` says whether trying again may help, `ambiguous` that it may have gone."""

    def __init__(self, code: str, message: str, retryable: bool, ambiguous: bool = False):
        super().__init__(message)
        self.code, self.message, self.retryable, self.ambiguous = code, message, retryable, ambiguous


class SmsGateway(Protocol):
    def send(self, to: str, body: str, status_callback: str | None) -> SendResult: ...
