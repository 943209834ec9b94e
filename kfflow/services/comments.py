"""Comments on measures and recommendations: any signed-in user may add one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kfflow.db import utcnow, write_transaction
from kfflow.errors import ValidationError
from kfflow.models import Comment
from kfflow.services._common import case_ref, load_actor, load_case
from kfflow.workflow.attributes import COMMENT
from kfflow.workflow.fields import parse_fields

COMMENT_FIELDS = COMMENT.fields()


def add_comment(session: Session, actor, case, body: str, *, now: datetime | None = None) -> Comment:
    kind, case_id = case_ref(case)
    with write_transaction(session):
        actor = load_actor(session, actor)
        load_case(session, kind, case_id, for_write=False)
        values, errors = parse_fields(session, COMMENT_FIELDS, {"body": body}, Comment)
        if errors:
            raise ValidationError("Kommentaren kunde inte sparas.", errors)
        comment = Comment(case_kind=kind, case_id=case_id, author_id=actor.id, body=values["body"],
                          at=now or utcnow())
        session.add(comment)
    return comment


def comments_on(session: Session, case) -> list[Comment]:
    kind, case_id = case_ref(case)
    return list(session.scalars(select(Comment).where(Comment.case_kind == kind, Comment.case_id == case_id)
                                .order_by(Comment.id)))
