#!/usr/bin/env python3
"""Drives a release kiosque server with wrk over keep-alive HTTP, scenario by scenario, each one right
after /health/live of the same server, so that every figure is also a ratio to the framework's own
limit measured in the same minute. See bench/README.md. Standard library only."""

import argparse
import base64
import csv
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ADMIN_EMAIL = "bench@kiosque.example"
ADMIN_PASSWORD = "bench-password-long-enough"
SAMPLE = 20000


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run_sql(url, sql):
    """Rows of a query on the bench database (sqlite3 module, or psql)."""
    if url.startswith("sqlite://"):
        con = sqlite3.connect(url[len("sqlite://"):])
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
    out = subprocess.run(["psql", url, "-AtF", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def database_url(db, size, workdir):
    if db == "sqlite":
        return f"sqlite://{workdir}/kiosque-{size}.db"
    base = os.environ.get("KIOSQUE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    name = f"kiosque_bench_{size}"
    exists = subprocess.run(["psql", base, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
                            check=True, capture_output=True, text=True).stdout.strip()
    if not exists:
        subprocess.run(["psql", base, "-qc", f"CREATE DATABASE {name}"], check=True)
    return base.rsplit("/", 1)[0] + "/" + name


def seed(binary, url, size):
    env = dict(os.environ, DATABASE_URL=url, RUST_LOG="warn")
    started = time.time()
    subprocess.run([binary, "seed", "--synthetic", str(size)], cwd=ROOT, env=env, check=True)
    return time.time() - started


def store_related(binary, url):
    """`kiosque related`: every public article's similar list computed and stored, as an operator
    runs it after a bulk load (the server would otherwise compute each list when first read)."""
    env = dict(os.environ, DATABASE_URL=url, RUST_LOG="warn")
    started = time.time()
    subprocess.run([binary, "related"], cwd=ROOT, env=env, check=True)
    return time.time() - started


class Server:
    def __init__(self, binary, url, port, cache_secs):
        env = dict(os.environ)
        env.update({
            "DATABASE_URL": url,
            "KIOSQUE_BIND": f"127.0.0.1:{port}",
            "KIOSQUE_RATE_LIMIT_ANONYMOUS": "0",
            "KIOSQUE_RATE_LIMIT_STAFF": "0",
            "KIOSQUE_ADMIN_EMAIL": ADMIN_EMAIL,
            "KIOSQUE_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "KIOSQUE_JWT_SECRET": "bench-secret-bench-secret-bench-secret-0123",
            "RUST_LOG": "warn",
        })
        if cache_secs is not None:
            env["KIOSQUE_RESPONSE_CACHE_SECS"] = str(cache_secs)
            # The computed path: related lists computed per request, never read from storage.
            env["KIOSQUE_RELATED_MAX_AGE_SECS"] = str(cache_secs)
            # ... and every search ranked per request (a few hundred title words repeat within the
            # minute the rankings are kept otherwise).
            env["KIOSQUE_SEARCH_CACHE_SECS"] = str(cache_secs)
        self.base = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([binary, "serve"], cwd=ROOT, env=env)
        for _ in range(600):
            try:
                with urllib.request.urlopen(self.base + "/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                time.sleep(0.1)
        raise SystemExit("the server did not become ready")

    def rss_mb(self):
        """Resident memory now, its peak, and the part that is the server's own (RssAnon: heap and
        stacks, without the pages of files it maps, which the kernel shares and reclaims), in MB."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        kb = lambda k: int(fields[k].split()[0]) / 1024
        return kb("VmRSS"), kb("VmHWM"), kb("RssAnon")

    def token(self):
        body = json.dumps({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).encode()
        req = urllib.request.Request(self.base + "/v1/auth/token", body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.load(r)["access_token"]

    def get(self, path):
        with urllib.request.urlopen(self.base + path) as r:
            return json.load(r)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def wrk(base, seconds, connections, script=None, args=(), path="/"):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", os.path.join(HERE, script)]
    cmd.append(base + path)
    if args:
        cmd += ["--", *args]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct(50), "p99": pct(99), "non2xx": int(errors.group(1)) if errors else 0}


def cursor(sort, value, id_):
    raw = json.dumps({"s": sort, "v": value, "i": id_}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def prepare_paths(server, url, workdir, rng):
    """Files of request paths over the whole set: random published articles, cursors deep in the
    list, rubriques, search words. Cursors are made the way the server makes them, checked first
    against one it issued."""
    now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    rows = run_sql(url, "SELECT id, slug, title, published_at FROM articles WHERE status = 'published' "
                        f"AND sort_at <= '{now}' ORDER BY random() LIMIT {SAMPLE}")
    page = server.get("/v1/articles?per_page=20")
    issued = json.loads(base64.urlsafe_b64decode(page["meta"]["next_cursor"] + "=="))
    last = page["data"][-1]
    # The cursor holds the stored (naive UTC) instant: the API's value without its Z.
    made = cursor("-published_at", last["published_at"].rstrip("Z"), last["id"])
    if made != page["meta"]["next_cursor"]:
        raise SystemExit(f"the cursor format changed: server {issued}, bench {made}")
    rubriques = [r["slug"] for r in server.get("/v1/rubriques?per_page=100")["data"]]
    words = sorted({w.lower() for r in rows for w in re.findall(r"\w{5,}", r[2])})
    files = {}

    def write(name, lines):
        path = os.path.join(workdir, name + ".paths")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        files[name] = path

    write("slugs", [f"/v1/articles/{r[1]}" for r in rows])
    write("cursors", ["/v1/articles?per_page=20&cursor=" +
                      cursor("-published_at", str(r[3]).replace(" ", "T")[:19], int(r[0])) for r in rows])
    write("rubriques", [f"/v1/articles?per_page=20&rubrique={s}" for s in rubriques])
    write("similar", [f"/v1/articles/{r[1]}/related" for r in rows])
    write("same_rubrique", [f"/v1/articles/{r[1]}/related?strategy=rubrique" for r in rows])
    write("search", [f"/v1/articles?per_page=20&q={urllib.parse.quote(w)}" for w in rng.sample(words, min(len(words), 2000))])
    # The cursors must be accepted: one of them, through the server.
    probe = open(files["cursors"]).readline().strip()
    server.get(probe)
    return files, rows[0][1]


SCENARIOS = [
    ("slug_hot", "one article by slug, the same URL", None),
    ("slug_random", "one article by slug, random keys", "slugs"),
    ("list_first", "list page 1 (20)", None),
    ("list_deep", "list at a random deep cursor", "cursors"),
    ("list_rubrique", "list filtered by a random rubrique", "rubriques"),
    ("related_similar", "related similar, random articles", "similar"),
    ("related_rubrique", "related rubrique, random articles", "same_rubrique"),
    ("search", "search a random word of the corpus", "search"),
    ("write_mix", "random slugs while an admin creates and patches", "slugs"),
]


def measure(server, files, hot, seconds, connections, only):
    results = []
    for name, _, paths in SCENARIOS:
        if only and name not in only:
            continue
        health = wrk(server.base, seconds, connections, path="/health/live")
        if name == "write_mix":
            token = server.token()
            writer = subprocess.Popen(
                ["wrk", "-t1", "-c2", f"-d{seconds}s", "--latency", "-s", os.path.join(HERE, "writes.lua"),
                 server.base, "--", token, files["slugs"]], stdout=subprocess.PIPE, text=True)
            r = wrk(server.base, seconds, connections - 2, "paths.lua", [files[paths]])
            out = writer.communicate()[0]
            m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
            v = float(m.group(1)) if m else float("nan")
            unit = m.group(2) if m else "ms"
            r["write_p99"] = v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
            r["write_rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        elif paths:
            r = wrk(server.base, seconds, connections, "paths.lua", [files[paths]])
        else:
            path = f"/v1/articles/{hot}" if name == "slug_hot" else "/v1/articles?per_page=20"
            r = wrk(server.base, seconds, connections, path=path)
        rss, peak, own = server.rss_mb()
        r.update(scenario=name, health_rps=health["rps"], ratio=r["rps"] / health["rps"], rss_mb=rss, peak_mb=peak,
                 anon_mb=own)
        results.append(r)
        extra = f"  writes {r['write_rps']:.0f}/s p99 {r['write_p99']:.1f} ms" if "write_p99" in r else ""
        log(f"    {name:<17} {r['rps']:>9.0f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
            f"{r['ratio']:.3f}x of {health['rps']:.0f}  rss {rss:.0f} MB (own {own:.0f}){extra}"
            + (f"  ({r['non2xx']} non-2xx)" if r["non2xx"] else ""))
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "kiosque"))
    p.add_argument("--workdir", default="/var/tmp/kiosque-bench")
    p.add_argument("--out", default=os.path.join(HERE, "results"))
    p.add_argument("--port", type=int, default=18480)
    p.add_argument("--scenarios", default="", help="comma-separated names (default: all)")
    p.add_argument("--caches", default="shipped,off", help="shipped, off, or both (the default)")
    p.add_argument("--no-store-related", action="store_true",
                   help="skip `kiosque related` after seeding (the shipped runs then compute each list once)")
    a = p.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(7)
    dbs = ["sqlite", "postgres"] if a.db == "both" else [a.db]
    csv_path = os.path.join(a.out, "results.csv")
    header = ["when", "db", "articles", "cache", "scenario", "rps", "p50_ms", "p99_ms", "ratio",
              "health_rps", "rss_mb", "peak_mb", "write_rps", "write_p99_ms", "seed_s", "related_s", "anon_mb"]
    if os.path.exists(csv_path):
        # Older results lack the later columns: rewritten with them empty.
        with open(csv_path, newline="") as f:
            old = list(csv.DictReader(f))
        if old and list(old[0].keys()) != header:
            with open(csv_path, "w", newline="") as f:
                w = csv.DictWriter(f, header, restval="")
                w.writeheader()
                w.writerows(old)
    new = not os.path.exists(csv_path)
    with open(csv_path, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(header)
        for size in [int(s) for s in a.sizes.split(",")]:
            for db in dbs:
                url = database_url(db, size, a.workdir)
                log(f"== {db}, {size} articles: seeding")
                seeded = seed(a.binary, url, size)
                related = 0.0
                if not a.no_store_related:
                    log(f"== {db}, {size} articles: storing related lists")
                    related = store_related(a.binary, url)
                modes = [m for m in (("shipped", None), ("off", 0)) if m[0] in a.caches.split(",")]
                for cache, secs in modes:
                    log(f"  -- response cache {cache}")
                    server = Server(a.binary, url, a.port, secs)
                    try:
                        files, hot = prepare_paths(server, url, a.workdir, rng)
                        only = [s for s in a.scenarios.split(",") if s]
                        results = measure(server, files, hot, a.seconds, a.connections, only)
                    finally:
                        server.stop()
                    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                    for r in results:
                        w.writerow([when, db, size, cache, r["scenario"], f"{r['rps']:.0f}", f"{r['p50']:.3f}",
                                    f"{r['p99']:.3f}", f"{r['ratio']:.4f}", f"{r['health_rps']:.0f}",
                                    f"{r['rss_mb']:.1f}", f"{r['peak_mb']:.1f}", f"{r.get('write_rps', 0):.0f}",
                                    f"{r.get('write_p99', 0):.2f}", f"{seeded:.1f}", f"{related:.1f}",
                                    f"{r['anon_mb']:.1f}"])
                    f.flush()
    log(f"results appended to {csv_path}")


if __name__ == "__main__":
    main()
