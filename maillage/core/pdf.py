"""Tagged PDF (PDF/UA-1) from our own HTML with WeasyPrint, never fetching anything over the network."""

from __future__ import annotations

from typing import Any


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"Ressource externe refusée : {url}")


def render_tagged_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=refuse_fetch, base_url="/").write_pdf(  # type: ignore[no-any-return]
        pdf_variant="pdf/ua-1", custom_metadata=True, pdf_tags=True
    )
