"""Formal documents: the yttrande, the interim and the final report, rendered from case data.

Only reads models; the services in `kfflow.services.documents` check roles and register what is made.
"""
from __future__ import annotations

from pathlib import Path

DOCUMENTS_FOLDER = "documents"


def documents_dir(instance_path: Path | str) -> Path:
    """Where registered documents are stored: the instance folder's `documents/`."""
    return Path(instance_path) / DOCUMENTS_FOLDER
