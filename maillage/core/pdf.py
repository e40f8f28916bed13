"""Tagged PDF (PDF/UA-1) from our own HTML with WeasyPrint, never fetching anything over the network."""

from __future__ import annotations

import gc
from collections.abc import Iterator
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


def render_tagged_pdf(html: str) -> bytes:
    with collector_paused():
        from weasyprint import HTML

        return HTML(string=html, url_fetcher=refuse_fetch, base_url="/").write_pdf(  # type: ignore[no-any-return]
            pdf_variant="pdf/ua-1", custom_metadata=True, pdf_tags=True
        )
