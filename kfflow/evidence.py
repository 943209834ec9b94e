"""Evidence files (underlag): what an uploaded file must be before it is kept, judged from its bytes.

A file is accepted when its bytes are one of `EVIDENCE_TYPES` and its name's extension names the same type.
The outer type is sniffed by puremagic (magic numbers; pure Python, so no libmagic to install on every node);
docx, xlsx and odt are all zip files, so for those the zip's own structure decides: an Office Open XML file's
`[Content_Types].xml` must declare the main part of a document or a workbook (macro-enabled or template parts
are something else), an OpenDocument text's first member must be the stored `mimetype` naming it. Nothing is
decompressed beyond those two small members, so a zip bomb costs nothing.

Pure checks, no database: `kfflow.services.evidence` stores what passes.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

import puremagic

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
PNG = "image/png"
JPEG = "image/jpeg"
ZIP = "application/zip"

# Media type → the extensions a file of that type may carry.
EVIDENCE_TYPES: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",), DOCX: (".docx",), XLSX: (".xlsx",), ODT: (".odt",), PNG: (".png",), JPEG: (".jpg", ".jpeg")}
EXTENSION_TYPES = {ext: media for media, exts in EVIDENCE_TYPES.items() for ext in exts}
ALLOWED_TEXT = "pdf, docx, xlsx, odt, png eller jpg"

# At most this many files in one progress report or transition.
MAX_FILES = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # the default of KFFLOW_EVIDENCE_MAX_MB
FILENAME_LENGTH = 255

_OOXML_MAIN = {DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
               XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"}
_CONTENT_TYPES_LIMIT = 256 * 1024
_ZIP_FAMILY = {ZIP, DOCX, XLSX, ODT, "application/x-zip-compressed", "application/vnd.oasis.opendocument.text"}


@dataclass(frozen=True)
class Upload:
    """A file a person sent: its name as given and its bytes, read up to one byte past `limit`."""
    filename: str
    content: bytes
    limit: int = DEFAULT_MAX_BYTES

    @classmethod
    def read(cls, stream: BinaryIO, filename: str | None, limit: int = DEFAULT_MAX_BYTES) -> "Upload":
        """Read at most `limit` + 1 bytes, so an oversized file is known as such without holding all of it."""
        blocks, size = [], 0
        while size <= limit and (block := stream.read(min(1 << 16, limit + 1 - size))):
            blocks.append(block)
            size += len(block)
        return cls(filename or "", b"".join(blocks), limit)


@dataclass(frozen=True)
class CheckedFile:
    filename: str     # safe to offer on download (see `safe_filename`)
    media_type: str
    content: bytes


def safe_filename(name: str) -> str:
    """The name as people gave it, without what no download name may hold: folders, control characters
    (a line break becomes a space), leading dots; NFC, at most 255 characters with the extension kept.
    Quotes and any other Unicode stay: the download header encodes them (RFC 6266 / 5987)."""
    name = name.encode("utf-8", "replace").decode("utf-8")  # lone surrogates from a mis-encoded form
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c for c in name)
    name = re.sub(r"\s+", " ", name).strip()
    stem, suffix = _split(name)
    stem = stem.lstrip(". ")  # no hidden file
    if not stem:
        stem = "underlag"
    return stem[:FILENAME_LENGTH - len(suffix)].rstrip() + suffix


def _split(name: str) -> tuple[str, str]:
    """(stem, ".ext"); a name without a short extension has the suffix ""."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not 1 <= len(extension) <= 10 or " " in extension:
        return name, ""
    return stem, "." + extension


def size_text(size: int) -> str:
    """A size as people read it, in Swedish: 980 byte, 12 kB, 1,4 MB, 10 MB."""
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0").replace(".", ",") + " MB"


def sniff(content: bytes) -> str | None:
    """The evidence type the bytes are, or None when they are none of them."""
    try:
        found = {m.mime_type for m in puremagic.magic_string(content[:8192])}
    except puremagic.PureError:
        return None
    for media in (PDF, PNG, JPEG):
        if media in found:
            return media
    if found & _ZIP_FAMILY or content[:4] == b"PK\x03\x04":
        return _zip_type(content)
    return None


def _zip_type(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if members and members[0].filename == "mimetype" and members[0].file_size < 100:
                return ODT if archive.read(members[0]).strip() == ODT.encode() else None
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names:
                return None
            with archive.open("[Content_Types].xml") as stream:
                declared = stream.read(_CONTENT_TYPES_LIMIT).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
        return None
    for media, main in _OOXML_MAIN.items():
        if f'"{main}"' in declared:
            return media
    return None


def check_upload(upload: Upload) -> tuple[CheckedFile | None, str | None]:
    """(the file, None) when it may be kept, else (None, why not in Swedish)."""
    name = safe_filename(upload.filename)
    if not upload.content:
        return None, f"”{name}” är tom."
    if len(upload.content) > upload.limit:
        return None, f"”{name}” är större än {size_text(upload.limit)}."
    media = sniff(upload.content)
    if media is None:
        return None, f"”{name}” är inte en fil av tillåten typ ({ALLOWED_TEXT})."
    extension = _split(name)[1].lower()
    if EXTENSION_TYPES.get(extension) != media:
        return None, (f"”{name}” är en {EVIDENCE_TYPES[media][0][1:]}-fil men heter "
                      f"{extension or 'något utan filändelse'}; filändelsen ska stämma med innehållet.")
    return CheckedFile(name, media, upload.content), None


def check_uploads(uploads: list[Upload]) -> tuple[list[CheckedFile], str | None]:
    """Every file checked; the Swedish message lists each refused file (None when all may be kept)."""
    uploads = [u for u in uploads if u.filename or u.content]  # an empty file input sends no file at all
    if len(uploads) > MAX_FILES:
        return [], f"Högst {MAX_FILES} filer åt gången."
    checked, problems = [], []
    for upload in uploads:
        ok, problem = check_upload(upload)
        if ok is not None:
            checked.append(ok)
        else:
            problems.append(problem)
    return checked, " ".join(problems) or None
