"""Secrecy marking (OSL) over the API: mark a case, a progress report or a registered document, or lift it."""
from __future__ import annotations

from kfflow.services import secrecy
from webui.api import schemas as s
from webui.api.framework import operation
from webui.db import get_session

TAG = "Sekretess"


def _marking(user, subject: str, subject_id: int):
    session = get_session()
    return s.With(None, subject_kind=subject, subject_id=subject_id,
                  **secrecy.subject_ref(session, subject, subject_id),
                  secrecy=secrecy.lens(session, user).marking(subject, subject_id))


@operation("/secrecy", "POST", summary="Sekretessmarkera en uppgift", tag=TAG, body=s.MarkSecrecySchema(),
           response=s.SecrecyMarkingSchema(), errors=(403,))
def mark_secrecy(user, data):
    """Ett ärende (`measure`, `recommendation`, `audit`), en lägesrapport (`progress_report`) eller en
    registrerad handling (`document`) omfattas av sekretess enligt `ground` (ur `secrecy_grounds` i
    workflows/vocabularies.yaml), med motivering. En ny grund ersätter den gamla; båda står i historiken.
    Bara roller med `mark_secrecy` i workflows/roles.yaml."""
    secrecy.mark(get_session(), user, data["subject"], data["subject_id"], ground=data["ground"],
                 reason=data["reason"])
    return _marking(user, data["subject"], data["subject_id"])


@operation("/secrecy/lift", "POST", summary="Ta bort en sekretessmarkering", tag=TAG, body=s.LiftSecrecySchema(),
           response=s.SecrecyMarkingSchema(), errors=(403,))
def lift_secrecy(user, data):
    """Markeringen tas bort med motivering; historiken behåller vilken grund som gällde."""
    secrecy.unmark(get_session(), user, data["subject"], data["subject_id"], reason=data["reason"])
    return _marking(user, data["subject"], data["subject_id"])
