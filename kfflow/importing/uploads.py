"""Read an uploaded spreadsheet (the web upload page) into memory, refusing odd or big files before storing it.

The upload is then kept as a `StoredFile` in the database until its preview is confirmed (see
`kfflow.services.importing.stage_upload`), so any node can confirm a preview another node made. The
confirm step names exactly the bytes that were previewed by their SHA-256. No user-chosen path is ever used.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from kfflow.importing.readers import EXTENSIONS, MAX_FILE_BYTES, ImportFileError

KEEP = timedelta(days=1)  # a preview nobody confirmed within a day is not kept
MEDIA_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".csv": "text/csv"}


def upload_suffix(filename: str) -> str:
    """The file type by its name, or ImportFileError in Swedish when it is not one that can be read."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(f"Filtypen ”{suffix or filename}” kan inte läsas. Spara filen som .xlsx eller .csv.")
    return suffix


def read_upload(stream: BinaryIO) -> bytes:
    """The uploaded bytes, read in blocks and refused as soon as they pass the limit."""
    blocks, size = [], 0
    while block := stream.read(1 << 16):
        size += len(block)
        if size > MAX_FILE_BYTES:
            raise ImportFileError(f"Filen är större än {MAX_FILE_BYTES // 1024 // 1024} MB; dela upp den.")
        blocks.append(block)
    return b"".join(blocks)
