"""The production set-up of deploy/, run for real on this machine (API §18):
a primary (deploy/pg-cluster, WAL archived by deploy/pg-backup) and a
streaming replica (deploy/pg-replica), two migtrain instances, and nginx
with deploy/nginx-migtrain.conf (its marked lines pointed at free loopback
ports and a self-signed certificate) serving HTTPS.

Covered: `migrate` from two instances at once on an empty database; a
session and its CSRF token work on either instance, logout on one ends it
on both; login limits count across instances; records, CSV, summary and
transcripts come from the replica while it is current (seen in its
pg_stat_activity) and from the primary while replay is paused or the
replica is down, with no error; a rolling restart under steady reads and
writes through nginx loses no request and no acknowledged write;
rotate-key plus SIGHUP makes both instances publish the new key and sign
with it; a point-in-time restore gives exactly the data of that moment.

Needs root (PostgreSQL runs as postgres) and nginx; exits 77 (skipped)
without them. Prints the time it took.
"""
import atexit
import base64
import difflib
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

SOURCE = os.environ.get("MIGTRAIN_SOURCE", ".")
sys.path.insert(0, os.path.join(SOURCE, "tests", "api"))
from harness import (BIN, PASSWORD, Response, Server, free_port, finish,  # noqa: E402
                     problem, psql, run)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
if os.getuid() != 0 or not os.path.exists(NGINX):
    print("skipped: needs root and nginx")
    sys.exit(77)

T0 = time.time()
DEPLOY = os.path.join(SOURCE, "deploy")
tmp = tempfile.mkdtemp(prefix="migtrain-deploy.", dir="/tmp")
os.chmod(tmp, 0o755)
ENV = dict(os.environ, PG_THROWAWAY="1")
CLUSTERS = []


def cleanup():
    for d in CLUSTERS:
        subprocess.run([os.path.join(DEPLOY, "pg-cluster"), "stop", d])
    shutil.rmtree(tmp, ignore_errors=True)


atexit.register(cleanup)


def sh(*args):
    out = subprocess.run(list(args), capture_output=True, text=True, env=ENV)
    if out.returncode != 0:
        raise RuntimeError("%s: %s%s" % (args, out.stdout, out.stderr))
    return out.stdout.strip()


