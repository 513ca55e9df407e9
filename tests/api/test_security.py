"""Issue 18: no client may hang the server or lock others out. Each attack
is bounded in count and time and sent to loopback only: thousands of idle
connections (then a canary, then SIGTERM within the drain bound), a drain
stuck on a request (exit 1 within the bound), the systemd notifications,
slow and oversized anonymous uploads while a login and a write succeed, a
login storm from one address while another logs in, X-Forwarded-For only
from trusted proxies, the purge of expired login failures, NFKC emails,
CSV read back in ',' and ';' dialects, /orgs scoping, /metrics protection
and the 5 MiB GIFT limit."""
import csv
import io
import os
import random
import re
import resource
import signal
import socket
import string
import subprocess
import threading
import time

from harness import BIN, Server, problem, run, finish, PASSWORD

LOGIN = "/api/v1/auth/login"
DRAIN_S = 4
# Test servers get short timers so the attacks end quickly.
FAST = {"MIGTRAIN_IDLE_TIMEOUT_S": "3", "MIGTRAIN_DRAIN_S": str(DRAIN_S),
        "MIGTRAIN_BODY_GRACE_S": "1", "MIGTRAIN_BODY_MIN_RATE": "1024"}

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 12000), hard))


def connect_from(port, source, timeout=5):
    c = socket.socket()
    c.settimeout(timeout)
    c.bind((source, 0))
    c.connect(("127.0.0.1", port))
    return c


def get_from(port, source, path="/healthz", timeout=5):
    """One GET from a given loopback source address; the status or None."""
    try:
        c = connect_from(port, source, timeout)
        c.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                   % path).encode())
        data = c.recv(64)
        c.close()
        return int(data.split()[1]) if data.startswith(b"HTTP/1.1") else None
    except OSError:
        return None


def login_head(port, length, first=b""):
    """A login whose headers declare length bytes, of which only first
    is sent; the open socket."""
    c = connect_from(port, "127.0.0.1")
    c.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % length + first)
    return c


def closed_by_server(c, wait_s):
    """Waits (bounded) until the server closes c; True when it did."""
    c.settimeout(0.5)
    end = time.time() + wait_s
    while time.time() < end:
        try:
            data = c.recv(65536)
            if data == b"":
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


def wait_for(cond, bound_s, step=0.1):
    end = time.time() + bound_s
    while time.time() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def open_many(port, n, sources):
    """n plain connections spread over the source addresses; those the
    server refuses outright are closed again at once by the kernel."""
    socks = []
    for i in range(n):
        try:
            socks.append(connect_from(port, sources[i % len(sources)], 2))
        except OSError:
            pass
    return socks


# ---- item 1: connections ----------------------------------------------

def notify_socket():
    path = "/tmp/migtrain-notify-%d-%d" % (os.getpid(), random.randrange(1 << 30))
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n.bind(path)
    n.settimeout(1)
    return n, path


def wait_notify(n, what, bound_s):
    end = time.time() + bound_s
    while time.time() < end:
        try:
            msg = n.recv(4096).decode()
        except socket.timeout:
            continue
        if what in msg.split("\n"):
            return True
    return False


def test_idle_connections_then_canary_and_drain():
    n, path = notify_socket()
    env = dict(FAST, NOTIFY_SOCKET=path, WATCHDOG_USEC="1000000",
               MIGTRAIN_MAX_CONNECTIONS="1500")
    s = Server("sec_conns", env=env).start()
    try:
        assert wait_notify(n, "READY=1", 10)
        assert wait_notify(n, "WATCHDOG=1", 10)
        # 4,200 idle connections from one address: past the per-address
        # cap they are closed at once; another address is served.
        socks = open_many(s.port, 4200, ["127.0.0.1"])
        try:
            assert get_from(s.port, "127.0.0.2") == 200
            # The watchdog's self-probe passes every limit.
            assert wait_notify(n, "WATCHDOG=1", 10)
            assert get_from(s.port, "127.0.0.2", "/metrics") == 200
        finally:
            for c in socks:
                c.close()
        # 4,200 from 70 addresses fill the overall limit; idle ones time
        # out, so a canary gets through within a bound.
        sources = ["127.0.1.%d" % i for i in range(1, 71)]
        socks = open_many(s.port, 4200, sources)
        try:
            assert wait_for(lambda: get_from(s.port, "127.0.0.3", timeout=2)
                            == 200, 30)
            assert wait_notify(n, "WATCHDOG=1", 10)
            # SIGTERM with the sockets still open: exit 0 within the bound.
            start = time.time()
            rc = s.stop(timeout=DRAIN_S + 20)
            assert rc == 0, rc
            assert time.time() - start < DRAIN_S + 20
        finally:
            for c in socks:
                c.close()
    finally:
        n.close()
        os.unlink(path)
        s.close()


