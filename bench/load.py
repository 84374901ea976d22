"""Load bench: the app under gunicorn on PostgreSQL with the full demo, 50 concurrent users.

    python -m bench.load [--users 50] [--think 7] [--seconds 180] [--steps 100,150,200]
                         [--workers 4] [--threads 4]
    python -m bench.load --think 1     # the stress run: 7x the rate of TPC-W's users
    python -m bench.load --think 0     # saturation: every user fires again at once
    make load

1. Recreates the readygrid_load database, migrates it and builds the full demo district.
2. Starts `readygrid serve --workers 4 --threads 4 --no-scheduler` on a free port (rate limits
   raised so that 50 users from one address measure the app, not the limiter).
3. Drives it from this process: closed-loop users, each with its own keep-alive connection,
   its own web session (signed in through the login form) and its own API token, running a
   mix of dashboard page, stock reads, plan reads, stock writes and GET /healthz.
   Users think between requests, as people at a screen pause between clicks: each pause is
   drawn from an exponential distribution with mean --think seconds, cut at 10x the mean.
   The default is TPC-W's emulated browser (clause 5.3.1.1: negative-exponential, mean 7 s,
   cut at 70 s), the standard model of a person using a web application. Exponential, not
   uniform, because independent users' memoryless pauses make the arrivals at the server
   close to Poisson, with the bursts real traffic has. --think 0 is the saturation mode: each
   user fires its next request the moment the previous one returns.
   First 1 user back to back (the baseline: the service time with no contention), then
   --users users for --seconds; prints the offered load (users / think, what they would ask
   for if every answer were instant) and the achieved throughput, throughput and p50/p99 per
   request class and the ratios, against the floor p99 < 200 ms for every read class.
   Then the capacity steps: --steps users at the same think time, --step-seconds each,
   printing the read p99s per step and the most users the floor held for (reported, not
   judged: the floor is judged at --users).
4. Incident storm: 20 incidents declared at once on 20 different communities, each
   confirming its plan (a plan beaten to its stock by another is made again and confirmed,
   up to 3 times); then `readygrid stock verify` and a check that no lot is oversold.
Exits 1 when a floor is broken, a request fails, or the ledger does not verify.

Why a Python driver and not wrk: wrk reports one latency distribution per run, and its Lua
API has no per-request latency, so per-class percentiles would need one wrk run per class,
not a mix; a session cookie and CSRF sign-in are awkward in Lua. Threads on http.client need
no new dependency; the driver's own overhead shows up in the /healthz class, which is the
floor of the stack measured in the same run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
READYGRID = str(ROOT / ".venv" / "bin" / "readygrid")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/readygrid_load"
READ_FLOOR_MS = 200.0
# TPC-W 1.8, clause 5.3.1.1: an emulated browser's think time is negative-exponential with
# mean 7 s, cut at 70 s, the standard model of a person at a web application
TPCW_THINK = 7.0
MIX = [("dashboard", 15), ("stock_read", 35), ("plan_read", 25), ("stock_write", 15),
       ("healthz", 10)]
READS = ("dashboard", "stock_read", "plan_read")
PASSWORD = "readygrid-demo"
CODE_CLASHES: list[str] = []
CODE_CLASHES_LOCK = threading.Lock()


# ---- HTTP -----------------------------------------------------------------------------------
class Client:
    """One user's keep-alive connection, cookie jar and token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: Any = None,
                form: dict[str, str] | None = None, api: bool = True) -> tuple[int, bytes]:
        headers = {"Connection": "keep-alive"}
        data: bytes | None = None
        if api and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies and not api:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, payload

    def clone(self) -> Client:
        """Another user in the same web session and token (a connection of its own): more
        users than sign-ins, since each sign-in costs an Argon2 hash on the server."""
        other = Client(self.port)
        other.cookies, other.token = dict(self.cookies), self.token
        return other

    def sign_in(self, username: str) -> None:
        _, page = self.request("GET", "/login", api=False)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        status, _ = self.request("POST", "/login", api=False, form={
            "username": username, "password": PASSWORD, "csrf_token": token.group(1).decode()})
        if status != 302:
            raise SystemExit(f"sign-in of {username} answered {status}")
        status, body = self.request("POST", "/api/v1/auth/token",
                                    {"username": username, "password": PASSWORD,
                                     "name": f"load-{id(self)}"})
        if status != 201:
            raise SystemExit(f"token for {username} answered {status}: {body[:200]!r}")
        self.token = json.loads(body)["token"]


