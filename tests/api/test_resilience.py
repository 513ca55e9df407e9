"""The server under failure: PostgreSQL stopped and started again under a
running server (503 with Retry-After, then recovery, no crash), and
SIGTERM draining the requests in flight before exiting 0."""
import os
import subprocess
import tempfile
import threading
import time

from harness import Server, PASSWORD, free_port, problem, run, finish, wait_for

SOURCE = os.environ.get("MIGTRAIN_SOURCE", ".")
CLUSTER = os.path.join(SOURCE, "deploy", "pg-cluster")

# A private cluster: stopping it must not disturb the other tests.
tmp = tempfile.mkdtemp(prefix="migtrain-resilience-")
os.chmod(tmp, 0o755)
datadir = os.path.join(tmp, "pg")
pgport = free_port()


def cluster(*args):
    return subprocess.run([CLUSTER] + list(args), capture_output=True,
                          text=True, check=True,
                          env=dict(os.environ, PG_THROWAWAY="1")).stdout.strip()


conn = cluster("start", datadir, str(pgport))
subprocess.run(["psql", conn + " dbname=postgres", "-qc", "CREATE DATABASE r"],
               check=True)
s = Server("resilience", conninfo=conn + " dbname=r").start()
admin = s.bootstrap()


def test_database_restart():
    assert s.get("/api/v1/auth/me", token=admin).status == 200
    cluster("stop", datadir)
    for _ in range(3):
        r = s.get("/api/v1/auth/me", token=admin)
        problem(r, 503)
        assert r.header("Retry-After") == "1", r.headers
    problem(s.get("/readyz"), 503)
    problem(s.post("/api/v1/auth/login", {"email": "admin@example.org",
                                          "password": PASSWORD}), 503)
    assert s.get("/healthz").status == 200
    assert s.proc.poll() is None
    cluster("start", datadir, str(pgport))
    deadline = time.time() + 20
    while s.get("/readyz").status != 200:
        assert time.time() < deadline, "no recovery"
        time.sleep(0.2)
    # Every pooled connection heals, including prepared statements.
    for _ in range(20):
        assert s.get("/api/v1/auth/me", token=admin).status == 200
    assert s.login("admin@example.org")


def test_database_restart_under_writes():
    """PostgreSQL stopped and started while writers keep writing: every
    write the server acknowledged is there afterwards, every other one was
    refused with 503 (never 500), and the writers carry on after."""
    acked, refused, other = [], [], []
    stop = threading.Event()

    def writer(k):
        n = 0
        while not stop.is_set():
            n += 1
            try:
                r = s.post("/api/v1/orgs", {"name": "W%d-%d" % (k, n)},
                           token=admin, timeout=30)
            except OSError as e:
                other.append(repr(e))
                continue
            if r.status == 201:
                acked.append(r.json["id"])
            elif r.status == 503:
                refused.append(1)
            else:
                other.append(r)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    wait_for(lambda: len(acked) >= 20, "writes before the restart")
    cluster("stop", datadir)
    wait_for(lambda: len(refused) >= 4, "writes refused while it is away")
    before = len(acked)
    cluster("start", datadir, str(pgport))
    wait_for(lambda: len(acked) >= before + 20, "writes after the restart")
    stop.set()
    for t in threads:
        t.join(60)
    assert other == [], other[:5]
    ids = set(map(int, s.sql("SELECT string_agg(id::text, ' ') FROM orgs "
                             "WHERE name LIKE 'W%'").split()))
    assert set(acked) <= ids, set(acked) - ids


def test_sigterm_drains_in_flight():
    results = []

    def login():
        r = s.post("/api/v1/auth/login", {"email": "admin@example.org",
                                          "password": PASSWORD})
        results.append(r.status)

    # Logins take ~100 ms each on the argon2id pool: still running at SIGTERM.
    threads = [threading.Thread(target=login) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    proc = s.proc
    proc.send_signal(15)
    for t in threads:
        t.join(30)
    rc = proc.wait(30)
    assert rc == 0, rc
    assert results == [200] * 4, results
    assert '"msg":"stopped"' in s.logtext()
    # It no longer accepts connections.
    try:
        s.get("/healthz")
        assert False, "still accepting"
    except OSError:
        pass
    s.proc = None


def test_drain_refuses_new_connections():
    """During the drain the listening socket is shut: new connections are
    refused at once, while a request in flight still gets its answer."""
    import socket
    s.start()
    token = s.login("admin@example.org")
    body = b'{"name": "Drained org"}'
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(b"POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + token.encode() + b"\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
    time.sleep(0.3)
    proc = s.proc
    proc.send_signal(15)
    time.sleep(0.5)
    assert proc.poll() is None          # still draining
    try:
        socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
        assert False, "a new connection was accepted during the drain"
    except ConnectionRefusedError:
        pass
    c.sendall(body[5:])
    out = c.recv(65536)
    c.close()
    assert out.startswith(b"HTTP/1.1 201"), out[:200]
    assert b"Connection: close" in out, out[:400]
    assert proc.wait(30) == 0
    s.proc = None


run(test_database_restart, test_database_restart_under_writes,
    test_sigterm_drains_in_flight,
    test_drain_refuses_new_connections)
try:
    finish(s)
finally:
    cluster("stop", datadir)
    subprocess.run(["rm", "-rf", tmp])
