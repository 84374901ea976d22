"""The dashboard: readiness of an area's sub-areas at a glance, with a map."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.areas.models import Area
from app.core import db, mapsvg
from app.dashboard.services import band, readiness
from app.stock.models import Item
from app.web import locale

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.get("/")
def index() -> str:
    code = request.args.get("area") or db.session().get_one(Area, current_user.area_id).code
    data = readiness(db.session(), code)
    lang = locale()
    points = [mapsvg.Point(c.lat, c.lon, c.name_zh if lang == "zh" else c.name_en, "area",
                           c.colour["colour_hex"], c.population,
                           url_for("dashboard.index", area=c.code),
                           f"{c.code} · {c.population:,}")
              for c in data["children"] or [data["area"]]]
    points += [mapsvg.Point(d["lat"], d["lon"], d["code"], "depot",
                            href=url_for("inventory.depot", code=d["code"]),
                            title=d["name_zh"] if lang == "zh" else d["name_en"])
               for d in data["depots"]]
    points += [mapsvg.Point(s["lat"], s["lon"], s["code"], "shelter",
                            href=url_for("resources_web.shelter", code=s["code"]),
                            title=f"{s['name_zh'] if lang == 'zh' else s['name_en']} "
                                  f"{s['occupancy']}/{s['capacity']}")
               for s in data["shelters"]]
    parent = db.session().get(Area, data["parent_id"]) if data["parent_id"] else None
    items = {i.code: i for i in db.session().scalars(select(Item))}
    svg = mapsvg.render(points, label_sizes=(11, 20))  # desktop, then phone labels
    return render_template("dashboard.html", data=data, map_svg=svg,
                           parent=parent if parent and _visible(parent) else None,
                           items=items, band=band)


def _visible(area: Area) -> bool:
    from app.accounts.services import principal_of
    return principal_of(current_user).covers(area.path)