# ---- the workload ---------------------------------------------------------------------------
@dataclass
class World:
    depots: list[str]
    lots: list[tuple[str, str]]  # (depot, item) with stock
    incident: str
    plan_number: int
    plan_codes: list[str]
    communities: list[str]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, ok: bool, what: str) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if not ok:
                self.errors[kind].append(what)


def one_request(client: Client, kind: str, world: World, rnd: random.Random
                ) -> tuple[int, str, bool]:
    """Send one request of `kind`; returns (status, what, ok)."""
    if kind == "healthz":
        return (*_get(client, "/healthz"), True)
    if kind == "dashboard":
        status, _ = client.request("GET", "/", api=False)
        return status, "GET /", status == 200
    if kind == "stock_read":
        path = rnd.choice(["/api/v1/stock/summary",
                           f"/api/v1/lots?depot={rnd.choice(world.depots)}&page_size=50",
                           "/api/v1/lots?expiring_within=90&page_size=50"])
        return (*_get(client, path), True)
    if kind == "plan_read":
        path = rnd.choice([f"/api/v1/incidents/{world.incident}/plans/{world.plan_number}",
                           "/api/v1/plans", f"/api/v1/plans/{rnd.choice(world.plan_codes)}"]
                          if world.plan_codes else
                          [f"/api/v1/incidents/{world.incident}/plans/{world.plan_number}",
                           "/api/v1/plans"])
        return (*_get(client, path), True)
    depot, item = rnd.choice(world.lots)
    if rnd.random() < 0.5:
        body = {"depot": depot, "item": item, "quantity": 1, "reason": "load bench"}
        status, _ = client.request("POST", "/api/v1/stock/issues", body)
        # 409: that depot's stock of the item ran out or is reserved; a correct refusal
        return status, "POST /stock/issues", status in (200, 201, 409)
    body = {"depot": depot, "item": item, "quantity": 1, "lot_number": "LOAD-BENCH",
            "reason": "load bench"}
    status, _ = client.request("POST", "/api/v1/stock/receipts", body)
    return status, "POST /stock/receipts", status in (200, 201)


def _get(client: Client, path: str) -> tuple[int, str]:
    status, _ = client.request("GET", path)
    return status, f"GET {path.split('?')[0]}"


def think_time(rnd: random.Random, mean: float) -> float:
    """A user's pause before the next request: exponential with this mean, cut at 10x."""
    return min(rnd.expovariate(1 / mean), 10 * mean) if mean > 0 else 0.0


def run_users(clients: list[Client], world: World, seconds: float, seed: int,
              think: float = 0.0) -> Stats:
    stats = Stats()
    stop = time.monotonic() + seconds
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]

    def user(i: int, client: Client) -> None:
        rnd = random.Random(seed * 1000 + i)
        if think > 0:  # users arrive spread over one pause, not all in the first instant
            time.sleep(min(rnd.uniform(0, think), max(stop - time.monotonic(), 0)))
        while time.monotonic() < stop:
            kind = rnd.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                status, what, ok = one_request(client, kind, world, rnd)
                ok = ok and (status < 400 or kind == "stock_write")
            except (OSError, http.client.HTTPException) as exc:
                status, what, ok = 0, f"{kind}: {exc}", False
            stats.add(kind, (time.perf_counter() - started) * 1000, ok, f"{status} {what}")
            pause = min(think_time(rnd, think), stop - time.monotonic())
            if pause > 0:
                time.sleep(pause)

    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(user, range(len(clients)), clients))
    stats.latencies["_seconds"] = [seconds]
    return stats


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# ---- set-up ---------------------------------------------------------------------------------
def _env(url: str) -> dict[str, str]:
    env = dict(os.environ, READYGRID_DATABASE_URL=url,
               # 50 users on one address: measure the app, not the limiter (it stays on)
               READYGRID_RATELIMIT_LOGIN="100000 per minute",
               READYGRID_RATELIMIT_API="1000000 per minute")
    env.pop("READYGRID_RATELIMIT_ENABLED", None)
    return env


