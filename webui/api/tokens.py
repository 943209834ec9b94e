"""Bearer tokens: sign in with username and password, sign out by revoking the token."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, request

from kfflow.errors import NotAuthenticated
from kfflow.services.credentials import PasswordDoor, change_password, sign_out_everywhere
from kfflow.services.tokens import issue_token, revoke_token
from webui.api import schemas as s
from webui.api.framework import bearer_token, operation
from webui.db import get_session


@operation("/tokens", "POST", summary="Skapa en API-nyckel", tag="Nycklar", public=True, status=201,
           body=s.TokenRequestSchema(), response=s.TokenSchema(), errors=(401, 403, 429))
def create_token(data):
    """Användarnamn och lösenord ger en API-nyckel som gäller en begränsad tid. Misslyckade försök begränsas.
    Med KFFLOW_LOCAL_LOGIN=0 bara för nödkonton (KFFLOW_BREAK_GLASS_ACCOUNTS); andra skapar namngivna nycklar
    med POST /me/tokens."""
    hours = current_app.config["KFFLOW_API_TOKEN_HOURS"]
    issued = issue_token(get_session(), data["username"], data["password"], lifetime=timedelta(hours=hours),
                         source=request.remote_addr or "?",
                         door=PasswordDoor.from_settings(current_app.config["KFFLOW_SETTINGS"]))
    return {"token": issued.token, "expires": issued.expires}


@operation("/tokens/current", "DELETE", summary="Återkalla den använda API-nyckeln", tag="Nycklar",
           status=204)
def revoke_current_token(user):
    """Nyckeln i Authorization-huvudet slutar gälla direkt."""
    if not revoke_token(get_session(), bearer_token()):
        raise NotAuthenticated("API-nyckeln gäller redan inte.")
    return None


@operation("/tokens", "DELETE", summary="Logga ut överallt", tag="Nycklar", status=204)
def revoke_all_tokens(user):
    """Alla dina API-nycklar (även den använda) och alla dina inloggningar i webbläsare slutar gälla direkt."""
    sign_out_everywhere(get_session(), user)
    return None


@operation("/account/password", "PUT", summary="Byt ditt lösenord", tag="Nycklar", status=204,
           body=s.PasswordChangeSchema(), errors=(429,))
def change_own_password(user, data):
    """Det nuvarande lösenordet krävs (misslyckade försök begränsas som vid inloggning) och det nya ska klara
    lösenordsreglerna. Alla dina API-nycklar, även den använda, och alla inloggningar i webbläsare slutar gälla."""
    change_password(get_session(), user, data["current_password"], data["new_password"],
                    address=request.remote_addr)
    return None
