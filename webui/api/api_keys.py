"""Named API tokens over the API: one's own (as on the API-nycklar page) and service accounts' (as under /admin)."""
from __future__ import annotations

from dataclasses import asdict

from flask import current_app

from kfflow.services.api_keys import create_my_key, my_keys, recent_account_events, revoke_my_key
from kfflow.services.service_accounts import (create_service_account, create_service_key, revoke_service_key,
                                              service_account, service_accounts, set_service_account_active)
from webui.api import schemas as s
from webui.api.framework import Answer, operation
from webui.db import get_session

TAG = "Nycklar"
ADMIN_TAG = "Administration"


def max_days() -> int:
    return current_app.config["KFFLOW_SETTINGS"].api_token_max_days


def _new_key(made) -> dict:
    return {**asdict(made.key), "token": made.token}


@operation("/me/tokens", "GET", summary="Dina API-nycklar", tag=TAG, response=s.ApiKeyPageSchema())
def list_my_tokens(user):
    """Nycklar som gäller nu, nyast först. Själva nyckeln visas aldrig igen efter att den skapats."""
    return {"items": my_keys(get_session(), user)}


@operation("/me/tokens", "POST", summary="Skapa en namngiven API-nyckel", tag=TAG, status=201,
           body=s.ApiKeyRequestSchema(), response=s.NewApiKeySchema(), errors=(403,))
def create_my_token(user, data):
    """Kräver inget lösenord (även för dig som loggar in via regionens inloggningstjänst). `token` visas bara i
    detta svar. Ett tjänstekonto får sina nycklar av en administratör."""
    made = create_my_key(get_session(), user, data["name"], data["expires"], max_days=max_days())
    return _new_key(made)


@operation("/me/tokens/<int:token_id>", "DELETE", summary="Återkalla en av dina API-nycklar", tag=TAG, status=204)
def revoke_my_token(user, token_id):
    """Nyckeln slutar gälla vid nästa anrop."""
    revoke_my_key(get_session(), user, token_id)
    return None


@operation("/admin/service-accounts", "GET", summary="Tjänstekonton", tag=ADMIN_TAG,
           response=s.ServiceAccountPageSchema(), errors=(403,))
def list_service_accounts(user):
    """Konton för integrationer: en roll, inget lösenord, ingen inloggning i webbläsare, bara API-nycklar."""
    return {"items": service_accounts(get_session(), user)}


@operation("/admin/service-accounts", "POST", summary="Skapa ett tjänstekonto", tag=ADMIN_TAG, status=201,
           body=s.ServiceAccountRequestSchema(), response=s.ServiceAccountSchema(), errors=(403,),
           headers=("Location",))
def add_service_account(user, data):
    """Samma regler för användarnamn och roll som för en person, men inget lösenord. `Location` är kontots
    nycklar, där det får sin första."""
    account = create_service_account(get_session(), user, username=data["username"], role=data["role"],
                                     display_name=data.get("display_name"))
    return Answer(account, {"Location": f"/api/v1/admin/service-accounts/{account.id}/tokens"})


@operation("/admin/service-accounts/<int:account_id>/active", "PUT", summary="Aktivera eller inaktivera ett "
           "tjänstekonto", tag=ADMIN_TAG, body=s.ActiveSchema(), response=s.ServiceAccountSchema(), errors=(403,))
def set_service_account(user, account_id, data):
    """Båda vägarna slutar alla kontots nycklar att gälla, vid nästa anrop."""
    return set_service_account_active(get_session(), user, account_id, data["active"])


@operation("/admin/service-accounts/<int:account_id>/tokens", "GET", summary="Ett tjänstekontos API-nycklar",
           tag=ADMIN_TAG, response=s.ApiKeyPageSchema(), errors=(403,))
def list_service_tokens(user, account_id):
    """Nycklar som gäller nu, nyast först; själva nycklarna visas aldrig igen."""
    return {"items": service_account(get_session(), user, account_id).keys}


@operation("/admin/service-accounts/<int:account_id>/tokens", "POST", summary="Ge ett tjänstekonto en API-nyckel",
           tag=ADMIN_TAG, status=201, body=s.ApiKeyRequestSchema(), response=s.NewApiKeySchema(), errors=(403,))
def create_service_token(user, account_id, data):
    """`token` visas bara i detta svar; lämna den till integrationen."""
    made = create_service_key(get_session(), user, account_id, data["name"], data["expires"], max_days=max_days())
    return _new_key(made)


@operation("/admin/service-accounts/<int:account_id>/tokens/<int:token_id>", "DELETE",
           summary="Återkalla ett tjänstekontos API-nyckel", tag=ADMIN_TAG, status=204, errors=(403,))
def revoke_service_token(user, account_id, token_id):
    """Nyckeln slutar gälla vid nästa anrop."""
    revoke_service_key(get_session(), user, account_id, token_id)
    return None


@operation("/admin/account-events", "GET", summary="Kontohändelser", tag=ADMIN_TAG,
           response=s.AccountEventPageSchema(), errors=(403,))
def list_account_events(user):
    """Nödinloggningar med lösenord (KFFLOW_BREAK_GLASS_ACCOUNTS) och API-nycklar som skapats och återkallats."""
    return {"items": recent_account_events(get_session(), user)}
