"""Driver of tests/bench/register.sh (see its header for usage): 64 client
threads, each on its own keep-alive connection, post 1,000 registrations
into one event and the result is checked against the database."""
import datetime
import http.client
import json
import os
import queue
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import Server, psql  # noqa: E402

REGS = int(os.environ.get("BENCH_REGS", "1000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "64"))
SEATS = int(os.environ.get("BENCH_SEATS", "100"))


def main():
    server = None
    if os.environ.get("BENCH_URL"):
        u = urllib.parse.urlparse(os.environ["BENCH_URL"])
        host, port = u.hostname, u.port or 80
        token = os.environ["BENCH_TOKEN"]
        db = os.environ["MIGTRAIN_DB"]
    else:
        # All clients come from 127.0.0.1: let them all connect, with the
        # set-up connection besides.
        env = {"MIGTRAIN_THREADS": os.environ.get("MIGTRAIN_THREADS",
                                                  str(os.cpu_count() or 2)),
               "MIGTRAIN_MAX_CONNECTIONS_PER_ADDRESS": str(CLIENTS + 16)}
        server = Server("bench", env=env).start()
        token = server.bootstrap()
        host, port, db = "127.0.0.1", server.port, server.db

    def sql(q):
        return psql(db, q)

    tag = str(int(time.time() * 1000))
    sql("INSERT INTO orgs (name) VALUES ('bench %s')" % tag)
    sql("INSERT INTO users (email, name, role, org_id, password_hash)"
        " SELECT 'bench%s-' || g || '@example.org', 'Bench ' || g, 'trainee',"
        "   (SELECT id FROM orgs WHERE name = 'bench %s'),"
        "   (SELECT password_hash FROM users ORDER BY id LIMIT 1)"
        " FROM generate_series(1, %d) g" % (tag, tag, REGS))
    users = [int(x) for x in sql(
        "SELECT id FROM users WHERE email LIKE 'bench%s-%%' ORDER BY id"
        % tag).split()]
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7)
    fmt = "%Y-%m-%dT%H:%M:%SZ"

    def call(conn, method, path, body=None):
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Authorization": "Bearer " + token,
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read()

    c = http.client.HTTPConnection(host, port, timeout=60)
    st, b = call(c, "POST", "/api/v1/events", {
        "kind": "training", "title": "Benchmark " + tag, "location": "Geneva",
        "country": "CH", "starts_at": start.strftime(fmt),
        "ends_at": (start + datetime.timedelta(hours=8)).strftime(fmt),
        "capacity": SEATS})
    assert st == 201, b
    eid = json.loads(b)["id"]
    path = "/api/v1/events/%d/registrations" % eid

    work = queue.Queue()
    for u in users:
        work.put(u)
    statuses, errors = {}, []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client():
        conn = http.client.HTTPConnection(host, port, timeout=60)
        barrier.wait()
        while True:
            try:
                u = work.get_nowait()
            except queue.Empty:
                break
            try:
                st, body = call(conn, "POST", path, {"user_id": u})
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                st, body = 0, str(e).encode()
            with lock:
                if st == 201:
                    s = json.loads(body)["status"]
                    statuses[s] = statuses.get(s, 0) + 1
                else:
                    errors.append((st, body[:200]))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0

    st, b = call(c, "GET", "/api/v1/events/%d" % eid)
    ev = json.loads(b)
    positions = sql("SELECT string_agg(p::text, ',' ORDER BY p) FROM ("
                    " SELECT (registration_json(r)->>'waitlist_position')::int p"
                    " FROM registrations r WHERE event_id = %d"
                    " AND status = 'waitlisted') t" % eid)
    db_conf = int(sql("SELECT count(*) FROM registrations WHERE event_id = %d"
                      " AND status = 'confirmed'" % eid))
    ok = (not errors and db_conf == SEATS and ev["confirmed"] == SEATS and
          ev["waitlisted"] == REGS - SEATS and
          positions == ",".join(str(i) for i in range(1, REGS - SEATS + 1)))
    print("registrations: %d by %d clients in %.2f s = %.0f registrations/s"
          % (REGS, CLIENTS, elapsed, REGS / elapsed))
    print("answers: %s, errors: %d%s" % (json.dumps(statuses, sort_keys=True),
                                          len(errors), " " + repr(errors[:3]) if errors else ""))
    print("final: capacity %d, confirmed %d (database %d), waitlisted %d, "
          "waitlist positions 1..%d %s" % (SEATS, ev["confirmed"], db_conf,
                                           ev["waitlisted"], REGS - SEATS,
                                           "exact" if ok else "WRONG"))
    c.close()
    if server is not None:
        server.close()
    sys.exit(0 if ok else 1)


main()