def wait_for(what, check, timeout=20):
    """Polls check() until it is true (a state to reach, not a delay)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


# The primary archives its WAL from the start, so the base backup below
# and the restore can use it; archiving takes a restart once.
pdir, rdir, archive = (os.path.join(tmp, n) for n in ("primary", "replica",
                                                      "archive"))
pport, rport = free_port(), free_port()
CLUSTERS += [rdir, pdir, os.path.join(tmp, "restored")]
primary = sh(os.path.join(DEPLOY, "pg-cluster"), "start", pdir, str(pport))
sh(os.path.join(DEPLOY, "pg-backup"), "archiving",
   os.path.join(pdir, "postgresql.conf"), archive)
sh(os.path.join(DEPLOY, "pg-cluster"), "stop", pdir)
sh(os.path.join(DEPLOY, "pg-cluster"), "start", pdir, str(pport))
psql(primary + " dbname=postgres", "CREATE DATABASE migtrain")
replica = sh(os.path.join(DEPLOY, "pg-replica"), primary, rdir, str(rport))
PDB, RDB = primary + " dbname=migtrain", replica + " dbname=migtrain"
# Both clusters log every statement with the client's application_name, so
# the tests can tell which one served a report.
for d, c in ((pdir, primary), (rdir, replica)):
    with open(os.path.join(d, "postgresql.conf"), "a") as f:
        f.write("log_statement = 'all'\nlog_line_prefix = '[%a] '\n")
    psql(c + " dbname=postgres", "SELECT pg_reload_conf()")
KEYFILE = os.path.join(tmp, "signing.key")


def instance(name):
    return Server(name, conninfo=PDB, migrate=False, env={
        "MIGTRAIN_DB_REPLICA": RDB, "MIGTRAIN_REPLICA_MAX_LAG_S": "1",
        "MIGTRAIN_KEY_FILE": KEYFILE, "MIGTRAIN_LOGIN_MAX_FAILURES": "3",
        "MIGTRAIN_SECURE_COOKIES": "1"})


a, b = instance("deploy-a"), instance("deploy-b")


def test_migrate_from_two_instances_at_once():
    procs = [subprocess.Popen([BIN, "migrate"], env=s.env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for s in (a, b)]
    outs = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert all(o[2] == 0 for o in outs), outs
    files = sorted(f for f in os.listdir(os.path.join(SOURCE, "schema"))
                   if f.endswith(".sql"))
    applied = [re.findall(r"^applied (\S+)$", o[0], re.M) for o in outs]
    # Exactly one applied everything, the other found nothing to do.
    assert sorted(applied[0] + applied[1]) == files, outs
    assert [] in applied, outs
    assert a.sql("SELECT count(*) FROM schema_migrations") == str(len(files))


# Everything below needs the schema.
run(test_migrate_from_two_instances_at_once)
a.start()
b.start()
admin = a.bootstrap()
office = int(a.sql("SELECT id FROM orgs"))
admin_id = int(a.sql("SELECT id FROM users WHERE email = 'admin@example.org'"))

# nginx, with deploy/nginx-migtrain.conf as it ships but for the marked
# lines: instance addresses, the listening port and the certificate.
ngx = os.path.join(tmp, "nginx")
os.makedirs(os.path.join(ngx, "logs"))
CERT, KEY = os.path.join(ngx, "cert.pem"), os.path.join(ngx, "key.pem")
sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
   "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
   "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
   "-keyout", KEY, "-out", CERT)
HTTPS_PORT = free_port()
with open(os.path.join(DEPLOY, "nginx-migtrain.conf")) as f:
    SITE = f.read()


def write_nginx(down=()):
    servers = "".join(
        "    server 127.0.0.1:%d max_fails=2 fail_timeout=5s%s;\n"
        % (s.port, " down" if s in down else "") for s in (a, b))
    site, n = re.subn(r"(    server .*# migtrain instance\n)+", servers, SITE)
    assert n == 1, "deploy/nginx-migtrain.conf lost its instance lines"
    for pat, new in ((r"listen 443 ", "listen 127.0.0.1:%d " % HTTPS_PORT),
                     (r"ssl_certificate +\S+;", "ssl_certificate %s;" % CERT),
                     (r"ssl_certificate_key +\S+;",
                      "ssl_certificate_key %s;" % KEY)):
        site, n = re.subn(pat, new, site)
        assert n == 1, pat
    with open(os.path.join(ngx, "site.conf"), "w") as f:
        f.write(site)
    with open(os.path.join(ngx, "nginx.conf"), "w") as f:
        f.write("""user root;
