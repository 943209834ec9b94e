"""The floor for bench_list.py: a bare Flask route that runs the measure list's SQL with SQLAlchemy Core.

No ORM, no marshmallow, no token: what serving the same rows as JSON costs at the least.
"""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from kfflow.db import make_engine
from kfflow.models import Body, Measure, User

engine = make_engine(os.environ["KFFLOW_DATABASE_URL"])
measure, body = Measure.__table__, Body.__table__
owner, proposer = aliased(User.__table__), aliased(User.__table__)
app = Flask(__name__)


@app.get("/floor/measures")
def measures():
    state = request.args.get("state")
    limit, offset = int(request.args.get("limit", 50)), int(request.args.get("offset", 0))
    where = [measure.c.state == state] if state else []
    page = (select(measure, owner.c.username.label("owner_username"), owner.c.display_name.label("owner_name"),
                   proposer.c.username.label("proposer_username"),
                   proposer.c.display_name.label("proposer_name"), body.c.name.label("body_name"))
            .outerjoin(owner, owner.c.id == measure.c.owner_id)
            .outerjoin(proposer, proposer.c.id == measure.c.proposer_id)
            .outerjoin(body, body.c.id == measure.c.owner_body_id)
            .where(*where).order_by(measure.c.id).limit(limit).offset(offset))
    with engine.connect() as conn:
        total = conn.scalar(select(func.count(measure.c.id)).where(*where))
        items = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row._mapping.items()}
                 for row in conn.execute(page)]
    return jsonify({"items": items, "total": total})