def prepare_database(url: str) -> None:
    from app.cli.db import recreate_postgres_database, upgrade
    started = time.perf_counter()
    recreate_postgres_database(url)
    upgrade(url)
    subprocess.run([READYGRID, "demo", "--scale", "full"], env=_env(url), check=True,
                   stdout=subprocess.DEVNULL, cwd=ROOT)
    print(f"database: {url.rsplit('/', 1)[-1]} migrated, full demo built in "
          f"{time.perf_counter() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    log = open(ROOT / "instance" / "load-server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen([READYGRID, "serve", "--port", str(port), "--workers",
                               str(workers), "--threads", str(threads), "--no-scheduler"],
                              env=_env(url), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 60 s; see "
                     "instance/load-server.log")


def discover(admin: Client) -> World:
    def items(path: str) -> list[dict[str, Any]]:
        status, body = admin.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}: {body[:200]!r}")
        return list(json.loads(body)["items"])

    lots = items("/api/v1/lots?page_size=500")
    pairs = sorted({(lot["depot"], lot["item"]) for lot in lots
                    if lot["on_hand"] - lot.get("reserved", 0) > 50})
    communities = [a["code"] for a in items("/api/v1/areas?level=community&page_size=500")]
    plans = [p["code"] for p in items("/api/v1/plans?page_size=50")]
    code, number = declare(admin, communities[-1], "rainstorm", confirm=False)
    return World(depots=sorted({d for d, _ in pairs}), lots=pairs, incident=code,
                 plan_number=number, plan_codes=plans, communities=communities[:-1])


def declare(client: Client, area: str, hazard: str, confirm: bool
            ) -> tuple[str, int]:
    for _try in range(10):
        status, body = client.request("POST", "/api/v1/incidents", {
            "title": f"load bench {area}", "hazard": hazard, "level": 3, "exercise": True,
            "areas": [{"area": area}]})
        # Concurrent declarations can pick the same next incident code (a unique-key 409,
        # nothing written; the API says "declare again"): a client retries. Counted and
        # reported as a finding.
        if status == 409 and (b"uq_incidents_code" in body or b"declare again" in body):
            with CODE_CLASHES_LOCK:
                CODE_CLASHES.append(area)
            time.sleep(random.random() * 0.2)
            continue
        break
    if status != 201:
        raise RuntimeError(f"declare on {area}: {status} {body[:300]!r}")
    incident = json.loads(body)
    code, number = incident["code"], incident["plan"]["number"]
    for _attempt in range(3):
        if not confirm:
            break
        status, body = client.request(
            "POST", f"/api/v1/incidents/{code}/plans/{number}/confirm")
        if status == 200:
            break
        if status == 409:  # another incident took the stock first: plan again, confirm again
            status, body = client.request("POST", f"/api/v1/incidents/{code}/plans", {})
            if status not in (200, 201):
                raise RuntimeError(f"re-plan {code}: {status} {body[:300]!r}")
            number = json.loads(body)["number"]
            continue
        raise RuntimeError(f"confirm {code}/{number}: {status} {body[:300]!r}")
    else:
        raise RuntimeError(f"confirm {code}: still conflicting after 3 plans")
    return code, number


