"""Is this upload a PDF? Decided by the content: the magic bytes, an end-of-file marker, and a full parse of the
document structure with pypdf (whose decompression limits defuse bomb-like streams). The name and the declared
type of the upload are ignored. CPU-bound: call it off the event loop."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAGIC = b"%PDF-"
EOF_MARKER = b"%%EOF"
MAX_PAGES = 500

logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its messages can quote document content


class NotAPdf(Exception):
    """The bytes are not a PDF at all (415)."""


class UnreadablePdf(Exception):
    """It claims to be a PDF but cannot be read: truncated, damaged, too deep, too many pages (422)."""


@dataclass(frozen=True)
class PdfFacts:
    page_count: int


def inspect_pdf(content: bytes) -> PdfFacts:
    if not content.startswith(MAGIC):
        raise NotAPdf("not a PDF")
    if EOF_MARKER not in content[-2048:]:
        raise UnreadablePdf("the document is truncated")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise UnreadablePdf("password-protected documents cannot be read by the company")
        page_count = len(reader.pages)
        if page_count == 0:
            raise UnreadablePdf("the document has no pages")
        if page_count > MAX_PAGES:
            raise UnreadablePdf(f"the document has more than {MAX_PAGES} pages")
        for page in reader.pages:
            _read_page(page)
    except UnreadablePdf:
        raise
    except (PyPdfError, RecursionError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            OverflowError, MemoryError, AssertionError) as exc:
        raise UnreadablePdf(f"the document could not be parsed ({type(exc).__name__})") from None
    return PdfFacts(page_count=page_count)


def _read_page(page) -> None:
    """Resolve what a viewer needs first: the page's box, its resources and its decompressed contents (pypdf's
    limits stop a content stream that inflates beyond reason)."""
    page.mediabox  # noqa: B018 - resolving the box walks the page's inherited attributes
    for key in ("/Resources", "/Annots"):
        value = page.get(key)
        if value is not None:
            value.get_object()
    contents = page.get_contents()
    if contents is not None:
        contents.get_data()
