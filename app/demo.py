"""A realistic bilingual demo district: 12 streets, 110 communities, 690 grids, ~1M people."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import hash_password
from app.areas.models import Area
from app.core import audit
from app.core.clock import district_today
from app.core.db import bulk_insert, utcnow
from app.core.vocabulary import AreaLevel, Hazard, Role
from app.drills.demo import build_drills
from app.drills.services import seed_requirements
from app.exchange.services import recompute_totals
from app.resources.enums import (
    Availability,
    Facility,
    PointKind,
    ShelterDuration,
    ShelterGrade,
    Speciality,
    TeamKind,
)
from app.resources.levels import seed_levels
from app.resources.models import Member, Qualification, ReceivingPoint, Shelter, Team
from app.stock.enums import LedgerKind, VehicleKind
from app.stock.models import Depot, Item, LedgerEntry, StockLot, Vehicle
from app.stock.seed import seed_catalogue

DEMO_PASSWORD = "readygrid-demo"  # documented in the README; for the local demo only

SYLLABLES = [("长", "Chang"), ("江", "Jiang"), ("桃", "Tao"), ("柳", "Liu"), ("梅", "Mei"),
             ("竹", "Zhu"), ("松", "Song"), ("兰", "Lan"), ("青", "Qing"), ("石", "Shi"),
             ("金", "Jin"), ("新", "Xin"), ("安", "An"), ("和", "He"), ("平", "Ping"),
             ("康", "Kang"), ("乐", "Le"), ("丰", "Feng"), ("华", "Hua"), ("明", "Ming"),
             ("光", "Guang"), ("东", "Dong"), ("南", "Nan"), ("西", "Xi"), ("北", "Bei"),
             ("春", "Chun"), ("秋", "Qiu"), ("龙", "Long"), ("凤", "Feng"), ("泉", "Quan"),
             ("湖", "Hu"), ("山", "Shan"), ("桥", "Qiao"), ("园", "Yuan"), ("宁", "Ning")]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞云峰波宁欣怡"
    "浩宇晨阳雪梅琳颖"
)


@dataclass(frozen=True)
class Scale:
    streets: int
    communities: int
    grids: int
    population: int
    community_depot_share: float


SCALES = {"full": Scale(12, 110, 690, 1_000_000, 0.6),
          "small": Scale(2, 4, 8, 12_000, 0.5)}


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.used = rng, set()

    def place(self) -> tuple[str, str]:
        while True:
            (a, pa), (b, pb) = self.rng.sample(SYLLABLES, 2)
            if a + b not in self.used:
                self.used.add(a + b)
                return a + b, pa + pb.lower()

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=self.rng.choice([1,
                                                                                            2])))

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split a total into `parts` random shares that add up exactly (largest remainder)."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    exact = [w * total / sum(weights) for w in weights]
    out = [int(x) for x in exact]
    by_remainder = sorted(range(parts), key=lambda i: exact[i] - out[i], reverse=True)
    for i in by_remainder[:total - sum(out)]:
        out[i] += 1
    return out


def build(session: Session, scale: str = "full", seed: int = 7,
          progress: Callable[[str, int], None] | None = None,
          today: date | None = None) -> dict[str, int]:
    """Create the demo district in one transaction; returns counts by kind."""
    if session.scalar(select(func.count()).select_from(Area)):
        raise RuntimeError("The database already holds areas; the demo needs an empty one.")
    rng, spec = random.Random(seed), SCALES[scale]
    names, today = _Names(rng), today or district_today()
    step = progress or (lambda _label, _n: None)
    session.info["rg_skip_audit"] = True
    try:
        seed_catalogue(session)
        seed_requirements(session)
        district, streets, communities, grids = _areas(session, spec, rng, names)
        step("areas", len(grids))
        seed_levels(session, district)
        depots = _depots(session, spec, rng, names, district, streets, communities)
        lots = _stock(session, rng, depots, today)
        step("stock", lots)
        shelters = _shelters(session, rng, names, district, streets, communities)
        step("shelters", shelters)
        teams, members = _teams(session, rng, names, district, streets, communities, today)
        step("teams", teams)
        _users(session, district, streets[0], communities[0])
        # their own generator, so the rest of the district stays as it was without them
        logistics = random.Random(seed * 1_000_003 + 1)
        points = _points(session, logistics, _Names(logistics), communities, grids)
        vehicles = _vehicles(session, logistics, _Names(logistics), depots)
        step("logistics", points + vehicles)
        teams_of: dict[int, list[Team]] = {}
        for team in session.scalars(select(Team).order_by(Team.code)):
            teams_of.setdefault(team.home_area_id, []).append(team)
        drills = build_drills(session, rng, district, streets, communities, teams_of, today)
        step("drills", drills)
        audit.record(session, "create", "demo", scale, f"Demo district built ({scale})",
                     {"seed": seed})
    finally:
        session.info.pop("rg_skip_audit", None)
    return {"areas": 1 + len(streets) + len(communities) + len(grids), "depots": len(depots),
            "lots": lots, "shelters": shelters, "teams": teams, "members": members, "users": 4,
            "drills": drills, "points": points, "vehicles": vehicles}


def _area(session: Session, parent: Area | None, level: AreaLevel, code: str,
          zh: str, en: str, lat: float, lon: float, **people: Any) -> Area:
    area = Area(code=code, level=level, parent_id=parent.id if parent else None, name_zh=zh,
                name_en=en, lat=round(lat, 5), lon=round(lon, 5), **people)
    session.add(area)
    session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    return area


def _areas(session: Session, spec: Scale, rng: random.Random,
           names: _Names) -> tuple[Area, list[Area], list[Area], list[Area]]:
    district = _area(session, None, AreaLevel.DISTRICT, "D01", "长江示范区",
                     "Changjiang Demo District", 32.04, 118.78,
                     hazards=[Hazard.FLOOD.value, Hazard.RAINSTORM.value, Hazard.FIRE.value,
                              Hazard.EARTHQUAKE.value])
    streets, communities, grids = [], [], []
    per_street = _split(spec.communities, spec.streets, rng)
    comm_sizes = _split(spec.grids, spec.communities, rng)
    people = _split(spec.population, spec.grids, rng)
    c_idx = g_idx = 0
    for s in range(spec.streets):
        zh, en = names.place()
        lat, lon = 32.04 + (s // 4 - 1) * 0.045, 118.78 + (s % 4 - 1.5) * 0.05
        street = _area(session, district, AreaLevel.STREET, f"S{s + 1:02d}", f"{zh}街道",
                       f"{en} Street", lat, lon, hazards=_hazards(rng, s))
        streets.append(street)
        for c in range(per_street[s]):
            zh_c, en_c = names.place()
            clat, clon = lat + rng.uniform(-0.016, 0.016), lon + rng.uniform(-0.02, 0.02)
            community = _area(session, street, AreaLevel.COMMUNITY, f"{street.code}-C{c + 1:02d}",
                              f"{zh_c}社区", f"{en_c} Community", clat, clon,
                              hazards=street.hazards)
            communities.append(community)
            for g in range(max(comm_sizes[c_idx], 1)):
                pop = people[g_idx % len(people)]
                g_idx += 1
                grids.append(_area(
                    session, community, AreaLevel.GRID, f"{community.code}-G{g + 1:02d}",
                    f"{zh_c}社区第{g + 1}网格", f"{en_c} Community Grid {g + 1}",
                    clat + rng.uniform(-0.004, 0.004), clon + rng.uniform(-0.005, 0.005),
                    population=pop, households=int(pop / rng.uniform(2.4, 2.9)),
                    elderly_alone=int(pop * rng.uniform(0.02, 0.05)),
                    disabled=int(pop * rng.uniform(0.01, 0.02)),
                    infants=int(pop * rng.uniform(0.015, 0.03)),
                    pregnant=int(pop * rng.uniform(0.005, 0.01)),
                    chronically_ill=int(pop * rng.uniform(0.06, 0.1)),
                    hazards=community.hazards))
            c_idx += 1
    session.flush()
    recompute_totals(session)
    return district, streets, communities, grids


def _hazards(rng: random.Random, s: int) -> list[str]:
    found = [Hazard.RAINSTORM.value, Hazard.FIRE.value, Hazard.EARTHQUAKE.value]
    if s >= 8:  # the southern row of streets lies along the river
        found.append(Hazard.FLOOD.value)
    if rng.random() < 0.25:
        found.append(Hazard.HAZMAT.value)
    return found


def _depots(session: Session, spec: Scale, rng: random.Random, names: _Names, district: Area,
            streets: list[Area], communities: list[Area]) -> list[tuple[Depot, str]]:
    made: list[tuple[Depot, str]] = []

    def add(code: str, zh: str, en: str, area: Area, tier: str) -> None:
        depot = Depot(code=code, name_zh=zh, name_en=en, area_id=area.id,
                      lat=round((area.lat or 0) + rng.uniform(-0.004, 0.004), 5),
                      lon=round((area.lon or 0) + rng.uniform(-0.004, 0.004), 5),
                      address=f"{area.name_zh}{rng.randint(1, 300)}号",
                      contact_name=names.person(), contact_phone=names.phone())
        session.add(depot)
        made.append((depot, tier))

    add("DEP-D01", "区应急物资储备库", "District emergency supply depot", district, "district")
    add("DEP-D02", "区第二应急物资储备库", "District depot No. 2", district, "district")
    for street in streets:
        add(f"DEP-{street.code}", f"{street.name_zh}应急物资储备点",
            f"{street.name_en} supply point", street, "street")
    for i, community in enumerate(communities):
        # the demo's community staff user works in the first community: it always has a store
        if rng.random() < spec.community_depot_share or i == 0:
            add(f"DEP-{community.code}", f"{community.name_zh}应急物资存放点",
                f"{community.name_en} store", community, "community")
    session.flush()
    return made


# (item, typical stock per lot at district / street / community depots)
_STOCK = {
    "WATER-DRINK": (20000, 4000, 600), "WATER-DOMESTIC": (40000, 9000, 0),
    "FOOD-RATION": (8000, 1500, 200), "INFANT-FORMULA": (300, 60, 10),
    "TENT-12": (400, 60, 0), "QUILT": (3000, 600, 100), "FOLDING-BED": (800, 150, 20),
    "FIRST-AID-KIT": (400, 80, 20), "CHRONIC-MEDS": (500, 80, 0),
    "GENERATOR-5KW": (10, 3, 0), "FLASHLIGHT": (1500, 300, 60), "RADIO": (60, 12, 4),
    "LIFE-JACKET": (800, 150, 30), "SANDBAG": (20000, 5000, 800), "SOAP": (4000, 600, 0),
    "TOILET-MOBILE": (40, 0, 0), "DIAPER-INFANT": (6000, 1000, 0),
}
_TIER = {"district": 0, "street": 1, "community": 2}


def _stock(session: Session, rng: random.Random, depots: list[tuple[Depot, str]],
           today: date) -> int:
    items = {i.code: i for i in session.scalars(select(Item))}
    rows = []
    for depot, tier in depots:
        for code, sizes in _STOCK.items():
            typical = sizes[_TIER[tier]]
            if typical == 0 or rng.random() < 0.08:  # some depots simply lack an item
                continue
            for n in range(rng.randint(1, 3) if tier != "community" else rng.randint(1, 2)):
                rows.append(_lot_row(rng, depot, items[code], typical, n, today))
    now = utcnow()
    for r in rows:
        r.update(created_at=now, updated_at=now, reserved=0)
    ids = bulk_insert(session, StockLot, rows, with_ids=True)
    bulk_insert(session, LedgerEntry, [
        {"lot_id": lot_id, "kind": LedgerKind.RECEIPT.value, "on_hand_delta": r["on_hand"],
         "reserved_delta": 0, "on_hand_after": r["on_hand"], "reserved_after": 0,
         "reason": "opening balance (demo)", "reference": "demo", "user_id": None,
         "actor": "demo", "created_at": now} for lot_id, r in zip(ids, rows, strict=True)])
    return len(ids)


def _lot_row(rng: random.Random, depot: Depot, item: Item, typical: int, n: int,
             today: date) -> dict[str, Any]:
    qty = max(1, int(typical * rng.uniform(0.3, 1.1)))
    expiry = received = None
    if item.shelf_life_days:
        roll = rng.random()
        if roll < 0.04:  # already expired, waiting for write-off
            age = item.shelf_life_days + rng.randint(1, 60)
        elif roll < 0.12:  # expiring within 30 days
            age = item.shelf_life_days - rng.randint(1, 30)
        else:
            age = rng.randint(0, max(item.shelf_life_days - 45, 1))
        received = today - timedelta(days=age)
        expiry = received + timedelta(days=item.shelf_life_days)
    else:
        received = today - timedelta(days=rng.randint(0, 900))
    return {"depot_id": depot.id, "item_id": item.id, "on_hand": qty,
            "lot_number": f"{received:%Y%m%d}-{item.code[:4]}-{depot.id:03d}{n}",
            "expiry_date": expiry, "received_on": received,
            "supplier": rng.choice(["华联应急物资公司", "长江救灾物资供应站", "民政协议供应商",
                                    "Red Cross donation"])}


def _shelters(session: Session, rng: random.Random, names: _Names, district: Area,
              streets: list[Area], communities: list[Area]) -> int:
    count = 0

    def add(code: str, zh: str, en: str, area: Area, duration: ShelterDuration,
            grade: ShelterGrade, capacity: int, indoor: bool) -> None:
        nonlocal count
        facilities = [f.value for f in Facility if rng.random() < (0.85 if grade !=
                                                                  ShelterGrade.COMMUNITY else
                                                                  0.45)]
        session.add(Shelter(
            code=code, name_zh=zh, name_en=en, area_id=area.id, duration_class=duration,
            grade=grade, indoor=indoor, capacity=capacity,
            usable_area_m2=round(capacity * rng.uniform(1.6, 3.5), 1), facilities=facilities,
            lat=round((area.lat or 0) + rng.uniform(-0.005, 0.005), 5),
            lon=round((area.lon or 0) + rng.uniform(-0.005, 0.005), 5),
            address=f"{area.name_zh}{rng.randint(1, 200)}号", contact_name=names.person(),
            contact_phone=names.phone()))
        count += 1

    for i, (zh, en, cap) in enumerate([("区体育中心长期避难场所", "District sports centre", 9000),
                                       ("江滨公园中心避难场所", "Riverside park centre", 6000)]):
        add(f"SH-D01-{i + 1}", zh, en, district, ShelterDuration.LONG, ShelterGrade.COUNTY, cap,
            i == 0)
    for street in streets:
        for j in range(rng.randint(1, 2)):
            add(f"SH-{street.code}-{j + 1}", f"{street.name_zh}第{j + 1}中学避难场所",
                f"{street.name_en} school shelter {j + 1}", street, ShelterDuration.SHORT,
                ShelterGrade.STREET, rng.randrange(800, 3000, 50), True)
    for community in communities:
        outdoor = rng.random() < 0.5
        add(f"SH-{community.code}", f"{community.name_zh}{'广场' if outdoor else '活动中心'}"
            "紧急避难点", f"{community.name_en} {'square' if outdoor else 'centre'}",
            community, ShelterDuration.EMERGENCY, ShelterGrade.COMMUNITY,
            rng.randrange(300, 1500, 20), not outdoor)
    session.flush()
    return count


_QUALS = {Speciality.FIRE: ["消防员职业资格", "高空救援"],
          Speciality.MEDICAL: ["执业医师", "护士执业证", "应急救护员"],
          Speciality.ENGINEERING: ["特种作业操作证", "电工证"],
          Speciality.WATER_RESCUE: ["水上救生员", "船舶驾驶证"],
          Speciality.HAZMAT: ["危化品应急处置"], Speciality.COMMS: ["无线电操作证"],
          Speciality.SEARCH_RESCUE: ["应急救护员", "绳索救援"],
          Speciality.GENERAL: ["应急救护员"]}


def _teams(session: Session, rng: random.Random, names: _Names, district: Area,
           streets: list[Area], communities: list[Area], today: date) -> tuple[int, int]:
    teams = members = 0

    def add(code: str, zh: str, en: str, kind: TeamKind, speciality: Speciality, area: Area,
            size: tuple[int, int]) -> None:
        nonlocal teams, members
        team = Team(code=code, name_zh=zh, name_en=en, kind=kind, speciality=speciality,
                    home_area_id=area.id, base_lat=area.lat, base_lon=area.lon,
                    base_address=f"{area.name_zh}{rng.randint(1, 99)}号",
                    availability=rng.choices(list(Availability), [0.85, 0.12, 0.03])[0],
                    contact_phone=names.phone())
        for m in range(rng.randint(*size)):
            member = Member(name=names.person(), phone=names.phone(),
                            role="队长" if m == 0 else ("副队长" if m == 1 else "队员"))
            if kind is not TeamKind.COMMAND and rng.random() < 0.6:
                member.qualifications = [Qualification(
                    name=rng.choice(_QUALS[speciality]),
                    expires_on=today + timedelta(days=rng.randint(-30, 1100)))]
            team.members.append(member)
            members += 1
        session.add(team)
        teams += 1

    add("T-D01-CMD", "区应急指挥部", "District emergency command", TeamKind.COMMAND,
        Speciality.GENERAL, district, (7, 11))
    for i, (spec, zh, en) in enumerate([
            (Speciality.FIRE, "区消防救援大队", "District fire rescue brigade"),
            (Speciality.FIRE, "区专职消防队", "District full-time fire team"),
            (Speciality.MEDICAL, "区急救中心医疗队", "District emergency medical team"),
            (Speciality.MEDICAL, "区人民医院医疗救援队", "District hospital medical team"),
            (Speciality.ENGINEERING, "区市政工程抢险队", "District engineering repair team"),
            (Speciality.WATER_RESCUE, "区水上救援队", "District water rescue team"),
            (Speciality.HAZMAT, "区危化品处置队", "District hazmat team"),
            (Speciality.COMMS, "区应急通信保障队", "District emergency comms team")]):
        add(f"T-D01-R{i + 1}", zh, en, TeamKind.RESCUE, spec, district, (15, 30))
    for street in streets:
        add(f"T-{street.code}-CMD", f"{street.name_zh}应急领导小组",
            f"{street.name_en} leadership group", TeamKind.COMMAND, Speciality.GENERAL, street,
            (5, 9))
        add(f"T-{street.code}-R", f"{street.name_zh}综合应急救援队",
            f"{street.name_en} rescue team", TeamKind.RESCUE, Speciality.SEARCH_RESCUE, street,
            (12, 25))
        add(f"T-{street.code}-V", f"{street.name_zh}应急志愿者大队",
            f"{street.name_en} volunteers", TeamKind.VOLUNTEER, Speciality.GENERAL, street,
            (15, 30))
    for community in communities:
        add(f"T-{community.code}-CMD", f"{community.name_zh}应急工作组",
            f"{community.name_en} working group", TeamKind.COMMAND, Speciality.GENERAL,
            community, (3, 6))
        add(f"T-{community.code}-V", f"{community.name_zh}志愿者队",
            f"{community.name_en} volunteers", TeamKind.VOLUNTEER, Speciality.GENERAL, community,
            (8, 20))
    session.flush()
    return teams, members


DEMO_USERS = [("admin", "系统管理员", Role.ADMIN, "district"),
              ("coordinator", "区应急协调员", Role.COORDINATOR, "district"),
              ("official", "街道领导", Role.OFFICIAL, "street"),
              ("staff", "社区工作人员", Role.COMMUNITY_STAFF, "community")]


def _points(session: Session, rng: random.Random, names: _Names, communities: list[Area],
            grids: list[Area]) -> int:
    """A receiving point per community: its own store where it has one, else its emergency
    shelter; the largest grid of every fifth community receives on its own, at an address."""
    depots = {d.area_id: d for d in session.scalars(select(Depot).order_by(Depot.code))}
    shelters = {s.area_id: s for s in session.scalars(select(Shelter).order_by(Shelter.code))}
    grids_of: dict[int, list[Area]] = {}
    for g in grids:
        grids_of.setdefault(g.parent_id or 0, []).append(g)
    count = 0
    for i, community in enumerate(communities):
        depot, shelter = depots.get(community.id), shelters.get(community.id)
        kind = PointKind.DEPOT if depot else PointKind.SHELTER
        session.add(ReceivingPoint(
            code=f"RP-{community.code}", area_id=community.id, kind=kind,
            depot_id=depot.id if depot else None,
            shelter_id=None if depot else (shelter.id if shelter else None),
            contact_name=names.person(), contact_phone=names.phone()))
        count += 1
        mine = grids_of.get(community.id, [])
        if i % 5 == 4 and mine:
            big = max(mine, key=lambda g: (g.population, g.code))
            session.add(ReceivingPoint(
                code=f"RP-{big.code}", area_id=big.id, kind=PointKind.ADDRESS,
                address=f"{big.name_zh}{rng.randint(1, 99)}号楼下", lat=big.lat, lon=big.lon,
                contact_name=names.person(), contact_phone=names.phone()))
            count += 1
    session.flush()
    return count


# (kind, payload kg, load space m³) of the fleet at each tier of depot
_FLEET = {"district": [(VehicleKind.TRUCK, 10_000, 40.0)] * 3
          + [(VehicleKind.LIGHT_TRUCK, 3_000, 16.0)] * 2,
          "street": [(VehicleKind.LIGHT_TRUCK, 3_000, 16.0), (VehicleKind.VAN, 1_500, 8.0)],
          "community": [(VehicleKind.PICKUP, 800, 3.0)]}
_PROVINCE = "粤"


def _vehicles(session: Session, rng: random.Random, names: _Names,
              depots: list[tuple[Depot, str]]) -> int:
    count = 0
    for depot, tier in depots:
        for n, (kind, payload, volume) in enumerate(_FLEET[tier], start=1):
            session.add(Vehicle(
                code=f"V-{depot.code.removeprefix('DEP-')}-{n}", depot_id=depot.id, kind=kind,
                plate=f"{_PROVINCE}B·{rng.choice('ADF')}{rng.randrange(10_000):04d}",
                payload_kg=float(payload), volume_m3=volume, driver_name=names.person(),
                driver_phone=names.phone()))
            count += 1
    session.flush()
    return count


def _users(session: Session, district: Area, street: Area, community: Area) -> None:
    pw = hash_password(DEMO_PASSWORD)
    where = {"district": district, "street": street, "community": community}
    for username, display, role, scope in DEMO_USERS:
        session.add(User(username=username, display_name=display, role=role,
                         area_id=where[scope].id, password_hash=pw, locale="zh"))
    session.flush()
