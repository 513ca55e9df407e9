"""Authentication and sessions (API §3): login, bearer and cookie, CSRF,
logout, expiry, password change, the per-email failure limit, and that no
secret is stored in clear."""
import time

from harness import Server, PASSWORD, problem, run, finish

# Expiry is tested by moving stored timestamps back, never by sleeping:
# on a loaded machine a sleep-based window is a coin toss. The idle timeout
# and login window are long so that no step can outlive them by accident.
IDLE_S, WINDOW_S = 600, 600
s = Server("auth", env={"MIGTRAIN_SESSION_IDLE_S": str(IDLE_S),
                        "MIGTRAIN_LOGIN_WINDOW_S": str(WINDOW_S)}).start()
admin = s.bootstrap()
org = s.org(admin, "Border Guard")
uid, _ = s.user(admin, "trainee@example.org", "trainee", org, login=False)
# Made now: with a 2 s idle timeout the admin session does not last.
s.user(admin, "changer@example.org", "trainee", org, login=False)
s.user(admin, "legacy@example.org", "trainee", org, login=False)
s.user(admin, "parallel@example.org", "trainee", org, login=False)


def test_login_success_shape():
    r = s.post("/api/v1/auth/login", {"email": "Trainee@Example.org",
                                      "password": PASSWORD})
    assert r.status == 200, r
    b = r.json
    assert set(b) == {"token", "csrf_token", "expires_at", "user"}, b
    assert len(b["token"]) == 43 and b["user"]["id"] == uid
    assert b["expires_at"].endswith("Z")
    cookie = r.header("Set-Cookie")
    assert cookie == "mt_session=%s; HttpOnly; SameSite=Strict; Path=/" % b["token"], cookie
    assert r.header("Cache-Control") == "no-store"


def test_login_failures_identical():
    unknown = s.post("/api/v1/auth/login", {"email": "nobody@example.org",
                                            "password": "whatever-long"})
    wrong = s.post("/api/v1/auth/login", {"email": "trainee@example.org",
                                          "password": "wrong password!"})
    problem(unknown, 401)
    problem(wrong, 401)
    a, b = unknown.json, wrong.json
    del a["instance"], b["instance"]
    assert a == b, (a, b)
    s.sql("DELETE FROM login_failures")


def test_login_validation():
    problem(s.post("/api/v1/auth/login", {"email": "x@example.org"}), 422)
    problem(s.post("/api/v1/auth/login", {"email": "x@example.org",
                                          "password": "p" * 1025}), 422)
    problem(s.post("/api/v1/auth/login", {"email": "x@example.org",
                                          "password": "pppppppppppp",
                                          "remember": True}), 422)


def test_bearer_and_cookie():
    tok = s.login("trainee@example.org")
    assert s.get("/api/v1/auth/me", token=tok).json["id"] == uid
    r = s.get("/api/v1/auth/me", headers={"Cookie": "mt_session=" + tok})
    assert r.status == 200 and r.json["id"] == uid, r
    problem(s.get("/api/v1/auth/me"), 401)
    problem(s.get("/api/v1/auth/me", token="x" * 43), 401)
    problem(s.get("/api/v1/auth/me", headers={"Authorization": "Basic abc"}), 401)


def test_csrf_for_cookie_sessions():
    r = s.post("/api/v1/auth/login", {"email": "trainee@example.org",
                                      "password": PASSWORD})
    tok, csrf = r.json["token"], r.json["csrf_token"]
    cookie = {"Cookie": "mt_session=" + tok}
    # A write with the cookie but without the header is refused...
    p = problem(s.post("/api/v1/auth/logout", headers=cookie), 403)
    assert "CSRF" in p["detail"]
    problem(s.post("/api/v1/auth/logout",
                   headers=dict(cookie, **{"X-CSRF-Token": "wrong"})), 403)
    # ...and the session still works; /auth/me hands a reloaded page the
    # same csrf_token (API §12), a bearer caller gets none.
    me = s.get("/api/v1/auth/me", headers=cookie)
    assert me.status == 200 and me.json["csrf_token"] == csrf, me
    assert "csrf_token" not in s.get("/api/v1/auth/me", token=tok).json
    r = s.post("/api/v1/auth/logout", headers=dict(cookie, **{"X-CSRF-Token": csrf}))
    assert r.status == 204, r
    problem(s.get("/api/v1/auth/me", headers=cookie), 401)
    # Bearer requests need no CSRF header.
    tok2 = s.login("trainee@example.org")
    assert s.post("/api/v1/auth/logout", token=tok2).status == 204


