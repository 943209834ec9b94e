"""The bearer token check every API request makes (kfflow.services.tokens.user_for_api_token) against a floor.

Floor: the check as it was before tokens recorded their last use — one SELECT of the active user of a live
token by its hash (the unique index), the same ORM entity loaded — and nothing else, in the same session.
The check now also reads the token's id and `last_used_at` and, at most every five minutes per token, writes
`last_used_at`. Measured twice: "first use" (every token's first request writes) and "steady" (the same tokens
again within five minutes: no write). Goal: steady within 1.2 × the floor; first use is reported, not judged
(one extra write per token per five minutes).

    .venv/bin/python benchmarks/bench_token_check.py [--tokens 2000] [--database postgresql|sqlite]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from benchmarks._common import DATABASES  # noqa: E402
from kfflow.database import Database  # noqa: E402
from kfflow.models import ApiToken, User  # noqa: E402
from kfflow.security import new_secret_token, secret_hash  # noqa: E402
from kfflow.services._common import bulk_insert  # noqa: E402
from kfflow.services.tokens import user_for_api_token  # noqa: E402

NOW = datetime.now(timezone.utc)


def _seed(db: Database, count: int) -> list[str]:
    """`count` users with one live token each, and as many revoked tokens beside them."""
    tokens = [new_secret_token() for _ in range(count)]
    with db.session() as s, s.begin():
        bulk_insert(s, User.__table__, [{"id": i + 1, "username": f"user{i}", "display_name": f"User {i}",
                                          "role": "contributor", "active": True, "service_account": False,
                                          "created_at": NOW} for i in range(count)])
        expires = NOW + timedelta(days=30)
        live = [{"user_id": i + 1, "token_hash": secret_hash(t), "created_at": NOW, "expires_at": expires,
                 "revoked_at": None, "name": "bench"} for i, t in enumerate(tokens)]
        revoked = [{"user_id": i + 1, "token_hash": secret_hash(new_secret_token()), "created_at": NOW,
                    "expires_at": expires, "revoked_at": NOW, "name": None} for i in range(count)]
        bulk_insert(s, ApiToken.__table__, live + revoked)
    return tokens


def _floor(db: Database, tokens: list[str]) -> float:
    with db.session() as s:
        start = time.perf_counter()
        for token in tokens:
            assert s.scalars(select(User).join(ApiToken, ApiToken.user_id == User.id).where(
                ApiToken.token_hash == secret_hash(token), ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > datetime.now(timezone.utc), User.active.is_(True))).first()
        return time.perf_counter() - start


def _check(db: Database, tokens: list[str]) -> float:
    with db.session() as s:
        start = time.perf_counter()
        for token in tokens:
            assert user_for_api_token(s, token) is not None
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--database", choices=sorted(DATABASES), default="postgresql")
    args = parser.parse_args()
    with DATABASES[args.database]() as url:
        db = Database.connect(url)
        tokens = _seed(db, args.tokens)
        _floor(db, tokens[:100])   # warm the connection pool and the caches alike
        first_use = _check(db, tokens)
        floor_s = steady_s = 0.0
        for _ in range(3):  # alternate, so a warm cache or a busy neighbour favours neither
            floor_s += _floor(db, tokens)
            steady_s += _check(db, tokens)
        db.dispose()
    per_call = 1e3 / args.tokens
    ratio = steady_s / floor_s
    print(json.dumps({"database": args.database, "tokens": args.tokens,
                      "floor_ms_per_request": round(floor_s / 3 * per_call, 3),
                      "steady_ms_per_request": round(steady_s / 3 * per_call, 3),
                      "first_use_ms_per_request": round(first_use * per_call, 3),
                      "steady_over_floor": round(ratio, 3), "goal_ratio": 1.2, "meets_goal": ratio <= 1.2}, indent=2))


if __name__ == "__main__":
    main()
