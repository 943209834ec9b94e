"""Sign-in through the region's identity provider (OpenID Connect), with Authlib.

Authorisation code flow with PKCE (S256), `state` and `nonce` kept in the (signed) Flask session; the
provider's endpoints and keys from its discovery document (KFFLOW_OIDC_ISSUER). Authlib checks the ID
token: signature against the provider's JWKS (fetched again when a token names a key it has not seen:
rotation), issuer, audience, expiry and nonce. Who the person is in kfflow is the service's business
(kfflow.services.external_sign_in). Any failure is a Swedish page, an English log line without tokens in
it, and nothing written.
"""
from __future__ import annotations

import logging
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from joserfc.errors import JoseError
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user

from kfflow.services.external_sign_in import SignInRefused, sign_in_from_claims
from kfflow.workflow import get_workflows
from webui.auth import WebUser, bp, safe_next
from webui.db import get_session

log = logging.getLogger(__name__)

# Claims kfflow reads; the groups claim comes with `profile` (Keycloak: a mapper; Entra ID: the app's
# "groups claim" setting), so no provider-specific scope is asked for.
SCOPE = "openid profile email"
SIGNED_IN_THROUGH_PROVIDER = "oidc_signed_in"


def init_app(app) -> None:
    """Register the provider when KFFLOW_OIDC_ISSUER is set; without it the routes answer 404."""
    settings = app.config["KFFLOW_SETTINGS"]
    if not settings.oidc_issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        "provider", client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10})
    app.extensions["kfflow_oidc"] = oauth.provider


def provider_client():
    return current_app.extensions.get("kfflow_oidc")


def _refuse(message: str, status: int = 400):
    return render_template("auth/oidc_error.html", message=message), status


@bp.route("/logga-in/oidc")
def oidc_start():
    client = provider_client() or abort(404)
    session["oidc_next"] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except requests.RequestException as exc:
        log.warning("OIDC sign-in could not start: provider unreachable (%s)", type(exc).__name__)
        return _refuse(_("Inloggningstjänsten svarar inte just nu. Försök igen om en stund."), 503)


@bp.route("/logga-in/oidc/callback")
def oidc_callback():
    client = provider_client() or abort(404)
    if request.args.get("error"):
        log.warning("OIDC sign-in: the provider answered %s", request.args.get("error")[:100])
        return _refuse(_("Inloggningen avbröts hos inloggningstjänsten. Försök igen."))
    try:
        # Authlib checks the state, then the ID token: signature, issuer (from discovery), audience (our
        # client id), expiry and nonce.
        token = client.authorize_access_token()
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("no ID token in the token response")
    except requests.RequestException as exc:
        log.warning("OIDC sign-in failed: provider unreachable (%s)", type(exc).__name__)
        return _refuse(_("Inloggningstjänsten svarar inte just nu. Försök igen om en stund."), 503)
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        # The error's name and Authlib's description name the failed check, never a token.
        log.warning("OIDC sign-in refused: %s %s", type(exc).__name__, getattr(exc, "description", "") or "")
        return _refuse(_("Inloggningen kunde inte godkännas. Börja om från inloggningssidan."))
    try:
        result = sign_in_from_claims(get_session(), dict(claims), get_workflows().group_roles)
    except SignInRefused as exc:
        return _refuse(exc.message, 403)
    next_path = session.get("oidc_next") or url_for("start.index")
    session.clear()  # a new session from scratch (session fixation)
    session[SIGNED_IN_THROUGH_PROVIDER] = True
    login_user(WebUser(result.user, result.token))
    return redirect(next_path)


def provider_logout_url() -> str | None:
    """Where to send the browser after kfflow's own sign-out: the provider's end-session endpoint
    (RP-initiated logout), when the user came through it and the provider offers one."""
    client = provider_client()
    if client is None or not session.get(SIGNED_IN_THROUGH_PROVIDER):
        return None
    try:
        return client.create_logout_url(post_logout_redirect_uri=url_for("auth.login", _external=True),
                                        client_id=client.client_id)["url"]
    except (requests.RequestException, RuntimeError):  # unreachable, or no end_session_endpoint
        return None