daemon off;
worker_processes 2;
pid %(d)s/nginx.pid;
error_log %(d)s/logs/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    include %(d)s/site.conf;
}
""" % {"d": ngx})


def nginx_workers(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return set(int(p) for p in f.read().split())


def nginx_reload(down=()):
    """Reconfigures nginx and waits until only the new workers serve."""
    write_nginx(down)
    old = nginx_workers(nginx.pid)
    nginx.send_signal(signal.SIGHUP)
    wait_for("nginx to reload", lambda: not (old & nginx_workers(nginx.pid))
             and len(nginx_workers(nginx.pid)) >= 2)


write_nginx()
nginx = subprocess.Popen([NGINX, "-p", ngx, "-c", os.path.join(ngx, "nginx.conf"),
                          "-e", os.path.join(ngx, "logs", "error.log")])
TLS = ssl.create_default_context(cafile=CERT)


def https(method, path, body=None, token=None):
    """One request through nginx over HTTPS, on a connection of its own."""
    conn = http.client.HTTPSConnection("127.0.0.1", HTTPS_PORT, timeout=30,
                                       context=TLS)
    h = {"Connection": "close"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = "Bearer " + token
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    resp = Response(r.status, r.getheaders(), r.read())
    conn.close()
    return resp


def https_up():
    try:
        return https("GET", "/readyz").status == 200
    except OSError:
        return False


wait_for("nginx", https_up)

# A course with one lesson, for records and certificates.
r = a.post("/api/v1/courses", {"slug": "deploy-course", "title": "Deployment",
                               "summary": "S.", "audience": ["all"],
                               "published": True}, token=admin)
assert r.status == 201, r
COURSE = r.json["id"]
r = a.post("/api/v1/courses/%d/modules" % COURSE, {
    "title": "Only lesson", "kind": "lesson", "body_md": "Text."}, token=admin)
assert r.status == 201, r
MODULE = r.json["id"]
_n = [0]


def trainee():
    _n[0] += 1
    return a.user(admin, "t%d@example.org" % _n[0], "trainee", office)


def enrol(token):
    r = a.post("/api/v1/enrollments", {"course_id": COURSE}, token=token)
    assert r.status in (200, 201), r


def test_session_works_on_both_instances():
    r = a.post("/api/v1/auth/login", {"email": "admin@example.org",
                                      "password": PASSWORD})
    assert r.status == 200, r
    token, csrf = r.json["token"], r.json["csrf_token"]
    cookie = r.header("Set-Cookie").split(";")[0]
    assert b.get("/api/v1/auth/me", token=token).status == 200
    # The cookie and its CSRF token from A are good for a write on B.
    r = b.post("/api/v1/orgs", {"name": "Cookie office"},
               headers={"Cookie": cookie, "X-CSRF-Token": csrf})
    assert r.status == 201, r
    problem(b.post("/api/v1/orgs", {"name": "No CSRF"},
                   headers={"Cookie": cookie}), 403)
    assert b.post("/api/v1/auth/logout", token=token).status in (200, 204)
    problem(a.get("/api/v1/auth/me", token=token), 401)


def test_login_limits_count_across_instances():
    a.user(admin, "limited@example.org", "trainee", office, login=False)
    bad = {"email": "limited@example.org", "password": "wrong password!"}
    for s in (a, b, a):
        problem(s.post("/api/v1/auth/login", bad), 401)
    good = {"email": "limited@example.org", "password": PASSWORD}
    for s in (b, a):
        problem(s.post("/api/v1/auth/login", good), 429)


def replica_caught_up():
    want = psql(PDB, "SELECT pg_current_wal_insert_lsn()")
    return psql(RDB, "SELECT pg_last_wal_replay_lsn() >= :'v1'::pg_lsn",
                want) == "t"


def ran_on(datadir, fragment):
    """Statements of migtrain containing fragment in a cluster's log (both
    clusters log every statement, see below): what ran where."""
    with open(os.path.join(datadir, "server.log"), errors="replace") as f:
        return sum(1 for line in f
                   if line.startswith("[migtrain]") and fragment in line)


def records_of(s, uid, csv=False):
    r = s.get("/api/v1/records?user_id=%d%s" % (uid, "&format=csv" if csv
                                                   else ""), token=admin)
    assert r.status == 200, r
    return r


def test_reports_from_the_replica_while_current():
    uid, tok = trainee()
    enrol(tok)
    wait_for("the replica", replica_caught_up)
    on_primary = [ran_on(pdir, f) for f in ("mt_records_page", "mt_transcript")]
    for s in (a, b):
        assert len(records_of(s, uid).json["items"]) == 1
        assert "t%d@example.org" % _n[0] in records_of(s, uid, csv=True).text
    assert ran_on(rdir, "mt_records_page") >= 1
    assert ran_on(rdir, "FETCH 1000 FROM mt_csv") >= 1
    for path in ("/api/v1/reports/summary", "/api/v1/reports/summary?format=csv",
                 "/api/v1/users/%d/transcript" % uid):
        assert a.get(path, token=admin).status == 200
    assert ran_on(rdir, "mt_summary") >= 1 and ran_on(rdir, "mt_transcript") >= 1
    for s in (a, b):
        assert "migtrain_db_replica_current 1\n" in s.get("/metrics").text
    # Nothing of it ran on the primary.
    assert [ran_on(pdir, f) for f in ("mt_records_page", "mt_transcript")] \
        == on_primary


def test_an_idle_primary_leaves_the_replica_current():
    """Nothing committed for longer than the lag bound (1 s here): the age
    of the last replayed transaction grows, yet the replica is current."""
    wait_for("the replica", replica_caught_up)
    wait_for("an idle primary", lambda: psql(
        RDB, "SELECT now() - pg_last_xact_replay_timestamp()"
        " > interval '2 s'") == "t", timeout=30)
    before = [ran_on(d, "mt_transcript") for d in (pdir, rdir)]
    for s in (a, b):
        assert s.get("/api/v1/users/%d/transcript" % admin_id,
                     token=admin).status == 200
    after = [ran_on(d, "mt_transcript") for d in (pdir, rdir)]
    assert after[0] == before[0] and after[1] == before[1] + 2, (before, after)


def fresh_record_served(uid):
    """True once both instances show uid's new record, each answer 200."""
    return all(len(records_of(s, uid).json["items"]) == 1 and
               str(uid) in records_of(s, uid, csv=True).text.split("\n")[1]
               for s in (a, b))


