"""Work spread over machines: with `BROKER_URL` set, archive PDFs are rendered and the scheduled jobs named in
`BROKER_JOBS` (the outbox drain by default) run as Dramatiq tasks on Redis, on every worker host that runs
`dramatiq worker` (docs/operations.md, "Worker hosts"). Without it, a pool of processes beside the web process
renders and the scheduler process runs every job itself, as on one small server.

Messages on Redis are plain JSON that anyone who can write to Redis could forge: every message's arguments (and
every rendered result) are sealed with a key derived from SECRET_KEY (Fernet: encrypted and authenticated), so a
worker acts only on what this service sent, Redis and the workers' logs never hold a name or a phone number, and
a message that does not open is refused without a retry.
"""
import base64
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.rate_limits import ConcurrentRateLimiter
from dramatiq.rate_limits.backends import RedisBackend as RedisLimits
from dramatiq.results import Results
from dramatiq.results.backends import RedisBackend as RedisResults

from cryptography.fernet import Fernet, InvalidToken

from .pdf import PdfRenderer, PdfUnavailable, batches, renderer_for


class ForgedMessage(Exception):
    """A task message this service did not seal (or sealed too long ago): refused, never retried."""


class Seal:
    """Seals task arguments and results with a key derived from SECRET_KEY, so that only hosts holding it can
    make or read them."""

    def __init__(self, secret_key: str, max_age_seconds: float):
        digest = hashlib.sha256(b"water-task-queue:" + secret_key.encode()).digest()
        self.fernet, self.max_age = Fernet(base64.urlsafe_b64encode(digest)), int(max_age_seconds)

    def close(self, value) -> str:
        return self.fernet.encrypt(json.dumps(value).encode()).decode("ascii")

    def open(self, sealed) -> object:
        if not isinstance(sealed, str):
            raise ForgedMessage("a task argument that is not a sealed string")
        try:
            return json.loads(self.fernet.decrypt(sealed.encode("ascii"), ttl=self.max_age))
        except (InvalidToken, UnicodeEncodeError, ValueError):
            raise ForgedMessage("a task message this service did not seal (or one too old)") from None


class MessagesNamedNotEchoed(logging.Filter):
    """Dramatiq's worker logs a message it receives, refuses or skips with its arguments (`render_pdfs('<a
    href=…>')`), and an actor the arguments it was called with: a forged message's are whatever its author chose (a
    log line of its own, a megabyte, a name). The worker's log names a message by its actor and id only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.args, tuple):
            return True
        if record.name.startswith("dramatiq."):
            record.args = tuple(f"{arg.actor_name}[{arg.message_id}]"
                                if isinstance(arg, (dramatiq.Message, dramatiq.MessageProxy)) else arg
                                for arg in record.args)
        elif "args=" in str(record.msg):  # an actor's own logger: "Received args=%r kwargs=%r."
            record.args = tuple("…" for _ in record.args)
        return True


_MESSAGES_NAMED = MessagesNamedNotEchoed()


class TaskQueue:
    """The app's broker, its result store and its actors (declared once per queue, bound to this app)."""

    def __init__(self, app, url: str):
        namespace = app.config["BROKER_NAMESPACE"]
        self.app = app
        self.broker = RedisBroker(url=url, namespace=namespace)
        self.results = RedisResults(url=url, namespace=f"{namespace}-results")
        self.broker.add_middleware(Results(backend=self.results))
        self.limits = RedisLimits(url=url)
        self.namespace = namespace
        self.result_timeout_ms = int(app.config["BROKER_RESULT_TIMEOUT_SECONDS"] * 1000)
        self.jobs = frozenset(name.strip() for name in app.config["BROKER_JOBS"].split(",") if name.strip())
        self.seal = Seal(app.config["SECRET_KEY"], app.config["BROKER_RESULT_TIMEOUT_SECONDS"] + 60)
        self._actors: dict[str, dramatiq.Actor] = {}
        self._lock = threading.Lock()
        self._renderers = threading.local()  # one per worker thread: nothing says WeasyPrint's may be shared
        logging.getLogger("dramatiq.worker.WorkerThread").addFilter(_MESSAGES_NAMED)  # once: the same filter
        # A batch nobody waits for any more (its archive timed out and will be asked again) is dropped, not
        # rendered; a host without a Chinese font fails at once, without retries.
        self.declare("render_pdfs", self._render_pdfs, queue_name="pdf", store_results=True, max_retries=2,
                     time_limit=self.result_timeout_ms, max_age=self.result_timeout_ms,
                     result_ttl=self.result_timeout_ms, throws=(PdfUnavailable, ForgedMessage))

    def declare(self, name: str, work: Callable, **options) -> dramatiq.Actor:
        """The actor `name` running `work` on the worker hosts (declared on first call, the same one after)."""
        with self._lock:
            if name not in self._actors:
                self._actors[name] = dramatiq.actor(work, broker=self.broker, actor_name=name, **options)
                self._actors[name].logger.addFilter(_MESSAGES_NAMED)
            return self._actors[name]

    def actor(self, name: str) -> dramatiq.Actor:
        return self._actors[name]

    def one_at_a_time(self, key: str, seconds: float) -> ConcurrentRateLimiter:
        """A lock across every worker host (held at most `seconds`): the outbox keeps its rate limit only if one
        drain runs at a time."""
        return ConcurrentRateLimiter(self.limits, f"{self.namespace}:{key}", limit=1, ttl=int(seconds * 1000))

    def renderer(self) -> PdfRenderer:
        """This thread's renderer (PdfUnavailable without a Chinese font)."""
        if not hasattr(self._renderers, "renderer"):
            shared = renderer_for(self.app)
            self._renderers.renderer = PdfRenderer(shared.static_dir, shared.family)
        return self._renderers.renderer

    def _render_pdfs(self, sealed: str) -> str:
        pages = self.seal.open(sealed)
        if not isinstance(pages, list) or not all(isinstance(html, str) for html in pages):
            raise ForgedMessage("render_pdfs takes a list of documents")
        renderer = self.renderer()
        return self.seal.close([base64.b64encode(renderer.render(html)).decode("ascii") for html in pages])

    def render_many(self, pages: Iterable[str]) -> Iterator[bytes]:
        """Each HTML document of `pages` as PDF, in order, rendered by the worker hosts a batch a task (each batch
        sent as soon as it is made, sealed)."""
        actor = self.actor("render_pdfs")
        messages = [actor.send(self.seal.close(batch)) for batch in batches(pages)]
        for message in messages:
            sealed = message.get_result(backend=self.results, block=True, timeout=self.result_timeout_ms)
            for encoded in self.seal.open(sealed):
                yield base64.b64decode(encoded)


def task_queue(app) -> TaskQueue | None:
    """The app's task queue when a broker is configured (built on first use), else None."""
    url = app.config.get("BROKER_URL")
    if not url:
        return None
    queue = app.extensions.get("task_queue")
    if queue is None:
        queue = app.extensions["task_queue"] = TaskQueue(app, url)
    return queue
