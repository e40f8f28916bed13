"""Tagged PDF (PDF/UA-1) from our own HTML with WeasyPrint, never fetching anything over the network."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def offline_fetcher() -> Any:
    """WeasyPrint's fetcher limited to inline ``data:`` resources (the bilan's charts): any other
    address (http, file…) is refused, the resource left out with a warning in the log, so nothing in a
    document can make the server read a file or a URL while laying it out. WeasyPrint ≥ 70 requires a
    ``URLFetcher`` instance (a plain function breaks its error handling)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while WeasyPrint lays the document out, then one
    collection of the young generation. A render allocates some 10⁶ objects (boxes, styles, text
    layouts) and keeps most of them until the end: the collector, run every 700 allocations, went
    through them again and again (four full collections of the whole process heap, a third of the
    render's CPU time on the bench's bilan). Paused, every object allocated meanwhile stays in the
    young generation, and one collection of that generation frees the render's reference cycles
    (about 2·10⁵ objects) without going through the rest of the process's heap."""
    if not gc.isenabled():  # the caller manages the collector
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def write_pdf(html: str, **options: Any) -> bytes:
    """Our own HTML laid out as a PDF with WeasyPrint's ``options``, the collector paused, every
    resource outside the document refused (:func:`offline_fetcher`)."""
    with collector_paused():
        from weasyprint import HTML

        return HTML(string=html, url_fetcher=offline_fetcher(), base_url="/").write_pdf(**options)  # type: ignore[no-any-return]


def render_tagged_pdf(html: str) -> bytes:
    return write_pdf(html, pdf_variant="pdf/ua-1", custom_metadata=True, pdf_tags=True)