def test_stuck_drain_exits_nonzero():
    env = dict(FAST, MIGTRAIN_IDLE_TIMEOUT_S="60", MIGTRAIN_BODY_MIN_RATE="0")
    s = Server("sec_drain", env=env).start()
    try:
        # A request whose body never completes stays in flight.
        c = login_head(s.port, 100, b'{"email":')
        time.sleep(0.3)     # let the server read the headers
        rc = s.stop(timeout=DRAIN_S + 20)
        assert rc == 1, rc
        assert "still running" in s.logtext()
        c.close()
    finally:
        s.close()


# ---- item 2: bodies ---------------------------------------------------

def test_slow_and_large_anonymous_uploads():
    env = dict(FAST, MIGTRAIN_MAX_CONNECTIONS_PER_ADDRESS="1000")
    s = Server("sec_bodies", env=env).start()
    try:
        admin = s.bootstrap()
        # Oversized logins are refused from Content-Length (413) before a
        # byte of the body is read.
        big = [login_head(s.port, 1048576) for _ in range(270)]
        for c in big:
            c.settimeout(5)
            head = c.recv(64)
            assert head.startswith(b"HTTP/1.1 413"), head
            c.close()
        r = s.post(LOGIN, raw=b'{"email":"a@b.c","password":"' +
                   b"x" * 9000 + b'"}')
        problem(r, 413)
        # Slow bodies under the cap: 100 connections that send a byte
        # every 0.3 s are closed once the grace has passed.
        slow = [login_head(s.port, 4000, b"{") for _ in range(100)]
        stop = threading.Event()

        def trickle():
            while not stop.is_set():
                for c in slow:
                    try:
                        c.send(b" ")
                    except OSError:
                        pass
                stop.wait(0.3)

        t = threading.Thread(target=trickle)
        t.start()
        try:
            # Meanwhile a login and an authenticated write succeed.
            tok = s.login("admin@example.org")
            r = s.post("/api/v1/orgs", {"name": "During the attack"},
                       token=tok)
            assert r.status == 201, r
            r = s.post("/api/v1/orgs", {"name": "Also during"}, token=admin)
            assert r.status == 201, r
            closed = sum(1 for c in slow if closed_by_server(c, 15))
            assert closed == len(slow), closed
        finally:
            stop.set()
            t.join()
            for c in slow:
                c.close()
        assert "bytes/s" in s.logtext()
    finally:
        s.close()


# ---- item 3: login fairness -------------------------------------------

