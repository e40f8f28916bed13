"""Tagged, accessible PDF (PDF/UA-1) of the bilan with WeasyPrint."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from maillage.roadmaps.reports.data import Report
from maillage.roadmaps.reports.document import build_document
from maillage.roadmaps.reports.html import render_html

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


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


def render_pdf(report: Report, *, base_url: str = "") -> bytes:
    with collector_paused():
        from weasyprint import HTML  # the first import, too, allocates a lot (its stylesheets, cffi)

        html = render_html(build_document(report))
        pdf = HTML(string=html, base_url=base_url or None).write_pdf(
            pdf_variant="pdf/ua-1", uncompressed_pdf=False
        )
    return bytes(pdf or b"")
