"""The accessibility statement a Swedish public body must publish (lagen om tillgänglighet till
digital offentlig service, DOS-lagen). Public: it must be readable without signing in."""
from flask import Blueprint, render_template

bp = Blueprint("accessibility", __name__, template_folder="templates")


@bp.route("/tillganglighet")
def statement():
    return render_template("accessibility/statement.html")