# ---- report ---------------------------------------------------------------------------------
def report(base: Stats, load: Stats, users: int, think: float = 0.0) -> list[str]:
    broken: list[str] = []
    floor_ms = pct(load.latencies["healthz"], 99)
    total = sum(len(v) for k, v in load.latencies.items() if not k.startswith("_"))
    achieved = total / load.latencies["_seconds"][0]
    if think > 0:
        offered = users / think
        print(f"\nload: {users} users thinking {think:g} s on average (exponential); offered "
              f"{offered:.0f} req/s, achieved {achieved:.1f} req/s "
              f"({achieved / offered:.0%} of offered)")
    else:
        print(f"\nload: {users} users with no think time (saturation); achieved "
              f"{achieved:.1f} req/s")
    print(f"\n{'class':<12} {'1 user':>24} | {users} users{'':>34} | vs 1 user  vs healthz")
    print(f"{'':<12} {'req/s':>7} {'p50':>7} {'p99':>8} | {'req/s':>7} {'p50 ms':>8} "
          f"{'p99 ms':>8} {'errors':>7} {'floor':>9} | {'p99 ×':>8} {'p99 ×':>10}")
    for kind, _ in MIX:
        b, lo = base.latencies[kind], load.latencies[kind]
        bs, ls = base.latencies["_seconds"][0], load.latencies["_seconds"][0]
        p99 = pct(lo, 99)
        floor = f"<{READ_FLOOR_MS:.0f}" if kind in READS else "—"
        ok = "" if kind not in READS or p99 < READ_FLOOR_MS else " BROKEN"
        if ok:
            broken.append(f"{kind} p99 {p99:.0f} ms ≥ {READ_FLOOR_MS:.0f} ms at {users} users")
        errors = len(load.errors[kind]) + len(base.errors[kind])
        if errors:
            broken.append(f"{kind}: {errors} failed requests, e.g. "
                          f"{(load.errors[kind] or base.errors[kind])[0]}")
        print(f"{kind:<12} {len(b) / bs:7.1f} {pct(b, 50):7.1f} {pct(b, 99):8.1f} | "
              f"{len(lo) / ls:7.1f} {pct(lo, 50):8.1f} {p99:8.1f} {errors:7d} "
              f"{floor + ok:>9} | {p99 / pct(b, 99):8.1f} {p99 / floor_ms:10.1f}")
    print(f"total at {users} users: {achieved:.1f} req/s")
    return broken


def capacity(clients: list[Client], world: World, steps: list[int], seconds: float,
             think: float) -> None:
    """More and more users at the same think time: how many the host serves under the floor.
    Reported, not judged: the floor is judged at --users."""
    print(f"\ncapacity: more users, each thinking {think:g} s on average, {seconds:g} s per step")
    print(f"{'users':>6} {'offered':>8} {'achieved':>9} | " + " ".join(
        f"{k + ' p99':>15}" for k in READS) + " | under the floor")
    held, unbroken = 0, True
    for n in steps:
        users = [clients[i] if i < len(clients) else clients[i % len(clients)].clone()
                 for i in range(n)]
        stats = run_users(users, world, seconds, seed=100 + n, think=think)
        total = sum(len(v) for k, v in stats.latencies.items() if not k.startswith("_"))
        p99s = [pct(stats.latencies[k], 99) for k in READS]
        errors = sum(len(v) for v in stats.errors.values())
        under = all(p < READ_FLOOR_MS for p in p99s) and not errors
        if under and unbroken:
            held = n
        unbroken = unbroken and under
        print(f"{n:6d} {n / think:8.1f} {total / seconds:9.1f} | "
              + " ".join(f"{p:15.1f}" for p in p99s)
              + f" | {'yes' if under else 'no'}{f' ({errors} errors)' if errors else ''}")
    print(f"the read floor (p99 < {READ_FLOOR_MS:.0f} ms) held up to {held} users "
          f"({held / think:.0f} req/s offered)" if held else
          "the read floor did not hold at any step")


def storm(port: int, admin_token: str, areas: list[str], count: int) -> tuple[float, list[str]]:
    """`count` incidents declared and confirmed at once, each on its own community."""
    def one(area: str) -> str:
        client = Client(port)
        client.token = admin_token
        try:
            code, number = declare(client, area, "flood", confirm=True)
            return f"{code} plan {number} confirmed"
        except RuntimeError as exc:
            return f"FAILED {exc}"

    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(one, areas[:count]))
    return time.perf_counter() - started, results


