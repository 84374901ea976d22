"""Pages for the area tree: the list and an area with its people counts."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.areas import services as area_svc
from app.areas.forms import AreaPeopleForm
from app.areas.models import PEOPLE_FIELDS, Area
from app.core import db
from app.core.lookup import scoped_by_code
from app.core.vocabulary import AreaLevel
from app.web import locale
from app.web.common import form_status, list_args, may, my_prefix, page, submit, url_args
from app.web.forms import choices

bp = Blueprint("areas_web", __name__, template_folder="templates")


@bp.get("/areas")
def areas() -> str:
    args = list_args("level", "area")
    stmt = (select(Area).options(selectinload(Area.parent))
            .where(Area.path.startswith(my_prefix(args["area"]))))
    if args["level"] in {lv.value for lv in AreaLevel}:
        stmt = stmt.where(Area.level == args["level"])
    result = page(stmt, args, {"code": Area.code, "name": Area.name_zh,
                               "population": Area.population, "level": Area.level},
                  [Area.code, Area.name_zh, Area.name_en], "code")
    return render_template("areas/list.html", page=result, args=url_args(args),
                           levels=choices(AreaLevel, locale()))


@bp.route("/areas/<code>", methods=["GET", "POST"])
def area(code: str) -> str | Response | tuple[str, int]:
    session = db.session()
    found = scoped_by_code(session, Area, code, "area")
    children = session.scalars(select(Area).where(Area.parent_id == found.id)
                               .order_by(Area.code)).all()
    form = AreaPeopleForm(obj=found)
    fields = ["name_zh", "name_en", *([] if children else PEOPLE_FIELDS)]
    if request.method == "POST":
        done = submit(form, "areas", lambda: area_svc.update_area(session, code, {
            f: getattr(form, f).data for f in fields if getattr(form, f).data is not None}),
            _("Saved."), url_for("areas_web.area", code=code))
        if done:
            return done
    return render_template("areas/detail.html", area=found, children=children, form=form,
                           editable=may("areas"), leaf=not children), form_status()
