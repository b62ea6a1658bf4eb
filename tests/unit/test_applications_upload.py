"""The streaming multipart reader: limits while the bytes arrive, and clear refusals of broken bodies."""

from __future__ import annotations

import pytest
from recruiting_applications.adapters.upload import MalformedUpload, PayloadTooLarge, UnsupportedMediaType, read_form

BOUNDARY = "b0undary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def chunks(data: bytes, size: int = 1000):
    for start in range(0, len(data), size):
        yield data[start:start + size]


async def read(data: bytes, content_type: str = CONTENT_TYPE, **limits):
    options = {"file_field": "documents", "max_files": 2, "max_file_bytes": 5000, **limits}
    return await read_form(content_type, chunks(data), **options)


async def test_fields_and_files_arrive_intact_across_chunk_borders():
    document = bytes(range(256)) * 10
    form = await read(body(part("first_name", "Zoë".encode()), part("documents", document, "cv.pdf")))
    assert form.fields == {"first_name": "Zoë"}
    assert [(f.filename, f.content) for f in form.files] == [("cv.pdf", document)]


async def test_a_file_one_byte_over_the_limit_is_refused():
    with pytest.raises(PayloadTooLarge) as refused:
        await read(body(part("documents", b"x" * 5001, "cv.pdf")))
    assert refused.value.slug == "document-too-large"
    await read(body(part("documents", b"x" * 5000, "cv.pdf")))  # exactly the limit is fine


async def test_one_file_too_many_is_refused():
    files = [part("documents", b"x", f"{n}.pdf") for n in range(3)]
    with pytest.raises(PayloadTooLarge) as refused:
        await read(body(*files))
    assert refused.value.slug == "too-many-documents"


async def test_files_under_other_names_are_ignored_and_empty_file_inputs_skipped():
    form = await read(body(part("avatar", b"x" * 100, "me.png"), part("documents", b"", "")))
    assert form.files == []


@pytest.mark.parametrize("data", [
    b"no multipart here",
    f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nunterminated".encode(),
    f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nno name\r\n--{BOUNDARY}--\r\n".encode(),
])
async def test_broken_bodies_are_malformed(data):
    with pytest.raises(MalformedUpload):
        await read(data)


async def test_only_multipart_form_data_is_accepted():
    with pytest.raises(UnsupportedMediaType):
        await read(b"{}", content_type="application/json")
    with pytest.raises(MalformedUpload):
        await read(b"", content_type="multipart/form-data")
