from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kfflow.errors import ValidationError
from kfflow.services.api_keys import create_my_key, default_expiry, my_keys, revoke_my_key
from webui.api_keys import bp
from webui.auth import current_actor
from webui.db import get_session


def max_days() -> int:
    return current_app.config["KFFLOW_SETTINGS"].api_token_max_days


def key_form_values(form=None) -> dict:
    """What the form to make a key shows: what was sent, else no name and the suggested expiry."""
    if form is not None:
        return {"name": form.get("name", ""), "expires": form.get("expires", "")}
    return {"name": "", "expires": default_expiry(max_days()).isoformat()}


def _render(*, values=None, errors=None, message=None, new_key=None, status=200):
    actor = current_actor()
    return render_template("api_keys/keys.html", keys=my_keys(get_session(), actor), new_key=new_key,
                           values=values or key_form_values(), errors=errors or {}, message=message,
                           max_days=max_days(), may_create=not actor.service_account,
                           revoke_url=lambda key_id: url_for("api_keys.revoke", token_id=key_id)), status


@bp.route("/installningar/api-nycklar", methods=["GET", "POST"])
def keys():
    if request.method == "GET":
        return _render()
    values = key_form_values(request.form)
    try:
        made = create_my_key(get_session(), current_actor(), values["name"], values["expires"], max_days=max_days())
    except ValidationError as exc:
        return _render(values=values, errors=exc.fields, message=exc.message, status=422)
    # Rendered, not redirected: the token is shown this once and never stored (nor put in the cookie).
    return _render(new_key=made)


@bp.route("/installningar/api-nycklar/<int:token_id>/aterkalla", methods=["POST"])
def revoke(token_id: int):
    revoke_my_key(get_session(), current_actor(), token_id)
    flash(_("API-nyckeln är återkallad och slutar gälla nu."), "success")
    return redirect(url_for("api_keys.keys"))