def test_logout_revokes():
    tok = s.login("trainee@example.org")
    r = s.post("/api/v1/auth/logout", token=tok)
    assert r.status == 204 and r.body == b"", r
    problem(s.get("/api/v1/auth/me", token=tok), 401)
    problem(s.post("/api/v1/auth/logout", token=tok), 401)


def test_session_checked_again_when_the_body_is_in():
    """A request whose headers arrived before a logout does not run with
    the revoked session once its body is complete."""
    import socket
    tok = s.login("trainee@example.org")
    body = b'{"current_password": "x", "new_password": "y"}'
    c = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    c.sendall(b"POST /api/v1/auth/password HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + tok.encode() + b"\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
    time.sleep(0.2)
    assert s.post("/api/v1/auth/logout", token=tok).status == 204
    c.sendall(body[5:])
    out = c.recv(65536)
    c.close()
    assert out.startswith(b"HTTP/1.1 401"), out[:200]


def test_idle_expiry():
    tok = s.login("trainee@example.org")
    sid = s.sql("SELECT max(id) FROM sessions")
    # Activity keeps it alive past the idle timeout: a request made just
    # before the timeout moves last_seen_at to now...
    s.sql("UPDATE sessions SET last_seen_at = now() - make_interval(secs => :'v1'::int - 30)"
          " WHERE id = :'v2'", IDLE_S, sid)
    assert s.get("/api/v1/auth/me", token=tok).status == 200
    assert s.sql("SELECT last_seen_at > now() - interval '1 minute' FROM sessions"
                 " WHERE id = :'v1'", sid) == "t"
    # ...and idleness ends it.
    s.sql("UPDATE sessions SET last_seen_at = now() - make_interval(secs => :'v1'::int + 1)"
          " WHERE id = :'v2'", IDLE_S, sid)
    problem(s.get("/api/v1/auth/me", token=tok), 401)


def test_absolute_expiry():
    tok = s.login("trainee@example.org")
    s.sql("UPDATE sessions SET created_at = now() - interval '8 days'"
          " WHERE revoked_at IS NULL")
    problem(s.get("/api/v1/auth/me", token=tok), 401)


def test_password_change_revokes_other_sessions():
    email = "changer@example.org"
    one, two = s.login(email), s.login(email)
    problem(s.post("/api/v1/auth/password", {"current_password": "not it at all",
                                             "new_password": "a new password 1"},
                   token=one), 403)
    problem(s.post("/api/v1/auth/password", {"current_password": PASSWORD,
                                             "new_password": "short"},
                   token=one), 422)
    r = s.post("/api/v1/auth/password", {"current_password": PASSWORD,
                                         "new_password": "a new password 1"},
               token=one)
    assert r.status == 204, r
    assert s.get("/api/v1/auth/me", token=one).status == 200
    problem(s.get("/api/v1/auth/me", token=two), 401)
    problem(s.post("/api/v1/auth/login", {"email": email, "password": PASSWORD}), 401)
    assert s.login(email, "a new password 1")
    s.sql("DELETE FROM login_failures")
    # Guessing the current password meets the per-account failure limit.
    three = s.login(email, "a new password 1")
    for _ in range(5):
        problem(s.post("/api/v1/auth/password", {
            "current_password": "a guess at it", "new_password": "whatever 12345"},
            token=three), 403)
    r = s.post("/api/v1/auth/password", {"current_password": "a new password 1",
                                         "new_password": "whatever 12345"},
               token=three)
    problem(r, 429)
    assert r.header("Retry-After")
    s.sql("DELETE FROM login_failures")


def test_rate_limit_and_window():
    email = "trainee@example.org"
    bad = {"email": email, "password": "wrong password!"}
    for _ in range(5):
        problem(s.post("/api/v1/auth/login", bad), 401)
    # Now even the right password is refused for the rest of the window.
    r = s.post("/api/v1/auth/login", {"email": email, "password": PASSWORD})
    problem(r, 429)
    assert 1 <= int(r.header("Retry-After")) <= WINDOW_S, r.headers
    # Other emails are not affected (the limit is per email).
    problem(s.post("/api/v1/auth/login", {"email": "other@example.org",
                                          "password": "wrong password!"}), 401)
    # The state lives in PostgreSQL, so every instance shares it.
    assert s.sql("SELECT count(*) FROM login_failures WHERE email = lower(:'v1')",
                 email) == "5"
    # The window passes: the failures fall out of it.
    s.sql("UPDATE login_failures SET at = at - make_interval(secs => :'v1'::int)"
          " WHERE lower(email) = lower(:'v2')", WINDOW_S, email)
    assert s.login(email)
    # A success clears the failures.
    assert s.sql("SELECT count(*) FROM login_failures WHERE email = :'v1'", email) == "0"


def test_rate_limit_holds_under_parallel_attempts():
    """Attempts in parallel cannot all pass the count before any fails:
    each reserves its failure when it begins."""
    import threading
    email = "parallel@example.org"
    s.sql("DELETE FROM login_failures")
    statuses = []

    def attempt():
        statuses.append(s.post("/api/v1/auth/login", {
            "email": email, "password": "wrong password!"}).status)

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses.count(401) <= 5, statuses
    assert statuses.count(429) >= 7, statuses
    assert set(statuses) <= {401, 429}, statuses
    s.sql("DELETE FROM login_failures")
    # Right passwords in parallel are not failures: at worst a brief wait.
    answers = []

    def good():
        r = s.post("/api/v1/auth/login", {"email": email,
                                          "password": PASSWORD})
        answers.append((r.status, r.header("Retry-After")))

    threads = [threading.Thread(target=good) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(a == (200, None) or a == (429, "1") for a in answers), answers
    assert [a[0] for a in answers].count(200) >= 5, answers
    assert s.sql("SELECT count(*) FROM login_failures") == "0"


def test_no_secrets_in_clear():
    r = s.post("/api/v1/auth/login", {"email": "trainee@example.org",
                                      "password": PASSWORD})
    token = r.json["token"]
    dump = s.sql("SELECT string_agg(t::text, E'\\n') FROM ("
                 " SELECT row_to_json(x)::text AS t FROM users x UNION ALL"
                 " SELECT row_to_json(x)::text FROM sessions x UNION ALL"
                 " SELECT row_to_json(x)::text FROM audit_log x UNION ALL"
                 " SELECT row_to_json(x)::text FROM login_failures x) d")
    import base64
    raw = base64.urlsafe_b64decode(token + "=")
    assert token not in dump and raw.hex() not in dump
    assert PASSWORD not in dump
    assert "$argon2id$" in dump
    # Hashes use at least the INTERACTIVE limits (m=65536 KiB, t=2).
    hashes = s.sql("SELECT string_agg(password_hash, ' ') FROM users").split()
    for h in hashes:
        assert h.startswith("$argon2id$v=19$m=65536,t=2,") or \
            int(h.split("$")[3].split(",")[0][2:]) >= 65536, h


def test_rehash_on_login():
    """A hash with weaker parameters is upgraded on the next login."""
    email = "legacy@example.org"
    before = s.sql("SELECT password_hash FROM users WHERE email = :'v1'", email)
    assert before.startswith("$argon2id$v=19$m=65536")
    # Restart with stronger limits: the login must upgrade the hash.
    s.stop()
    s.env["MIGTRAIN_PWHASH_OPS"] = "3"
    s.start()
    assert s.login(email)
    after = s.sql("SELECT password_hash FROM users WHERE email = :'v1'", email)
    assert after != before and ",t=3," in after, (before, after)
    assert s.login(email)
    s.stop()
    del s.env["MIGTRAIN_PWHASH_OPS"]
    s.start()


def test_hashing_is_bounded():
    """Past the argon2id pool's bound, logins get 503 + Retry-After at once,
    and other requests keep being served during the storm."""
    import threading
    s.stop()
    s.env.update({"MIGTRAIN_HASH_THREADS": "1", "MIGTRAIN_HASH_QUEUE": "1"})
    s.start()
    statuses, retry = [], []

    def login():
        r = s.post("/api/v1/auth/login", {"email": "legacy@example.org",
                                          "password": PASSWORD})
        statuses.append(r.status)
        if r.status == 503:
            retry.append(r.header("Retry-After"))
            assert r.header("Content-Type") == "application/problem+json"

    threads = [threading.Thread(target=login) for _ in range(10)]
    for t in threads:
        t.start()
    # Meanwhile a cheap request is answered (workers never block on hashing).
    assert s.get("/healthz").status == 200
    for t in threads:
        t.join(60)
    assert statuses.count(200) >= 2 and statuses.count(503) >= 1, statuses
    assert set(statuses) <= {200, 503}, statuses
    assert all(v == "1" for v in retry), retry
    s.stop()
    del s.env["MIGTRAIN_HASH_THREADS"], s.env["MIGTRAIN_HASH_QUEUE"]
    s.start()


def test_refused_login_writes_nothing():
    """A login refused because the hash pool is full answers 503 with
    Retry-After before any database work: in a storm, refused attempts
    must not each write (and delete) a pending failure row."""
    import threading
    s.stop()
    # One hashing thread, no queue, and hashes that take seconds: the
    # dummy verify of an unknown email holds the only slot meanwhile.
    s.env.update({"MIGTRAIN_HASH_THREADS": "1", "MIGTRAIN_HASH_QUEUE": "0",
                  "MIGTRAIN_PWHASH_OPS": "64"})
    s.start()
    first = []
    t = threading.Thread(target=lambda: first.append(s.post(
        "/api/v1/auth/login", {"email": "holder@example.org",
                               "password": "whatever-long"}).status))
    t.start()
    # Its pending failure row is written just before the job is queued.
    while t.is_alive() and s.sql("SELECT count(*) FROM login_failures"
                                 " WHERE email = 'holder@example.org'") != "1":
        pass
    seq = s.sql("SELECT last_value FROM login_failures_id_seq")
    refused = [s.post("/api/v1/auth/login", {"email": "trainee@example.org",
                                             "password": PASSWORD})
               for _ in range(3)]
    after = s.sql("SELECT last_value FROM login_failures_id_seq")
    t.join(120)
    assert [r.status for r in refused] == [503] * 3, refused
    assert all(r.header("Retry-After") == "1" for r in refused), refused
    assert refused[0].header("Content-Type") == "application/problem+json"
    assert after == seq, (seq, after)      # no failure row was reserved
    assert first == [401], first
    s.stop()
    for k in ("MIGTRAIN_HASH_THREADS", "MIGTRAIN_HASH_QUEUE",
              "MIGTRAIN_PWHASH_OPS"):
        del s.env[k]
    s.start()


run(test_login_success_shape, test_login_failures_identical,
    test_login_validation, test_bearer_and_cookie, test_csrf_for_cookie_sessions,
    test_logout_revokes, test_session_checked_again_when_the_body_is_in,
    test_idle_expiry, test_absolute_expiry,
    test_password_change_revokes_other_sessions, test_rate_limit_and_window,
    test_rate_limit_holds_under_parallel_attempts,
    test_no_secrets_in_clear, test_rehash_on_login, test_hashing_is_bounded,
    test_refused_login_writes_nothing,
    before=lambda: s.sql("DELETE FROM login_failures"))
finish(s)
