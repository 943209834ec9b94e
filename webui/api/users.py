"""Managing users over the API, as on the administration pages: the list, a new user, a role, (de)activation and
a one-time password. The same services, which ask roles.yaml's `administer`."""
from __future__ import annotations

from marshmallow import fields

from kfflow.services.credentials import reset_password
from kfflow.services.users import create_user, set_active, set_role, users_and_bodies
from kfflow.workflow import get_workflows
from webui.api import schemas as s
from webui.api.framework import operation
from webui.db import get_session

TAG = "Administration"


class RoleLabel(s.Text):
    """The role's label in roles.yaml."""

    def get_value(self, obj, attr, accessor=None, default=None):
        role = get_workflows().roles.get(obj.role)
        return role.label if role else obj.role


class UserSchema(s.ResponseSchema):
    id = s.Integer(required=True)
    username = s.Text(required=True)
    display_name = s.Text(required=True)
    email = s.Text(required=True, allow_none=True)
    role = s.Text(required=True)
    role_label = RoleLabel(required=True)
    body = fields.Pluck(s.BodyRefSchema, "name", required=True, allow_none=True)
    active = s.Boolean(required=True)
    must_change_password = s.Boolean(required=True, metadata={"description": "Ska välja eget lösenord vid nästa "
                                                                              "inloggning"})


class BodySchema(s.ResponseSchema):
    name = s.Text(required=True)
    kind = s.Text(required=True)
    has_mandate = s.Boolean(required=True)


class UserPageSchema(s.ResponseSchema):
    items = fields.List(fields.Nested(UserSchema), required=True)
    bodies = fields.List(fields.Nested(BodySchema), required=True, metadata={"description": "Organ att välja"})


class NewUserSchema(s.RequestSchema):
    username = s.text(80, required=True, metadata={"description": "2–80 tecken: a–z, siffror, punkt, bindestreck"})
    role = s.text(40, required=True, metadata={"description": "En roll i roles.yaml"})
    display_name = s.text(200, allow_none=True)
    email = s.text(254, allow_none=True)
    password = s.text(200, allow_none=True, load_only=True,
                      metadata={"description": "Utelämnat: kontot loggar in genom regionens inloggning"})
    body = s.text(200, allow_none=True, metadata={"description": "Organets namn"})


class UserActiveSchema(s.RequestSchema):
    active = s.Boolean(required=True)


class RoleSchema(s.RequestSchema):
    role = s.text(40, required=True, metadata={"description": "En roll i roles.yaml"})


class ResetSchema(s.RequestSchema):
    password = s.text(200, allow_none=True, metadata={"description": "Utelämnat: ett slumpas"})


class OneTimePasswordSchema(s.ResponseSchema):
    password = s.Text(required=True, metadata={"description": "Visas bara nu; användaren väljer ett eget vid "
                                                              "nästa inloggning"})


@operation("/admin/users", "GET", summary="Alla användare", tag=TAG, response=UserPageSchema(), errors=(403,))
def list_users(user):
    """Efter användarnamn, med organen som en ny användare kan höra till."""
    users, bodies = users_and_bodies(get_session(), user)
    return {"items": users, "bodies": bodies}


@operation("/admin/users", "POST", summary="Lägg till en användare", tag=TAG, status=201, body=NewUserSchema(),
           response=UserSchema(), errors=(403,))
def add_user(user, data):
    """422 med ett svenskt meddelande per fält (upptaget användarnamn, okänd roll, svagt lösenord …)."""
    return create_user(get_session(), user, username=data["username"], role=data["role"],
                       display_name=data.get("display_name") or None, email=data.get("email") or None,
                       password=data.get("password") or None, body=data.get("body") or None)


@operation("/admin/users/<int:user_id>/active", "PUT", summary="Aktivera eller inaktivera en användare", tag=TAG,
           body=UserActiveSchema(), response=UserSchema(), errors=(403,))
def set_user_active(user, user_id, data):
    """Båda vägarna slutar alla användarens inloggningar, API-nycklar och kalenderlänkar gälla. Den sista aktiva
    administratören kan inte inaktiveras (422)."""
    return set_active(get_session(), user, user_id, data["active"])


@operation("/admin/users/<int:user_id>/role", "PUT", summary="Byt en användares roll", tag=TAG,
           body=RoleSchema(), response=UserSchema(), errors=(403,))
def set_user_role(user, user_id, data):
    """Vad användaren får göra följer den nya rollen från nästa anrop. Den sista aktiva administratören behåller
    en administratörsroll (422)."""
    return set_role(get_session(), user, user_id, data["role"])


@operation("/admin/users/<int:user_id>/password", "POST", summary="Ge en användare ett engångslösenord", tag=TAG,
           body=ResetSchema(), response=OneTimePasswordSchema(), errors=(403,))
def reset_user_password(user, user_id, data):
    """Det angivna (om det klarar lösenordsreglerna) eller ett slumpat. Användaren loggas ut överallt och väljer
    ett eget lösenord vid nästa inloggning."""
    return {"password": reset_password(get_session(), user, user_id, data.get("password") or None)}