def test_login_storm_from_one_address():
    env = {"MIGTRAIN_TRUSTED_PROXIES": "127.0.0.1",
           "MIGTRAIN_HASH_THREADS": "1", "MIGTRAIN_HASH_QUEUE": "8"}
    s = Server("sec_storm", env=env).start()
    try:
        s.bootstrap()
        stop = threading.Event()
        seen = {}
        lock = threading.Lock()

        def storm():
            n = 0
            while not stop.is_set() and n < 40:
                n += 1
                email = "".join(random.choice(string.ascii_lowercase)
                                for _ in range(12)) + "@example.org"
                try:
                    r = s.post(LOGIN, {"email": email, "password": "x" * 12},
                               headers={"X-Forwarded-For": "203.0.113.7"},
                               timeout=20)
                except OSError:
                    continue
                with lock:
                    seen[r.status] = seen.get(r.status, 0) + 1

        threads = [threading.Thread(target=storm) for _ in range(16)]
        for t in threads:
            t.start()
        try:
            wait_for(lambda: sum(seen.values()) > 50, 20)
            ok = 0
            for i in range(10):
                r = s.post(LOGIN, {"email": "admin@example.org",
                                   "password": PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.%d" % i},
                           timeout=20)
                ok += r.status == 200
            assert ok == 10, (ok, seen)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert seen.get(429, 0) > 0, seen   # the storm met its own limit
        assert seen.get(503, 0) == 0, seen  # and never filled the queue
    finally:
        s.close()


def test_forwarded_for_only_from_trusted_proxies():
    # Untrusted peer: X-Forwarded-For is ignored, so changing it does not
    # escape the per-address minute limit.
    s = Server("sec_xff", env={"MIGTRAIN_LOGIN_PER_ADDRESS_MINUTE": "5"}).start()
    t = Server("sec_xff_t", env={"MIGTRAIN_LOGIN_PER_ADDRESS_MINUTE": "5",
                                 "MIGTRAIN_TRUSTED_PROXIES":
                                 "10.0.0.0/8, 127.0.0.0/8,::1"}).start()
    try:
        codes = [s.post(LOGIN, {"email": "n%d@example.org" % i,
                                "password": "x" * 12},
                        headers={"X-Forwarded-For": "192.0.2.%d" % i}).status
                 for i in range(7)]
        assert codes[:5] == [401] * 5 and codes[5] == 429, codes
        r = s.post(LOGIN, {"email": "z@example.org", "password": "x" * 12})
        p = problem(r, 429)
        assert 1 <= int(r.header("Retry-After")) <= 60, p
        # Behind a trusted proxy each forwarded client counts on its own;
        # the right-most untrusted hop is the client.
        codes = [t.post(LOGIN, {"email": "n%d@example.org" % i,
                                "password": "x" * 12},
                        headers={"X-Forwarded-For": "6.6.6.6, 192.0.2.%d, "
                                 "10.1.2.3" % i}).status
                 for i in range(7)]
        assert codes == [401] * 7, codes
        codes = [t.post(LOGIN, {"email": "m%d@example.org" % i,
                                "password": "x" * 12},
                        headers={"X-Forwarded-For": "%d.9.9.9, 192.0.2.200"
                                 % i}).status
                 for i in range(6)]
        assert codes[:5] == [401] * 5 and codes[5] == 429, codes
        # A bad list stops the start.
        out = subprocess.run([BIN, "serve"], env=dict(
            s.env, MIGTRAIN_TRUSTED_PROXIES="10.0.0.0/33"),
            capture_output=True, text=True, timeout=20)
        assert out.returncode == 2 and "TRUSTED_PROXIES" in out.stderr, out
    finally:
        s.close()
        t.close()


# ---- item 5: purge ------------------------------------------------------

def test_purge_expired_login_failures():
    s = Server("sec_purge", env={"MIGTRAIN_PURGE_INTERVAL_S": "1",
                                 "MIGTRAIN_LOGIN_WINDOW_S": "600"}).start()
    try:
        s.sql("INSERT INTO login_failures (email, at) SELECT 'old' || g || "
              "'@example.org', now() - interval '2 hours' "
              "FROM generate_series(1, 2000) g")
        s.sql("INSERT INTO login_failures (email, at) VALUES "
              "('fresh@example.org', now() - interval '1 minute')")
        assert wait_for(lambda: s.sql("SELECT count(*) FROM login_failures "
                                      "WHERE email LIKE 'old%'") == "0", 30)
        assert s.sql("SELECT count(*) FROM login_failures "
                     "WHERE email = 'fresh@example.org'") == "1"
        # Unknown emails tried now leave rows that the purge removes once
        # they are past the window (made old here).
        for i in range(5):
            r = s.post(LOGIN, {"email": "u%d@example.org" % i,
                               "password": "x" * 12})
            problem(r, 401)
        assert s.sql("SELECT count(*) FROM login_failures "
                     "WHERE email LIKE 'u_@example.org'") == "5"
        s.sql("UPDATE login_failures SET at = at - interval '1 hour' "
              "WHERE email LIKE 'u_@example.org'")
        assert wait_for(lambda: s.sql("SELECT count(*) FROM login_failures "
                                      "WHERE email LIKE 'u_@example.org'")
                        == "0", 30)
    finally:
        s.close()


# ---- item 7 and 6 on one ordinary server ------------------------------

s = Server("security", env={"MIGTRAIN_METRICS_TOKEN":
                            "metrics-token-0123456789"}).start()
admin = s.bootstrap()
office = int(s.sql("SELECT id FROM orgs WHERE name = 'IOM Office'"))
org_a = s.org(admin, "Ministry A")
org_b = s.org(admin, "Ministry B")


def test_email_nfkc():
    uid, _ = s.user(admin, "anna@example.org", "trainee", org_a, login=False)
    for variant in ("\uff41nna@example.org",      # fullwidth a
                    "ANNA@example.org", "\uff21\uff2e\uff2e\uff21@example.org"):
        r = s.post("/api/v1/users", {"email": variant, "name": "Twin",
                                     "role": "trainee", "org_id": org_a,
                                     "password": PASSWORD}, token=admin)
        problem(r, 409)
    r = s.post(LOGIN, {"email": "\uff21\uff4e\uff4e\uff41@example.org",
                       "password": PASSWORD})
    assert r.status == 200 and r.json["user"]["id"] == uid, r
    # Failures of every form count against the one account.
    for i in range(5):
        problem(s.post(LOGIN, {"email": ("\uff41nna@example.org", "Anna@"
                                         "example.org")[i % 2],
                               "password": "wrong password"}), 401)
    problem(s.post(LOGIN, {"email": "anna@example.org",
                           "password": PASSWORD}), 429)
    out = s.cli("create-user", "--email", "\uff41nna@example.org", "--name",
                "CLI twin", "--role", "trainee", "--org", "Ministry A",
                input=PASSWORD + "\n", check=False)
    assert out.returncode != 0, out


def test_orgs_scoped():
    _, trainee = s.user(admin, "t.orgs@example.org", "trainee", org_a)
    _, reviewer = s.user(admin, "r.orgs@example.org", "reviewer", org_b)
    _, coord = s.user(admin, "c.orgs@example.org", "coordinator", office)
    assert [o["id"] for o in s.get("/api/v1/orgs", token=trainee)
            .json["items"]] == [org_a]
    assert [o["id"] for o in s.get("/api/v1/orgs", token=reviewer)
            .json["items"]] == [org_b]
    for tok in (coord, admin):
        ids = [o["id"] for o in s.get("/api/v1/orgs", token=tok)
               .json["items"]]
        assert {office, org_a, org_b} <= set(ids), ids


def test_metrics_token():
    problem(s.get("/metrics"), 401)
    problem(s.get("/metrics", headers={"Authorization": "Bearer nope"}), 401)
    r = s.get("/metrics", headers={"Authorization":
                                   "Bearer metrics-token-0123456789"})
    assert r.status == 200 and "migtrain_http_connections" in r.text, r


def test_metrics_local_only_without_token():
    t = Server("sec_metrics").start()
    try:
        assert t.get("/metrics").status == 200
        problem(t.get("/metrics", headers={"X-Forwarded-For": "1.2.3.4"}),
                403)
        problem(t.get("/metrics", headers={"Forwarded": "for=1.2.3.4"}), 403)
    finally:
        t.close()


def gift_of(size):
    q = b"::Q1:: Two plus two? {=4 ~3 ~5}\n\n"
    filler = b"// " + b"x" * 1020 + b"\n"
    return q + filler * ((size - len(q)) // len(filler))


def test_gift_five_mib():
    r = s.post("/api/v1/quizzes/import?title=Big", raw=gift_of(4_700_000),
               content_type="text/plain", token=admin, timeout=120)
    assert r.status == 201, r
    # Over 5 MiB: refused from Content-Length, before the body is sent.
    c = connect_from(s.port, "127.0.0.1")
    c.sendall(("POST /api/v1/quizzes/import?title=Huge HTTP/1.1\r\n"
               "Host: x\r\nContent-Type: text/plain\r\n"
               "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n"
               % (admin, 5 * 1024 * 1024 + 1)).encode())
    head = c.recv(64)
    c.close()
    assert head.startswith(b"HTTP/1.1 413"), head


BAD = ["a;=1+2", "\u00a0=SUM(A1)", "\u200b+1", "\ufeff-1", "\uff1d1+2",
       "\uff0bcmd", "\uff0d1", "\uff20x", "x\n=cmd", "x\ty", "\n@x",
       "ok; \u00a0\uff1dHYPERLINK(\"http://e\")", "b,\"=1\""]
SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20",
         "\u2212", "\ufe62", "\ufe63", "\ufe66", "\ufe6b")
SKIP = " \t\r\n\u00a0\u200b\u200c\u200d\u2060\ufeff\u3000\""


def test_csv_dialects():
    course = int(s.sql("INSERT INTO courses (slug, title, audience) VALUES "
                       "('csv-sec', 'T;=1', '{all}') RETURNING id")
                 .splitlines()[0])
    for i, name in enumerate(BAD):
        uid, _ = s.user(admin, "csv%d@example.org" % i, "trainee", org_a,
                        login=False)
        s.sql("UPDATE users SET name = :'v1' WHERE id = :'v2'", name, uid)
        s.sql("INSERT INTO enrollments (user_id, course_id) VALUES "
              "(:'v1', :'v2')", uid, course)
    r = s.get("/api/v1/records?format=csv&course_id=%d" % course, token=admin)
    assert r.status == 200, r
    text = r.body.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    names = sorted(row[1] for row in rows[1:])
    assert len(names) == len(BAD), rows
    for row in rows[1:]:
        assert row[5] == "T;'=1", row
    for name in BAD:        # each name comes back whole, guarded
        assert any(n.replace("'", "") == name.replace("'", "")
                   for n in names), (name, names)
    for delim in (",", ";"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
            for cell in row:
                bare = cell.lstrip(SKIP)
                assert not bare.startswith(SIGNS), (delim, cell, row)
        # What a spreadsheet would split anywhere in a line, too.
        for line in re.split("[\r\n]", text):
            for part in line.split(delim):
                bare = part.lstrip(SKIP)
                assert not bare.startswith(SIGNS), (delim, part, line)


run(test_idle_connections_then_canary_and_drain,
    test_stuck_drain_exits_nonzero, test_slow_and_large_anonymous_uploads,
    test_login_storm_from_one_address,
    test_forwarded_for_only_from_trusted_proxies,
    test_purge_expired_login_failures, test_email_nfkc, test_orgs_scoped,
    test_metrics_token, test_metrics_local_only_without_token,
    test_gift_five_mib, test_csv_dialects)
finish(s)
