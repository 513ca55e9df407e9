"""Errors a client reads are consistent and say nothing of the schema:
every 422 names its field in errors[] (whether a handler, a SQL function
or a constraint refused), a 409 says in words what conflicts and never
names a constraint, every JSON answer has the one compact form, and log
lines carrying libpq's multi-line messages stay one clean line each.
(The harness checks the first three on every answer of every test file.)"""
import json
import socket

from harness import Server, problem, run, finish

s = Server("errors").start()
admin = s.bootstrap()
org = s.org(admin, "Ministry E")
office = int(s.sql("SELECT id FROM orgs WHERE name = 'IOM Office'"))
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", office)
t_id, t = s.user(admin, "t@example.org", "trainee", org)


def field_errors(p):
    return {e["field"]: e["message"] for e in p["errors"]}


def sec(user_id, starts, ends, country="DE"):
    return s.post("/api/v1/secondments", {
        "user_id": user_id, "host_institution": "BAMF",
        "host_country": country, "starts_on": starts, "ends_on": ends},
        token=coord)


def test_422_names_the_field():
    # Raised in SQL as "host_country: ...": the field, and the message.
    p = problem(sec(t_id, "2030-01-01", "2030-01-02", "US"), 422)
    assert "US is not an EU or EEA member state" in \
        field_errors(p)["host_country"], p
    p = problem(sec(999999, "2030-01-01", "2030-01-02"), 422)
    assert set(field_errors(p)) == {"user_id"}, p
    # A handler's own 422 about the body as a whole: field "body".
    r = s.post("/api/v1/secondments", {"user_id": t_id, "host_institution":
               "X", "host_country": "DE", "starts_on": "2030-02-01",
               "ends_on": "2030-02-02"}, token=coord)
    assert r.status == 201, r
    p = problem(s.patch("/api/v1/secondments/%d" % r.json["id"], {},
                        token=coord), 422)
    assert field_errors(p) == {"body": "nothing to change"}, p
    # A foreign key: the field of the reference.
    p = problem(s.post("/api/v1/users", {"email": "x@example.org",
                "name": "X", "role": "trainee", "org_id": 999999,
                "password": "correct horse battery"}, token=admin), 422)
    assert "org_id" in field_errors(p), p
    # A GIFT parse error: the line, about the body.
    p = problem(s.request("POST", "/api/v1/quizzes/import?title=Q",
                          raw=b"::a:: {=x ~y", content_type="text/plain",
                          token=coord), 422)
    assert p["errors"][0]["field"] == "body" and "line" in \
        p["errors"][0]["message"], p


def test_409_in_words():
    p = problem(s.post("/api/v1/users", {"email": "T@example.org",
                "name": "T", "role": "trainee", "org_id": org,
                "password": "correct horse battery"}, token=admin), 409)
    # The record in the way is named, in words and by id (the caller, an
    # admin, may read it).
    assert p["detail"] == "a user with this email already exists: user %d" \
        % t_id, p
    assert field_errors(p) == {"email": p["detail"]}, p
    assert p["errors"][0]["existing_id"] == t_id, p
    p = problem(s.post("/api/v1/orgs", {"name": "  Ministry E "},
                       token=admin), 409)
    assert p["detail"] == "an organisation with this name already " \
        "exists: organisation %d" % org, p
    assert p["errors"][0]["existing_id"] == org, p
    c = s.post("/api/v1/courses", {"slug": "dup-slug", "title": "A",
               "summary": "", "audience": ["all"], "language": "en"},
               token=coord)
    assert c.status == 201, c
    p = problem(s.post("/api/v1/courses", {"slug": "dup-slug", "title": "B",
                "summary": "", "audience": ["all"], "language": "en"},
                token=coord), 409)
    assert p["errors"][0] == {"field": "slug", "existing_id": c.json["id"],
        "message": "a course with this slug already exists: course %d"
        % c.json["id"]}, p
    r = sec(t_id, "2031-03-01", "2031-03-10")
    assert r.status == 201, r
    # Which secondment is in the way (staff see them all).
    p = problem(sec(t_id, "2031-03-10", "2031-03-20"), 409)
    assert p["detail"] == "the official already has secondment %d (BAMF, " \
        "DE, 2031-03-01 to 2031-03-10) on some of these days; both dates " \
        "count" % r.json["id"], p


def test_422_from_a_check_constraint():
    # An event whose registration closes after it ends: the schema's
    # check, reported against the field.
    r = s.post("/api/v1/events", {
        "kind": "seminar", "title": "E", "location": "Vienna",
        "country": "AT", "starts_at": "2030-05-01T09:00:00Z",
        "ends_at": "2030-05-02T17:00:00Z", "capacity": 5,
        "registration_opens_at": "2030-01-01T00:00:00Z",
        "registration_closes_at": "2030-06-01T00:00:00Z"}, token=coord)
    p = problem(r, 422)
    assert any(f.startswith("registration") for f in field_errors(p)), p


def test_compact_json():
    # Answers PostgreSQL builds (json_build_object) and jansson builds.
    for r in (s.get("/api/v1/auth/me", token=t),
              s.get("/api/v1/orgs", token=admin),
              s.post("/api/v1/orgs", {"name": "Compact"}, token=admin),
              s.get("/api/v1/certificates/keys")):
        assert r.status in (200, 201), r
        assert b'" : ' not in r.body and b", " not in r.body, r.body[:200]


def test_log_lines_are_one_line():
    # A database that is not there: libpq's message has newlines and tabs.
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    dead = "host=127.0.0.1 port=%d connect_timeout=2" % port.getsockname()[1]
    port.close()
    b = Server("errors_nodb", migrate=False, conninfo=dead)
    try:
        b.start()
        r = b.get("/readyz")
        assert r.status == 503, r
        lines = b.logtext().splitlines()
        warned = [json.loads(x) for x in lines
                  if "database connection" in x]
        assert warned, lines[:5]
        for x in (json.loads(x) for x in lines):
            for k, v in x.items():
                if isinstance(v, str):
                    assert "\n" not in v and "\t" not in v and \
                        v == v.strip(), (k, v)
    finally:
        b.close()


run(test_422_names_the_field, test_409_in_words,
    test_422_from_a_check_constraint, test_compact_json,
    test_log_lines_are_one_line)
finish(s)
