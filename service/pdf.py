"""HTML to PDF with WeasyPrint: a CJK font or nothing, and no file or URL reachable at all (inline data only).

See docs/operations.md, "What our libraries do": without a CJK family named, Chinese comes out in Japanese
glyphs; the default URL fetcher reads any `file://`; one FontConfiguration and pre-parsed CSS reused across
renders is 3x faster.
"""
import gc
import multiprocessing
import re
import subprocess
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib.resources import files
from itertools import chain, islice
from pathlib import Path

import weasyprint.css
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .domain.errors import DomainError

# Families tried in order; fonts-noto-cjk or fonts-wqy-microhei from Debian provide one.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Source Han Sans SC", "AR PL UMing CN")


class PdfUnavailable(DomainError):
    """No CJK font is installed: printing would give boxes instead of Chinese, so it is refused."""

    status = 503


_found_family: str | None = None  # a font, once found, stays (a missing one is asked for again)


def installed_cjk_family() -> str | None:
    """The first CJK family fontconfig knows, or None. Found once per process: fontconfig may take many seconds to
    build its cache on a busy machine's first call, which is waited for rather than taken for a missing font."""
    global _found_family
    if _found_family is None:
        try:
            listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True,
                                    timeout=FC_LIST_TIMEOUT_S).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
        _found_family = next((family for family in CJK_FAMILIES if family in families), None)
    return _found_family


FC_LIST_TIMEOUT_S = 120  # a cold font cache on a loaded 2-core machine, with room to spare


class InlineOnlyFetcher(URLFetcher):
    """Fetches `data:` URLs and nothing else. Our records carry their pictures and QR codes inline and their
    stylesheet as a string, so no file or address is ever needed; refusing every other URL is the one check that
    no percent-encoding (`static/%2E%2E/…`), symlink or host name in an injected template can get past."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"})

    def fetch(self, url, headers=None):
        if not url.startswith("data:"):
            raise ValueError(f"reports fetch nothing but inline data: {url[:80]}")
        return super().fetch(url, headers)


@cache
def printing_user_agent_sheet() -> CSS:
    """WeasyPrint's HTML stylesheet without the rules that give every element a ::marker and five note
    pseudo-elements. We print no footnotes and lists only in <li>; those six computed styles per table cell were
    most of the styling work of a year's delivery record (a 52-row record: 230 -> 200 ms, the same PDF)."""
    sheet = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8").replace("\n::marker {", "\nli::marker {")
    sheet = re.sub(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}$", "", sheet, flags=re.MULTILINE)
    return CSS(string=sheet, counter_style=CounterStyle())


class PrintedHTML(HTML):
    """An HTML document styled by `printing_user_agent_sheet` instead of WeasyPrint's own (a hook of WeasyPrint
    70, pinned in requirements.txt; tests/test_reports.py checks that it is still called)."""

    def _ua_stylesheets(self, forms=False):
        return [printing_user_agent_sheet()]


class PdfRenderer:
    """One per process: the font configuration and the stylesheet are built once."""

    def __init__(self, static_dir: str, family: str):
        self.static_dir = static_dir
        self.family = family
        self.fonts = FontConfiguration()
        self.fetcher = InlineOnlyFetcher()
        css = (Path(static_dir) / "report.css").read_text().replace("CJK_FAMILY", family)
        self.css = CSS(string=css, font_config=self.fonts, url_fetcher=self.fetcher)

    def render(self, html: str) -> bytes:
        document = PrintedHTML(string=html, base_url=self.static_dir + "/", url_fetcher=self.fetcher)
        return document.write_pdf(stylesheets=[self.css], font_config=self.fonts)


# Records per task of the pool or the task queue: few enough to spread the work evenly, enough to pay each task's
# cost once for several records.
BATCH = 8

_worker_renderer: PdfRenderer | None = None


def _start_worker(static_dir: str, family: str) -> None:
    global _worker_renderer
    _worker_renderer = PdfRenderer(static_dir, family)
    # A process that only renders: WeasyPrint's layout makes millions of short-lived objects, and the cyclic
    # collector scanning the long-lived ones after every 700 of them took a fifth of the time.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _render_batch_in_worker(pages: list[str]) -> list[bytes]:
    return [_worker_renderer.render(html) for html in pages]


def batches(pages: Iterable[str], size: int = BATCH) -> Iterator[list[str]]:
    """`pages` a batch at a time, taken from it only as each batch is asked for."""
    pages = iter(pages)
    while batch := list(islice(pages, size)):
        yield batch


def render_many(renderer: PdfRenderer, pages: Iterable[str], workers: int) -> Iterator[bytes]:
    """Render many HTML documents to PDF on all cores (WeasyPrint is CPU-bound), in batches; yields them in order.
    `pages` may be a generator: each batch goes to the pool as soon as it is made, while the next is being made."""
    pages = iter(pages)
    first = list(islice(pages, BATCH + 1))
    if workers <= 1 or len(first) <= BATCH:  # a few records: not worth starting processes for
        yield from (renderer.render(html) for html in chain(first, pages))
        return
    # "spawn": the archive may be built from a thread, and forking a threaded process is unsafe.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(renderer.static_dir, renderer.family))
    try:
        for rendered in pool.map(_render_batch_in_worker, batches(chain(first, pages))):
            yield from rendered
    finally:  # a failed or abandoned archive does not wait for the batches still queued
        pool.shutdown(wait=True, cancel_futures=True)


def renderer_for(app) -> PdfRenderer:
    """The app's renderer, built on first use; PdfUnavailable with a clear message when no CJK font exists."""
    renderer = app.extensions.get("pdf_renderer")
    if renderer is None:
        family = installed_cjk_family()
        if family is None:
            raise PdfUnavailable("no Chinese (CJK) font is installed: apt-get install fonts-wqy-microhei "
                                 "(or fonts-noto-cjk), then restart")
        renderer = app.extensions["pdf_renderer"] = PdfRenderer(app.static_folder, family)
    return renderer
