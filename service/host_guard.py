"""The first thing every request meets: its Host, compared host and port with the hosts the service answers to.

Werkzeug's own check ignores the port, so `Host: 127.0.0.1:1` passed and was printed into QR codes and archive
links; and a refusal raised while Flask builds its URL adapter left the error page without one (a 500 without
our headers). The guard answers before Flask sees the request: a small Chinese page (or JSON in the language the
API would speak), 400, with the same security headers as every other answer.
"""
import json
from collections.abc import Iterable

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.sansio.utils import host_is_trusted

from .domain.catalogue import Message, render
from .i18n import api_locale
from .security_headers import BASE_HEADERS

DEFAULT_PORTS = {"http": "80", "https": "443"}


def _split(host: str) -> tuple[str, str | None]:
    """`[::1]:5000` → ("[::1]", "5000"); `example.cn` → ("example.cn", None)."""
    if host.startswith("["):
        end = host.find("]")
        name, rest = host[:end + 1], host[end + 1:]
        return name.lower(), rest[1:] if rest.startswith(":") else None
    name, _, port = host.partition(":")
    return name.lower(), port or None


def host_allowed(host: str, scheme: str, trusted: Iterable[str]) -> bool:
    """Whether `host` (a Host header, `name` or `name:port`) is one of `trusted`, host and port alike. An entry
    without a port stands for the scheme's default port (a Host sent without one)."""
    if not host or not host_is_trusted(host):  # characters a host may not have
        return False
    name, port = _split(host)
    port = port or DEFAULT_PORTS.get(scheme)
    for entry in trusted:
        entry_name, entry_port = _split(entry.strip())
        if entry_name == name and (entry_port or DEFAULT_PORTS.get(scheme)) == port:
            return True
    return False


class HostGuard:
    """WSGI middleware: a request whose Host is not trusted gets 400 before the app runs (`trusted()` is read at
    each request, so tests and the live server may add to the setting)."""

    def __init__(self, wsgi_app, trusted, page_locale=lambda: "zh_CN"):
        self.wsgi_app, self.trusted, self.page_locale = wsgi_app, trusted, page_locale

    def __call__(self, environ, start_response):
        hosts = self.trusted()
        scheme = environ.get("wsgi.url_scheme", "http")
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
        if not hosts or host_allowed(host, scheme, hosts):
            return self.wsgi_app(environ, start_response)
        return self.refuse(environ, start_response)

    def refuse(self, environ, start_response):
        accept = environ.get("HTTP_ACCEPT", "")
        if environ.get("PATH_INFO", "").startswith(("/api/", "/healthz", "/sms/")) or "application/json" in accept:
            accepted = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
            message = render(Message("host.untrusted"), api_locale(accepted))
            body = json.dumps({"code": 400, "status": "Bad Request", "message": message},
                              ensure_ascii=False).encode()
            content_type = "application/json"
        else:
            language = self.page_locale()
            say = lambda key: render(Message(key), language)  # noqa: E731
            lang = language.replace("_", "-")
            body = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><meta name="viewport" '
                    f'content="width=device-width, initial-scale=1"><title>{say("error.400_title")}</title>'
                    f"<h1>{say('error.400')}</h1><p>{say('host.untrusted')}</p></html>").encode()
            content_type = "text/html; charset=utf-8"
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store"), *BASE_HEADERS.items()]
        start_response("400 Bad Request", headers)
        return [body]
