"""Test harness for the HTTP tests: a real migtrain server on a free port
against a fresh database of the throwaway cluster (MIGTRAIN_TEST_PG).

Each test file builds one or more Server objects, calls test functions
through run(), and ends with the plain summary line "N passed, N failed".
Only the standard library of /usr/bin/python3 is used.
"""
import http.client
import json
import os
import random
import re
import signal
import socket
import string
import subprocess
import sys
import time
import traceback

BIN = os.environ.get("MIGTRAIN_BIN", "build/migtrain")
SOURCE = os.environ.get("MIGTRAIN_SOURCE", ".")
PG = os.environ.get("MIGTRAIN_TEST_PG")
PASSWORD = "correct horse battery"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(conninfo, sql, *args):
    """Runs sql through psql (variables :'v1'.. for args); returns stdout."""
    cmd = ["psql", conninfo, "-qtAX", "-v", "ON_ERROR_STOP=1"]
    for i, a in enumerate(args):
        cmd += ["-v", "v%d=%s" % (i + 1, a)]
    out = subprocess.run(cmd, input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("psql failed: " + out.stderr)
    return out.stdout.strip()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8")

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Server:
    def __init__(self, name, env=None, migrate=True, conninfo=None):
        if conninfo is None:
            if not PG:
                raise SystemExit("MIGTRAIN_TEST_PG is not set (use tests/run)")
            self.dbname = "t_%s_%s" % (name, "".join(
                random.choice(string.ascii_lowercase) for _ in range(6)))
            psql(PG + " dbname=postgres", "CREATE DATABASE %s" % self.dbname)
            conninfo = PG + " dbname=" + self.dbname
        self.db = conninfo
        self.port = free_port()
        self.keyfile = "/tmp/migtrain-%s-%d.key" % (name, self.port)
        self.env = dict(os.environ)
        self.env.update({
            "MIGTRAIN_DB": self.db,
            "MIGTRAIN_LISTEN": "127.0.0.1:%d" % self.port,
            "MIGTRAIN_THREADS": "2",
            "MIGTRAIN_KEY_FILE": self.keyfile,
        })
        self.env.update(env or {})
        self.proc = None
        self.log = open("/tmp/migtrain-%s-%d.log" % (name, self.port), "w+")
        if migrate:
            self.cli("migrate")

    def cli(self, *args, input=None, check=True):
        out = subprocess.run([BIN] + list(args), env=self.env, input=input,
                             capture_output=True, text=True)
        if check and out.returncode != 0:
            raise RuntimeError("migtrain %s: %s%s" % (args, out.stdout, out.stderr))
        return out

    def start(self):
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env,
                                     stdout=self.log, stderr=self.log)
        for _ in range(300):
            try:
                if self.request("GET", "/healthz").status == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.logtext())
            time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.logtext())

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def stop(self, timeout=30):
        """SIGTERM; the server must drain and exit 0 with a clean log."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = -9
        self.proc = None
        log = self.logtext()
        for bad in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                    "runtime error:", '"level":"fatal"'):
            if bad in log:
                raise AssertionError("server log shows %r:\n%s" % (bad, log[-4000:]))
        return rc

    def request(self, method, path, body=None, token=None, headers=None,
                raw=None, content_type="application/json", timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
        if data is not None and content_type and "Content-Type" not in h:
            h["Content-Type"] = content_type
        if token:
            h["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read())
        conn.close()
        ctype = resp.header("Content-Type") or ""
        if ctype.startswith(("application/json", "application/problem+json")):
            assert_compact(resp.body)
        return resp

    # Convenience wrappers.
    def get(self, path, token=None, **kw):
        return self.request("GET", path, token=token, **kw)

    def post(self, path, body=None, token=None, **kw):
        return self.request("POST", path, body=body, token=token, **kw)

    def patch(self, path, body=None, token=None, **kw):
        return self.request("PATCH", path, body=body, token=token, **kw)

    def put(self, path, body=None, token=None, **kw):
        return self.request("PUT", path, body=body, token=token, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token=token, **kw)

    def login(self, email, password=PASSWORD):
        r = self.post("/api/v1/auth/login", {"email": email, "password": password})
        assert r.status == 200, r
        return r.json["token"]

    def bootstrap(self):
        """An admin (by the CLI) and a token for it; returns the token."""
        self.cli("create-user", "--email", "admin@example.org", "--name",
                 "Admin", "--role", "admin", "--org", "IOM Office",
                 input=PASSWORD + "\n")
        return self.login("admin@example.org")

    def org(self, admin, name):
        r = self.post("/api/v1/orgs", {"name": name}, token=admin)
        assert r.status == 201, r
        return r.json["id"]

    def user(self, admin, email, role, org_id, name=None, login=True):
        """Creates a user through the API; returns (id, token or None)."""
        r = self.post("/api/v1/users", {"email": email, "name": name or email,
                                        "role": role, "org_id": org_id,
                                        "password": PASSWORD}, token=admin)
        assert r.status == 201, r
        return r.json["id"], (self.login(email) if login else None)

    def sql(self, query, *args):
        return psql(self.db, query, *args)

    def close(self):
        rc = self.stop()
        self.log.close()
        if hasattr(self, "dbname"):
            psql(PG + " dbname=postgres",
                 "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.dbname)
        try:
            os.unlink(self.keyfile)
        except OSError:
            pass
        return rc


def assert_compact(body):
    """Every JSON answer has one form, the compact one: no whitespace
    between tokens (PostgreSQL's json_build_object writes {"id" : 1})."""
    quoted = escaped = False
    for i, c in enumerate(body.decode("utf-8", "replace")):
        if quoted:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c in " \t\r\n":
            raise AssertionError("JSON answer not compact at %d: %r" %
                                 (i, body[max(0, i - 40):i + 40]))


# Constraint names (PostgreSQL's defaults and the schema's own) that no
# client may ever read.
CONSTRAINT_NAME = re.compile(r"[a-z]+_[a-z_]*(_key|_fkey|_pkey|_check|"
                             r"_excl|_no_overlap)\b|violates|constraint")


def problem(r, status):
    """Asserts r is a problem+json answer with the given status; every 422
    names its fields in errors[], and no problem names a constraint."""
    assert r.status == status, "want %d, got %r" % (status, r)
    assert r.header("Content-Type") == "application/problem+json", r.headers
    p = r.json
    assert p["status"] == status and p["title"] and "detail" in p, p
    if status == 422:
        assert p.get("errors"), p
        for e in p["errors"]:
            assert isinstance(e.get("field"), str) and e.get("message"), p
    assert not CONSTRAINT_NAME.search(r.text), p
    return p


_results = {"passed": 0, "failed": 0}


def wait_for(cond, what, timeout=60):
    """Waits until cond() holds: for what the server does on its own time
    (noticing a client has gone, say), never as a stand-in for a rule.
    The timeout only turns a hang into a failure."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting for " + what)
        time.sleep(0.02)


def run(*tests, before=None):
    """Runs each test function, printing failures; never stops early.
    before(), when given, runs ahead of every test: state a test needs is
    set up there, never left to the previous test's clean-up."""
    for t in tests:
        start = time.time()
        try:
            if before is not None:
                before()
            t()
            _results["passed"] += 1
            print("ok   %s (%.1fs)" % (t.__name__, time.time() - start), flush=True)
        except Exception:
            _results["failed"] += 1
            print("FAIL %s" % t.__name__, flush=True)
            traceback.print_exc()


def finish(*servers):
    for s in servers:
        try:
            rc = s.close()
            if rc != 0:
                print("FAIL server exit code %s" % rc)
                _results["failed"] += 1
        except Exception:
            _results["failed"] += 1
            traceback.print_exc()
    print("%d passed, %d failed" % (_results["passed"], _results["failed"]))
    sys.exit(1 if _results["failed"] else 0)
