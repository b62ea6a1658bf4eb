"""Streaming multipart/form-data: the request body is parsed as it arrives, and the limits (number of files, size
of each file, size of the text fields) are enforced while reading, so an oversized upload is refused before it is
held in memory in full."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParseError, MultipartParser, MultipartState, parse_options_header
from recruiting_shared.problems import Problem

MAX_FIELD_BYTES = 16 * 1024
MAX_FIELDS = 20
# After a refusal the rest of the body is read and dropped up to this much, so the client sees the answer.
DRAIN_LIMIT = 64 * 1024 * 1024


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class MalformedUpload(Problem):
    status, slug, title = 400, "malformed-multipart", "Malformed multipart body"


@dataclass
class UploadedFile:
    filename: str
    content: bytes


@dataclass
class UploadedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _FormCollector:
    def __init__(self, file_field: str, max_files: int, max_file_bytes: int) -> None:
        self.file_field = file_field
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self.form = UploadedForm()
        self.part = _Part()
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, bytes] = {}
        self.parts_seen = 0

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": lambda data, start, end: self.header_field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self.header_value.extend(data[start:end]),
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.parts_seen += 1
        if self.parts_seen > MAX_FIELDS + self.max_files:
            raise PayloadTooLarge("The form has too many parts.")
        self.part = _Part()
        self.headers = {}

    def on_header_end(self) -> None:
        self.headers[bytes(self.header_field).decode("latin-1").strip().lower()] = bytes(self.header_value)
        self.header_field.clear()
        self.header_value.clear()

    def on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self.headers.get("content-disposition", b""))
        if disposition != b"form-data" or b"name" not in options:
            raise MalformedUpload("Each part needs a Content-Disposition of form-data with a name.")
        self.part.name = options[b"name"].decode("utf-8", errors="replace")
        if b"filename" in options:
            self.part.filename = options[b"filename"].decode("utf-8", errors="replace")[:255]
            if self.part.name == self.file_field and len(self.form.files) >= self.max_files:
                raise PayloadTooLarge(f"At most {self.max_files} documents can be uploaded.",
                                      slug="too-many-documents", title="Too many documents")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        limit = self.max_file_bytes if self.part.filename is not None else MAX_FIELD_BYTES
        if len(self.part.data) + (end - start) > limit:
            if self.part.filename is not None:
                raise PayloadTooLarge(f"A document may have at most {self.max_file_bytes} bytes.",
                                      slug="document-too-large", title="Document too large")
            raise PayloadTooLarge("A form field is too long.")
        self.part.data.extend(data[start:end])

    def on_part_end(self) -> None:
        if self.part.filename is not None:
            if not self.part.filename and not self.part.data:
                return  # a browser's empty file input: no file chosen
            if self.part.name == self.file_field:
                self.form.files.append(UploadedFile(self.part.filename, bytes(self.part.data)))
            return  # files under any other name are dropped unread
        try:
            value = self.part.data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedUpload("Form fields must be UTF-8 text.") from None
        self.form.fields[self.part.name] = value


def multipart_boundary(content_type: str | None) -> bytes:
    media_type, options = parse_options_header(content_type or "")
    if media_type != b"multipart/form-data":
        raise UnsupportedMediaType("The application must be sent as multipart/form-data.")
    boundary = options.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise MalformedUpload("The multipart body has no valid boundary.")
    return boundary


async def read_form(content_type: str | None, body: AsyncIterator[bytes], *, file_field: str, max_files: int,
                    max_file_bytes: int) -> UploadedForm:
    boundary = multipart_boundary(content_type)
    collector = _FormCollector(file_field, max_files, max_file_bytes)
    parser = MultipartParser(boundary, collector.callbacks())
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except Problem:
        await _drain(body)
        raise
    except MultipartParseError:
        await _drain(body)
        raise MalformedUpload("The multipart body could not be read.") from None
    if not _finished(parser):
        raise MalformedUpload("The multipart body ended before its closing boundary.")
    return collector.form


def _finished(parser: MultipartParser) -> bool:
    # python-multipart accepts a body cut short without complaint; its state tells whether the end was seen.
    return parser.state == MultipartState.END


async def _drain(body: AsyncIterator[bytes]) -> None:
    drained = 0
    try:
        async for chunk in body:
            drained += len(chunk)
            if drained > DRAIN_LIMIT:
                return
    except Exception:
        return
