"""Keep an uploaded spreadsheet between "preview" and "confirm" (the web upload page).

The file is stored under its SHA-256, so the confirm step names exactly the bytes that were previewed,
and `import_measures(..., expected_sha256=...)` refuses anything else. No user-chosen path is ever used.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from kfflow.importing.readers import EXTENSIONS, MAX_FILE_BYTES, ImportFileError

_STORED = re.compile(r"^[0-9a-f]{64}\.(xlsx|csv)$")
KEEP_SECONDS = 24 * 3600  # a preview nobody confirmed within a day is not kept


def save_upload(stream: BinaryIO, filename: str, folder: Path) -> tuple[str, Path]:
    """Store the upload as `<sha256><ext>` in `folder`; returns (sha256, path). Refuses big or odd files."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(f"Filtypen ”{suffix or filename}” kan inte läsas. Spara filen som .xlsx eller .csv.")
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while block := stream.read(1 << 16):
                size += len(block)
                if size > MAX_FILE_BYTES:
                    raise ImportFileError(f"Filen är större än {MAX_FILE_BYTES // 1024 // 1024} MB; dela upp den.")
                digest.update(block)
                out.write(block)
        sha = digest.hexdigest()
        path = folder / f"{sha}{suffix}"
        os.replace(tmp, path)
        return sha, path
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stored_upload(folder: Path, stored_name: str) -> Path:
    """The path of a stored upload by its stored name (`<sha256>.xlsx`); anything else is refused."""
    if not _STORED.match(stored_name or "") or not (folder / stored_name).is_file():
        raise ImportFileError("Den uppladdade filen finns inte längre; ladda upp den igen.")
    return folder / stored_name


def prune_uploads(folder: Path, *, now: float | None = None, keep_seconds: int = KEEP_SECONDS) -> int:
    """Remove stored uploads (and left-over partial files) older than `keep_seconds`; returns how many."""
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - keep_seconds
    removed = 0
    for path in folder.iterdir():
        if (_STORED.match(path.name) or path.suffix == ".part") and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
