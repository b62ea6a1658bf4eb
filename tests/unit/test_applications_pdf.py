"""The PDF check decides by content. Also home of `make_pdf`, the builder of real PDF files the applications tests
upload (uncompressed, so that a marker string sits in the file's bytes)."""

from __future__ import annotations

import zlib

import pytest
from recruiting_applications.adapters.pdf import NotAPdf, UnreadablePdf, inspect_pdf


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(data: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"


def make_pdf(marker: str = "hello", *, size: int = 0, contents: bytes | None = None, annotations: bytes | None = None) -> bytes:
    """A one-page PDF showing `marker`; `size` pads it (with an unreferenced stream) to about that many bytes."""
    text = contents if contents is not None else _stream(f"BT /F1 12 Tf 72 720 Td ({marker}) Tj ET".encode())
    extra_objects = [annotations] if annotations is not None else []
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        + (b"/Annots 6 0 R " if annotations is not None else b"")
        + b"/Resources << /Font << /F1 5 0 R >> >> >>",
        text,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra_objects,
    ]
    pdf = _assemble(objects)
    if size > len(pdf):
        padding = bytes((i * 7 + 13) % 251 for i in range(size - len(pdf) - 64))
        pdf = _assemble([*objects, _stream(padding)])
    return pdf


def deeply_nested_pdf(depth: int = 50_000) -> bytes:
    return make_pdf(annotations=b"[" * depth + b"]" * depth)


def nested_page_tree_pdf(depth: int = 5_000) -> bytes:
    """Page tree nodes that each hold the next one: a classic stack-exhaustion shape."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = level + 2
        objects.append(f"<< /Type /Pages /Kids [{number + 1} 0 R] /Count 1 >>".encode())
    objects.append(f"<< /Type /Page /Parent {depth + 1} 0 R /MediaBox [0 0 612 792] >>".encode())
    return _assemble(objects)


def bomb_pdf() -> bytes:
    """Page contents that inflate from about 0.1 MB to 100 MB, beyond pypdf's 75 MB limit."""
    compressed = zlib.compress(b"\0" * (100 * 1024 * 1024), 9)
    return make_pdf(contents=_stream(compressed, "/Filter /FlateDecode "))


def test_a_real_pdf_passes_with_its_page_count():
    assert inspect_pdf(make_pdf("marker")).page_count == 1


def test_the_name_does_not_matter_the_bytes_do():
    executable = b"MZ\x90\x00" + b"\0" * 4000
    with pytest.raises(NotAPdf):
        inspect_pdf(executable)


def test_a_truncated_pdf_is_unreadable():
    pdf = make_pdf("marker", size=20_000)
    with pytest.raises(UnreadablePdf):
        inspect_pdf(pdf[: len(pdf) // 2])


def test_only_a_header_is_not_enough():
    with pytest.raises(UnreadablePdf):
        inspect_pdf(b"%PDF-1.7\n%%EOF\n")


@pytest.mark.parametrize("build", [deeply_nested_pdf, nested_page_tree_pdf, bomb_pdf])
def test_hostile_structures_are_refused_not_crashing(build):
    with pytest.raises(UnreadablePdf):
        inspect_pdf(build())
