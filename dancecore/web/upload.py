"""One uploaded file from a multipart/form-data request, read into memory as it streams in (never
to disk) and cut off as soon as it is larger than allowed."""
from __future__ import annotations

import re
from dataclasses import dataclass

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect, Request

FORM_SLACK_BYTES = 64 * 1024   # form boundaries, part headers and small extra fields allowed on top of the file
MAX_NAME_CHARS = 80


@dataclass(frozen=True)
class Upload:
    """The file of the form field: `name` is the client's file name without folders (or "upload"),
    `content_type` what the client declared for the part (None if nothing)."""

    name: str
    content_type: str | None
    data: bytes


class UploadProblem(Exception):
    """The request is not a usable upload. kind: "not_form" (not multipart/form-data), "no_file"
    (no field of that name), "too_large" (n_bytes: the declared body or the bytes seen so far),
    "disconnected" (the client went away mid-upload)."""

    def __init__(self, kind: str, message: str = "", n_bytes: int | None = None) -> None:
        super().__init__(message or kind)
        self.kind = kind
        self.n_bytes = n_bytes


def declared_body_bytes(request: Request) -> int | None:
    """The request's Content-Length in bytes, None when absent or malformed (chunked uploads)."""
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def clean_name(raw: str | None) -> str:
    """A client's file name made safe to show: no folders or control characters, at most 80 characters."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", (raw or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if len(name) > MAX_NAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: MAX_NAME_CHARS - len(suffix) - 2] + "…" + dot + suffix) if dot and len(suffix) <= 8 \
            else name[: MAX_NAME_CHARS - 1] + "…"
    return name or "upload"


async def read_upload(request: Request, field: str, max_bytes: int) -> Upload:
    """The first file in form field `field`, at most `max_bytes` long; raises UploadProblem.

    A declared body larger than `max_bytes` plus FORM_SLACK_BYTES is refused before reading any of it;
    otherwise reading stops at the first chunk that goes over."""
    media_type, params = parse_options_header(request.headers.get("content-type", ""))
    if media_type != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadProblem("not_form", f"send the recording as multipart/form-data in a field named {field!r}")
    declared = declared_body_bytes(request)
    if declared is not None and declared > max_bytes + FORM_SLACK_BYTES:
        raise UploadProblem("too_large", n_bytes=declared)
    form = _FormReader(params[b"boundary"], field)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            form.parser.write(chunk)
            if len(form.data) > max_bytes or received > max_bytes + FORM_SLACK_BYTES:
                raise UploadProblem("too_large", n_bytes=max(declared or 0, len(form.data), received))
        form.parser.finalize()
    except ClientDisconnect:
        raise UploadProblem("disconnected", "the upload was interrupted; send the file again") from None
    except MultipartParseError as exc:
        raise UploadProblem("not_form", f"the form data is malformed ({exc}); "
                            "send a multipart/form-data upload") from None
    if not form.found:
        raise UploadProblem("no_file", f"no file in the form: send the recording in a field named {field!r}")
    return Upload(name=clean_name(form.filename), content_type=form.content_type, data=bytes(form.data))


class _FormReader:
    """python-multipart callbacks that keep the first part named `field` and skip the others."""

    def __init__(self, boundary: bytes, field: str) -> None:
        self.field = field.encode()
        self.data = bytearray()
        self.found = False
        self.filename: str | None = None
        self.content_type: str | None = None
        self._headers: dict[bytes, bytes] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._keeping = False
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end})

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._keeping = not self.found and params.get(b"name") == self.field
        if self._keeping:
            self.found = True
            filename = params.get(b"filename")
            self.filename = filename.decode("utf-8", errors="replace") if filename is not None else None
            declared = self._headers.get(b"content-type")
            self.content_type = declared.decode("latin-1").strip() if declared else None

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._keeping:
            self.data += data[start:end]

    def _part_end(self) -> None:
        self._keeping = False
