"""The HTTP conventions of API §2: problem+json for every error status,
body limits, strict JSON, headers, the route table against /openapi.json,
and /metrics."""
import json
import socket
import subprocess

from harness import Server, BIN, problem, run, finish

s = Server("http").start()
admin = s.bootstrap()
org = int(s.sql("SELECT id FROM orgs"))
tid, trainee = s.user(admin, "t@example.org", "trainee", org)


def raw_request(data, read=65536):
    """Sends raw bytes (the server may stop reading early); returns the
    raw answer."""
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    try:
        c.sendall(data)
    except OSError:
        pass
    out = b""
    try:
        while True:
            chunk = c.recv(read)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    c.close()
    return out


def test_not_found_and_method():
    problem(s.get("/api/v1/nothing"), 404)
    problem(s.get("/api/v1/users/"), 404)
    r = s.request("DELETE", "/api/v1/orgs", token=admin)
    problem(r, 405)
    assert r.header("Allow") == "GET, POST", r.headers
    problem(s.request("PUT", "/healthz"), 405)


def test_headers():
    r = s.get("/healthz")
    assert r.header("X-Content-Type-Options") == "nosniff"
    rid = r.header("X-Request-Id")
    assert rid and len(rid) >= 16
    r = s.get("/healthz", headers={"X-Request-Id": "trace-abc-123"})
    assert r.header("X-Request-Id") == "trace-abc-123"
    r = s.get("/api/v1/auth/me", token=admin)
    assert r.header("Cache-Control") == "no-store"
    assert r.header("X-Content-Type-Options") == "nosniff"
    p = problem(s.get("/api/v1/nothing", headers={"X-Request-Id": "abc-1"}), 404)
    assert p["instance"] == "abc-1"


def test_unauthenticated_and_forbidden():
    for path in ("/api/v1/users", "/api/v1/orgs", "/api/v1/audit"):
        problem(s.get(path), 401)
    problem(s.get("/api/v1/audit", token=trainee), 403)


def org_count():
    return s.sql("SELECT count(*) FROM orgs")


def test_malformed_json():
    before = org_count()
    for raw in (b"{", b"[1,2]", b"nul", b'{"name": }', b'"str"', b"{} {}"):
        problem(s.post("/api/v1/orgs", raw=raw, token=admin), 400)
    problem(s.post("/api/v1/orgs", raw=b'{"name":"a","name":"b"}', token=admin), 400)
    problem(s.post("/api/v1/orgs", raw=b'{"name":"a\\u0000b"}', token=admin), 400)
    problem(s.post("/api/v1/orgs", raw=b'{"name":"\xff\xfe bad"}', token=admin), 400)
    problem(s.post("/api/v1/orgs", raw=b'{"name":"\xed\xa0\x80"}', token=admin), 400)
    deep = b"[" * 100000 + b"]" * 100000
    problem(s.post("/api/v1/orgs", raw=deep, token=admin), 400)
    deep = b'{"name":' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}"
    problem(s.post("/api/v1/orgs", raw=deep, token=admin), 400)
    problem(s.post("/api/v1/orgs", raw=b"", token=admin), 400)
    assert org_count() == before


def test_wrong_types_and_unknown_fields():
    before = org_count()
    p = problem(s.post("/api/v1/orgs", {"name": "X", "colour": "red"}, token=admin), 422)
    assert p["errors"] == [{"field": "colour", "message": "unknown field"}]
    p = problem(s.post("/api/v1/orgs", {"name": 5}, token=admin), 422)
    assert p["errors"][0]["field"] == "name"
    problem(s.post("/api/v1/orgs", {"name": "x" * 201}, token=admin), 422)
    assert org_count() == before


def test_content_type():
    problem(s.post("/api/v1/orgs", {"name": "X"}, token=admin,
                   content_type="text/plain"), 415)
    problem(s.post("/api/v1/orgs", raw=b'{"name":"X"}', token=admin,
                   content_type=None), 415)
    r = s.post("/api/v1/orgs", {"name": "Typed"}, token=admin,
               content_type="application/json; charset=utf-8")
    assert r.status == 201, r