def test_reports_from_the_primary_while_replay_is_paused():
    psql(RDB, "SELECT pg_wal_replay_pause()")
    before = ran_on(pdir, "mt_records_page")
    try:
        uid, tok = trainee()
        enrol(tok)
        # The replica cannot have it: only the primary can answer so.
        wait_for("records from the primary", lambda: fresh_record_served(uid))
        assert ran_on(pdir, "mt_records_page") > before
        assert psql(RDB, "SELECT count(*) FROM enrollments WHERE user_id = "
                    ":'v1'", uid) == "0"
        for s in (a, b):
            assert "migtrain_db_replica_current 0\n" in s.get("/metrics").text
    finally:
        psql(RDB, "SELECT pg_wal_replay_resume()")


def test_reports_from_the_primary_while_the_replica_is_down():
    sh(os.path.join(DEPLOY, "pg-cluster"), "stop", rdir)
    try:
        uid, tok = trainee()
        enrol(tok)
        # Every answer on the way is a 200, then the new record shows.
        wait_for("records with the replica down",
                 lambda: fresh_record_served(uid))
        for s in (a, b):
            assert s.get("/api/v1/users/%d/transcript" % uid,
                         token=admin).status == 200
    finally:
        sh(os.path.join(DEPLOY, "pg-cluster"), "start", rdir, str(rport))
    wait_for("the replica back", replica_caught_up)


def test_rolling_restart_under_load():
    stop = threading.Event()
    failures, written, reads = [], [], [0]

    def writer():
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = https("POST", "/api/v1/orgs", {"name": "Load %d" % i},
                          token=admin)
                if r.status == 201:
                    written.append(r.json["id"])
                else:
                    failures.append(("POST", r.status, r.body[:200]))
            except Exception as e:          # noqa: BLE001 (counted)
                failures.append(("POST", repr(e)))

    def reader():
        while not stop.is_set():
            for path in ("/api/v1/auth/me", "/api/v1/records?limit=5"):
                try:
                    r = https("GET", path, token=admin)
                    if r.status != 200:
                        failures.append(("GET", path, r.status, r.body[:200]))
                    reads[0] += 1
                except Exception as e:      # noqa: BLE001 (counted)
                    failures.append(("GET", path, repr(e)))

    threads = [threading.Thread(target=f) for f in (writer, reader, reader)]
    for t in threads:
        t.start()
    try:
        wait_for("load", lambda: len(written) >= 5)
        for s in (a, b):
            # Out of nginx's rotation first (open-source nginx cannot
            # drain on its own), then SIGTERM, start, ready, back in.
            nginx_reload(down=(s,))
            before = len(written)
            assert s.stop() == 0
            wait_for("writes meanwhile", lambda: len(written) >= before + 5)
            s.start()
            assert s.get("/readyz").status == 200
            nginx_reload()
            before = len(written)
            wait_for("writes through both", lambda: len(written) >= before + 5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == [], failures[:10]
    assert reads[0] >= 10, reads
    present = a.sql("SELECT count(*) FROM orgs WHERE id = ANY(:'v1'::bigint[])",
                    "{%s}" % ",".join(map(str, written)))
    assert present == str(len(written)), (present, len(written))
    print("     rolling restart: %d writes, %d reads, 0 failed"
          % (len(written), reads[0]))


def b64d(t):
    return base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))


def openssl_verifies(jws, jwk):
    h, p, sig = jws.split(".")
    with tempfile.TemporaryDirectory() as d:
        files = {"pub.der": bytes.fromhex("302a300506032b6570032100") +
                 b64d(jwk["x"]), "data": ("%s.%s" % (h, p)).encode(),
                 "sig": b64d(sig)}
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        out = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER",
             "-inkey", os.path.join(d, "pub.der"), "-rawin", "-in",
             os.path.join(d, "data"), "-sigfile", os.path.join(d, "sig")],
            capture_output=True, text=True)
    return out.returncode == 0 and "Signature Verified Successfully" in out.stdout


def kids(s):
    r = s.get("/api/v1/certificates/keys")
    assert r.status == 200, r
    return [k["kid"] for k in r.json["keys"]]