def verify_ledger(url: str) -> list[str]:
    problems: list[str] = []
    done = subprocess.run([READYGRID, "stock", "verify"], env=_env(url), cwd=ROOT,
                          capture_output=True, text=True, check=False)
    print(("  " + done.stdout.strip()) if done.returncode == 0 else done.stdout + done.stderr)
    if done.returncode != 0:
        problems.append("readygrid stock verify failed")
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        lots, oversold = conn.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE on_hand < 0 OR reserved < 0 "
            "OR reserved > on_hand) FROM stock_lots")).one()
    engine.dispose()
    print(f"  {lots} lots; {oversold} oversold (on hand < 0, or reserved < 0 or > on hand)")
    if oversold:
        problems.append(f"{oversold} lots oversold")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=TPCW_THINK, metavar="SECONDS",
                        help="mean pause between a user's requests (exponential; default "
                             "TPC-W's 7 s); 0: saturation, no pause")
    # 180 s: at 7 req/s about 1,300 requests, 200 dashboard pages: a p99 needs that many
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--steps", default="100,150,200", metavar="N,N,...",
                        help="after the floor run, these many users at the same think time: "
                             "how many the host serves under the floor ('' for none)")
    parser.add_argument("--step-seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--storm", type=int, default=20)
    parser.add_argument("--url", default=PG_URL, help="a PostgreSQL database to recreate")
    parser.add_argument("--reuse", action="store_true", help="keep the database as it is")
    args = parser.parse_args(argv)

    if args.think < 0:
        parser.error("--think must be 0 or more")
    try:
        steps = [int(n) for n in args.steps.split(",") if n.strip()]
    except ValueError:
        parser.error("--steps takes user counts separated by commas, e.g. 100,200,350")
    print(f"host: {os.cpu_count()} CPUs; server: gunicorn {args.workers} workers × "
          f"{args.threads} threads; driver: this process, {args.users} users, think "
          + (f"{args.think:g} s mean (exponential)" if args.think else "0 (saturation)"))
    if not args.reuse:
        prepare_database(args.url)
    port = free_port()
    server = start_server(args.url, port, args.workers, args.threads)
    try:
        admin = Client(port)
        admin.sign_in("coordinator")
        world = discover(admin)
        print(f"workload: {len(world.depots)} depots, {len(world.lots)} depot/item pairs, "
              f"plan reads on incident {world.incident} plan {world.plan_number}")
        clients = []
        for _ in range(args.users):
            client = Client(port)
            client.sign_in("coordinator")
            clients.append(client)
        run_users(clients[:1], world, 3, seed=0)  # warm every worker's caches
        run_users(clients, world, 3, seed=0)
        base = run_users(clients[:1], world, args.seconds / 2, seed=1)
        load = run_users(clients, world, args.seconds, seed=2, think=args.think)
        broken = report(base, load, args.users, args.think)
        if steps and args.think > 0:
            capacity(clients, world, steps, args.step_seconds, args.think)

        if args.storm <= 0:
            return _finish(broken, args.url)
        print(f"\nincident storm: {args.storm} incidents declared and confirmed at once")
        seconds, results = storm(port, admin.token, world.communities, args.storm)
        failed = [r for r in results if r.startswith("FAILED")]
        print(f"  {len(results) - len(failed)} confirmed, {len(failed)} failed in "
              f"{seconds:.1f} s")
        if CODE_CLASHES:
            print(f"  finding: {len(CODE_CLASHES)} declarations clashed on the next incident "
                  "code (409, declare again) and were retried by the client")
        for line in failed[:5]:
            print("  " + line)
        if failed:
            broken.append(f"{len(failed)} storm incidents failed")
        if len(results) < args.storm:
            broken.append(f"only {len(results)} communities for the storm")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _finish(broken, args.url)


def _finish(broken: list[str], url: str) -> int:
    print("ledger verification:")
    broken += verify_ledger(url)
    if broken:
        print("\nFAILED: " + "; ".join(broken))
        return 1
    print("\nok: every read class under the floor, the ledger verifies, nothing oversold")
    return 0


if __name__ == "__main__":
    sys.exit(main())

