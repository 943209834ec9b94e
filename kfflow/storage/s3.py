"""An S3-compatible object store for the bytes of stored files (AWS S3, MinIO, Ceph RGW, a region's own).

`KFFLOW_STORAGE_URL=s3://[access-key:secret-key@]bucket[/prefix]?endpoint_url=https://s3.example&region=eu-north-1`.
Without keys in the URL, boto3 finds credentials the usual way (its variables, profile, instance role).
Needs the `s3` extra (`pip install kfflow[s3]`, boto3).
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.models import StoredFile


class S3BlobStore:
    name = "s3"

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def key(self, sha256: str) -> str:
        # Content-addressed: a retry, or the same upload twice, writes the same object.
        return f"{self.prefix}sha256/{sha256[:2]}/{sha256}"

    def put(self, session: Session, stored: StoredFile, content: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(stored.sha256), Body=content,
                               ContentType="application/octet-stream")

    def get(self, session: Session, stored: StoredFile) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(stored.sha256))
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def sweep_orphans(self, session: Session, *, before: datetime) -> int:
        referenced = set(session.scalars(select(StoredFile.sha256).where(StoredFile.backend == self.name)))
        removed = 0
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                           Prefix=f"{self.prefix}sha256/"):
            for item in page.get("Contents", ()):
                if item["Key"].rsplit("/", 1)[-1] not in referenced and item["LastModified"] < before:
                    self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                    removed += 1
        return removed


def s3_store_from_url(url: str) -> S3BlobStore:
    import boto3

    parts = urlsplit(url)  # checked by Settings (KFFLOW_STORAGE_URL)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    client = boto3.client(
        "s3", endpoint_url=query.get("endpoint_url"), region_name=query.get("region"),
        aws_access_key_id=unquote(parts.username) if parts.username else None,
        aws_secret_access_key=unquote(parts.password) if parts.password else None)
    return S3BlobStore(client, parts.hostname, parts.path)