def test_body_over_limit():
    big = b'{"name":"' + b"x" * (1024 * 1024) + b'"}'
    out = raw_request(b"POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\n"
                      b"Authorization: Bearer " + admin.encode() + b"\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(big) + big)
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    # Declared too large: refused before the body is read.
    out = raw_request(b"POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: 50000000\r\n\r\n{")
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    assert b"application/problem+json" in out
    # Chunked without a length: refused once it passes the cap.
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20))
    out = raw_request(b"POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\n"
                      b"Authorization: Bearer " + admin.encode() + b"\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body + b"0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    assert s.sql("SELECT count(*) FROM orgs WHERE name LIKE 'xxx%'") == "0"
    assert s.get("/healthz").status == 200


def test_refused_before_the_body_is_read():
    """An anonymous upload is answered 401 from its headers alone."""
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(b"POST /api/v1/orgs HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: 900000\r\n\r\n{")
    out = c.recv(4096)
    c.close()
    assert out.startswith(b"HTTP/1.1 401"), out[:200]
    assert b"application/problem+json" in out


def test_query_string_not_utf8():
    p = problem(s.get("/api/v1/audit?action=%ff", token=admin), 400)
    assert "UTF-8" in p["detail"]
    problem(s.get("/api/v1/users?role=%c3%28", token=admin), 400)


def test_slow_readers_hold_no_database_connection():
    """Clients that never read their answers must not starve the pool
    (2 workers here, so 4 connections)."""
    s.sql("INSERT INTO orgs (name) SELECT 'Slow reader org ' || g || ' ' ||"
          " repeat('x', 180) FROM generate_series(1, 200) g")
    stuck = []
    req = ("GET /api/v1/orgs?limit=200 HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\n\r\n" % admin).encode()
    for _ in range(6):
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.connect(("127.0.0.1", s.port))
        c.sendall(req * 20)
        stuck.append(c)
    import time
    time.sleep(1)
    r = s.get("/api/v1/auth/me", token=admin, timeout=4)
    assert r.status == 200, r
    metrics = s.get("/metrics").text
    assert "migtrain_db_pool_in_use 0" in metrics or \
        "migtrain_db_pool_in_use 1" in metrics, metrics[-300:]
    for c in stuck:
        c.close()
    s.sql("DELETE FROM orgs WHERE name LIKE 'Slow reader org %'")


def test_conflict():
    assert s.post("/api/v1/orgs", {"name": "Dup"}, token=admin).status == 201
    problem(s.post("/api/v1/orgs", {"name": "DUP"}, token=admin), 409)


def test_garbage_requests_never_5xx():
    for line in (b"GET /%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 b"GET /api/v1/users/99999999999999999999999 HTTP/1.1\r\nHost: x\r\n"
                 b"Authorization: Bearer " + admin.encode() + b"\r\nConnection: close\r\n\r\n",
                 b"GET /api/v1/users?limit=1e3 HTTP/1.1\r\nHost: x\r\n"
                 b"Authorization: Bearer " + admin.encode() + b"\r\nConnection: close\r\n\r\n",
                 b"BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 b"GET /healthz HTTP/1.1\r\n" + b"X-Long: " + b"a" * 100000 + b"\r\n\r\n"):
        out = raw_request(line)
        status = int(out.split(b" ")[1]) if out.startswith(b"HTTP/") else 0
        assert 400 <= status < 500, out[:200]
    assert s.get("/healthz").status == 200


def test_openapi_lists_every_route():
    doc = s.get("/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    routes = subprocess.run([BIN, "routes"], capture_output=True, text=True,
                            check=True).stdout.split("\n")
    missing = []
    for line in filter(None, routes):
        method, path = line.split(" ", 1)
        op = doc["paths"].get(path, {}).get(method.lower())
        if op is None or "responses" not in op:
            missing.append(line)
    assert not missing, "routes missing from /openapi.json: %s" % missing


def test_metrics():
    s.get("/healthz")
    text = s.get("/metrics").text
    assert 'migtrain_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "migtrain_http_request_duration_seconds_bucket" in text
    assert "migtrain_db_pool_in_use" in text
    assert 'route="unmatched",status="404"' in text


def test_access_log_line():
    """Every request is logged as one JSON line (written by hand, not by
    jansson, since issue 11): quotes, backslashes and control bytes in the
    path are escaped, UTF-8 kept, the caller's id and request id given."""
    r = s.get("/api/v1/no%22such%5Cpath%01%C3%A9", token=admin,
              headers={"X-Request-Id": "log-line-test-1"})
    assert r.status == 404
    s.get("/healthz", headers={"X-Request-Id": "log-line-test-2"})
    lines = {}
    for line in s.logtext().splitlines():
        if "log-line-test-" in line:
            o = json.loads(line)
            lines[o["request_id"]] = o
    o = lines["log-line-test-1"]
    assert list(o) == ["level", "msg", "method", "path", "status", "ms",
                       "user_id", "request_id", "ts"], o
    assert o["level"] == "info" and o["msg"] == "request"
    assert o["method"] == "GET" and o["status"] == 404
    assert o["path"] == '/api/v1/no"such\\path\x01\u00e9', o
    assert isinstance(o["ms"], float) and o["ms"] >= 0
    assert isinstance(o["user_id"], int) and o["user_id"] > 0
    assert o["ts"].endswith("Z") and len(o["ts"]) == 24
    o = lines["log-line-test-2"]
    assert o["user_id"] is None and o["path"] == "/healthz" and o["status"] == 200


def test_readyz():
    r = s.get("/readyz")
    assert r.status == 200 and r.text == "ready\n"


run(test_not_found_and_method, test_headers, test_unauthenticated_and_forbidden,
    test_malformed_json, test_wrong_types_and_unknown_fields, test_content_type,
    test_body_over_limit, test_refused_before_the_body_is_read,
    test_query_string_not_utf8, test_slow_readers_hold_no_database_connection,
    test_conflict, test_garbage_requests_never_5xx,
    test_openapi_lists_every_route, test_metrics, test_readyz)
finish(s)
