"""The personal calendar feed's URL over the API, as on the notification settings page: made (shown once),
renewed, revoked. The feed itself is GET /kalender/<token>.ics, outside the API (the token is the key)."""
from __future__ import annotations

from kfflow.errors import NotFound
from kfflow.services.calendar import (calendar_feed_expiry, issue_calendar_token, renew_calendar_token,
                                     revoke_calendar_token)
from webui.api import schemas as s
from webui.api.framework import operation
from webui.calendar import feed_lifetime, feed_url
from webui.db import get_session

TAG = "Kalender"


class FeedSchema(s.ResponseSchema):
    expires = s.DateTime(required=True, metadata={"description": "När länken slutar fungera"})


class NewFeedSchema(FeedSchema):
    url = s.Text(required=True, metadata={"description": "Prenumerera på den i Outlook; visas bara nu"})


class RevokedSchema(s.ResponseSchema):
    revoked = s.Integer(required=True, metadata={"description": "Hur många länkar som slutade gälla (0 eller 1)"})


@operation("/calendar-feed", "GET", summary="Din kalenderlänk", tag=TAG, response=FeedSchema(), errors=(404,))
def my_calendar_feed(user):
    """När länken slutar fungera; 404 när du inte har någon (själva länken sparas inte och visas bara när den görs)."""
    expires = calendar_feed_expiry(get_session(), user)
    if expires is None:
        raise NotFound("Du har ingen kalenderlänk.")
    return {"expires": expires}


@operation("/calendar-feed", "POST", summary="Skapa en kalenderlänk", tag=TAG, status=201,
           response=NewFeedSchema())
def issue_calendar_feed(user):
    """En ny länk till dina slutdatum; en tidigare slutar gälla. Länken visas bara i det här svaret."""
    session = get_session()
    url = feed_url(issue_calendar_token(session, user, lifetime=feed_lifetime()))
    return {"url": url, "expires": calendar_feed_expiry(session, user)}


@operation("/calendar-feed/renew", "POST", summary="Förläng kalenderlänken", tag=TAG, response=FeedSchema(),
           errors=(404,))
def renew_calendar_feed(user):
    """Samma länk gäller längre, så att en prenumererad kalender inte behöver ändras; 404 om du inte har någon."""
    return {"expires": renew_calendar_token(get_session(), user, lifetime=feed_lifetime())}


@operation("/calendar-feed", "DELETE", summary="Återkalla kalenderlänken", tag=TAG, response=RevokedSchema())
def revoke_calendar_feed(user):
    """Länken slutar fungera nu."""
    return {"revoked": revoke_calendar_token(get_session(), user)}
