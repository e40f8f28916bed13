"""Tagged PDF (PDF/UA-1) from our own HTML with WeasyPrint, never fetching anything over the network."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Ressource externe refusée : {url}")


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


def write_pdf(html: str, *, fetcher: Callable[..., dict[str, Any]] = refuse_fetch, **options: Any) -> bytes:
    """Our own HTML laid out as a PDF with WeasyPrint's ``options``, the collector paused, every
    resource outside the document refused by ``fetcher``."""
    with collector_paused():
        from weasyprint import HTML

        return HTML(string=html, url_fetcher=fetcher, base_url="/").write_pdf(**options)  # type: ignore[no-any-return]


def render_tagged_pdf(html: str) -> bytes:
    return write_pdf(html, pdf_variant="pdf/ua-1", custom_metadata=True, pdf_tags=True)