def test_rotate_key_and_sighup():
    old = kids(a)
    assert kids(b) == old and len(old) == 1
    out = a.cli("rotate-key").stdout
    new = re.search(r"added key (\S+)", out).group(1)
    for s in (a, b):
        s.proc.send_signal(signal.SIGHUP)
    wait_for("both JWKS", lambda: kids(a) == old + [new] and
             kids(b) == old + [new])
    uid, tok = trainee()
    enrol(tok)
    r = b.post("/api/v1/modules/%d/complete" % MODULE, token=tok)
    assert r.status == 200 and r.json["completed_at"], r
    code = a.sql("SELECT code FROM certificates WHERE user_id = :'v1'", uid)
    jws = a.get("/api/v1/certificates/" + code).json["credential"]
    assert json.loads(b64d(jws.split(".")[0]))["kid"] == new
    # Verified with the key as the other instance publishes it.
    jwk = [k for k in b.get("/api/v1/certificates/keys").json["keys"]
           if k["kid"] == new][0]
    assert openssl_verifies(jws, jwk)
    # A damaged file on SIGHUP changes nothing: the loaded keys stay.
    with open(KEYFILE) as f:
        good = f.read()
    with open(KEYFILE, "a") as f:
        f.write("not a key line\n")
    try:
        a.proc.send_signal(signal.SIGHUP)
        wait_for("the refusal", lambda: "key file not reloaded" in a.logtext())
        assert kids(a) == old + [new]
    finally:
        with open(KEYFILE, "w") as f:
            f.write(good)


def dump(conninfo):
    """The data of a database, as pg_dump writes it, less two lines that
    differ without the data differing: pg_dump's random \\restrict key, and
    sequence positions (PostgreSQL logs sequences 32 values ahead, so after
    recovery one may have skipped numbers never handed out)."""
    out = subprocess.run(["pg_dump", "--no-sync", conninfo],
                         capture_output=True, text=True, check=True).stdout
    return "".join(line for line in out.splitlines(True)
                   if not line.startswith(("\\restrict", "\\unrestrict",
                                           "SELECT pg_catalog.setval(")))


def test_point_in_time_restore():
    base = sh(os.path.join(DEPLOY, "pg-backup"), "base", primary, archive)
    for i in range(3):
        assert a.post("/api/v1/orgs", {"name": "Before %d" % i},
                      token=admin).status == 201
    at = psql(PDB, "SELECT clock_timestamp()")
    then = dump(PDB)
    for i in range(3):
        assert b.post("/api/v1/orgs", {"name": "After %d" % i},
                      token=admin).status == 201
    # The segment holding the later commits goes to the archive now.
    seg = psql(PDB, "SELECT pg_walfile_name(pg_switch_wal())")
    wait_for("archiving", lambda: psql(
        PDB, "SELECT coalesce(last_archived_wal >= :'v1', false)"
        " FROM pg_stat_archiver", seg) == "t")
    rdir2 = os.path.join(tmp, "restored")
    restored = sh(os.path.join(DEPLOY, "pg-restore"), base, archive, rdir2,
                  str(free_port()), at)
    try:
        got = dump(restored + " dbname=migtrain")
        assert got == then, "the restored data differs from the data at " \
            "%s:\n%s" % (at, "".join(list(difflib.unified_diff(
                then.splitlines(True), got.splitlines(True)))[:60]))
        names = psql(restored + " dbname=migtrain",
                     "SELECT string_agg(name, ',' ORDER BY name) FROM orgs"
                     " WHERE name LIKE 'Before %' OR name LIKE 'After %'")
        assert names == "Before 0,Before 1,Before 2", names
    finally:
        sh(os.path.join(DEPLOY, "pg-cluster"), "stop", rdir2)


try:
    run(test_session_works_on_both_instances,
        test_login_limits_count_across_instances,
        test_reports_from_the_replica_while_current,
        test_an_idle_primary_leaves_the_replica_current,
        test_reports_from_the_primary_while_replay_is_paused,
        test_reports_from_the_primary_while_the_replica_is_down,
        test_rolling_restart_under_load,
        test_rotate_key_and_sighup,
        test_point_in_time_restore)
finally:
    nginx.terminate()
    nginx.wait(timeout=30)
    print("deploy test took %.1f s" % (time.time() - T0), flush=True)

finish(a, b)
