"""Secondments (API §8), completion records, the summary report and
transcripts (API §9): every scoping rule of every endpoint, the overlap rule
(both dates inclusive, so touching dates overlap; cancelled ones never
block), EU/EEA host countries, CSV read back by Python's csv module, filters,
date ranges and summary numbers checked against a dataset built here."""
import csv
import io
import socket

from harness import Server, problem, run, finish, wait_for

s = Server("records").start()
admin = s.bootstrap()
org_a = s.org(admin, "Ministry A")
org_b = s.org(admin, "Ministry B")
office = int(s.sql("SELECT id FROM orgs WHERE name = 'IOM Office'"))
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", office)
rev_a_id, rev_a = s.user(admin, "rev.a@example.org", "reviewer", org_a)
rev_b_id, rev_b = s.user(admin, "rev.b@example.org", "reviewer", org_b)
a1_id, a1 = s.user(admin, "a1@example.org", "trainee", org_a)
a2_id, a2 = s.user(admin, "a2@example.org", "trainee", org_a)
b1_id, b1 = s.user(admin, "b1@example.org", "trainee", org_b)

# Awkward names for the CSV: comma, quote, newline, leading =.
AWKWARD_A1 = 'Doe, "Jane"\nSecond line'
AWKWARD_A2 = '=HYPERLINK("http://evil.example","x")'
s.sql("UPDATE users SET name = :'v1' WHERE id = :'v2'", AWKWARD_A1, a1_id)
s.sql("UPDATE users SET name = :'v1' WHERE id = :'v2'", AWKWARD_A2, a2_id)
s.sql("UPDATE users SET name = 'Björn Østergård' WHERE id = :'v1'", b1_id)

SEC = "/api/v1/secondments"
KEYS = {"user_id", "user_name", "org_id", "org_name", "course_id",
        "course_title", "enrolled_at", "completed_at", "best_percent",
        "certificate_code"}


def q(sql, *args):
    return s.sql(sql, *args)


def course(slug, title):
    return int(q("INSERT INTO courses (slug, title, audience) VALUES "
                 "(:'v1', :'v2', '{all}') RETURNING id", slug, title)
               .splitlines()[0])


def quiz_module(course_id, position=1):
    qid = int(q("INSERT INTO quizzes (title, questions) VALUES ('Q', "
                "'[{\"id\": 1}]') RETURNING id").splitlines()[0])
    q("INSERT INTO modules (course_id, position, title, kind, quiz_id) "
      "VALUES (:'v1', :'v2', 'Quiz', 'quiz', :'v3')", course_id, position, qid)
    return qid


def attempt(quiz_id, user_id, percent, submitted=True):
    if submitted:
        q("INSERT INTO attempts (quiz_id, user_id, questions, submitted_at, "
          "score, max_score, percent, passed, review) VALUES (:'v1', :'v2', "
          "'[]', now(), :'v3', 100, :'v3', true, '[]')",
          quiz_id, user_id, percent)
    else:
        q("INSERT INTO attempts (quiz_id, user_id, questions, percent) "
          "VALUES (:'v1', :'v2', '[]', :'v3')", quiz_id, user_id, percent)


def enrol(user_id, course_id, enrolled, completed=None):
    return int(q("INSERT INTO enrollments (user_id, course_id, enrolled_at, "
                 "completed_at) VALUES (:'v1', :'v2', :'v3', "
                 "nullif(:'v4', '')::timestamptz) RETURNING id", user_id,
                 course_id, enrolled, completed or "").splitlines()[0])


def certificate(enrollment_id, code, revoked=False):
    q("INSERT INTO certificates (code, enrollment_id, user_id, course_id, "
      "holder_name, course_title, completed_at, issued_at, kid, credential, "
      "revoked_at, revoke_reason) SELECT :'v2', e.id, e.user_id, e.course_id, "
      "'H', 'T', e.completed_at, e.completed_at, 'k1', 'a.b.c', "
      "CASE WHEN :'v3' = 'y' THEN now() END, "
      "CASE WHEN :'v3' = 'y' THEN 'mistake' END "
      "FROM enrollments e WHERE e.id = :'v1'",
      enrollment_id, code, "y" if revoked else "n")


def event(kind, title="E"):
    return int(q("INSERT INTO events (kind, title, location, country, "
                 "starts_at, ends_at, capacity, registration_opens_at, "
                 "registration_closes_at) VALUES (:'v1', :'v2', 'Vienna', "
                 "'AT', '2026-05-01T09:00:00Z', '2026-05-02T17:00:00Z', 50, "
                 "'2026-01-01T00:00:00Z', '2026-04-30T00:00:00Z') "
                 "RETURNING id", kind, title).splitlines()[0])


def register(event_id, user_id, status="confirmed", attendance=None):
    q("INSERT INTO registrations (event_id, user_id, status, attendance) "
      "VALUES (:'v1', :'v2', :'v3', nullif(:'v4', ''))",
      event_id, user_id, status, attendance or "")


# ---- the dataset ---------------------------------------------------------

C1 = course("borders-basics", 'Borders, "Basics"')
C2 = course("asylum-law", "Asylum law")
Q1 = quiz_module(C1)
Q2 = quiz_module(C2)
attempt(Q1, a1_id, 60)
attempt(Q1, a1_id, 85.5)
attempt(Q1, a1_id, 99, submitted=False)    # open: never counts
attempt(Q2, a1_id, 40)                     # another course's quiz
attempt(Q2, b1_id, 70)
E_A1_C1 = enrol(a1_id, C1, "2026-01-05T08:00:00Z", "2026-02-10T12:00:00Z")
E_A1_C2 = enrol(a1_id, C2, "2026-01-06T08:00:00Z")
E_A2_C1 = enrol(a2_id, C1, "2026-01-07T08:00:00Z", "2026-02-11T23:30:00Z")
E_B1_C1 = enrol(b1_id, C1, "2026-01-08T08:00:00Z", "2026-03-01T00:00:00Z")
E_B1_C2 = enrol(b1_id, C2, "2026-01-09T08:00:00Z", "2026-03-02T10:00:00Z")
certificate(E_A1_C1, "ABCDEFGH1234")
certificate(E_A2_C1, "ZZZZZZZZ0000", revoked=True)
certificate(E_B1_C2, "0123456789AB")

EV_SEM = event("seminar", "Seminar on returns")
EV_TRA = event("training", "Document checks")
EV_SV = event("study_visit", "Visit to Frontex")
register(EV_SEM, a1_id, "confirmed", "attended")
register(EV_SEM, a2_id, "confirmed", "no_show")
register(EV_SEM, b1_id, "confirmed", "attended")
register(EV_TRA, a1_id, "confirmed", "partial")
register(EV_TRA, a2_id, "waitlisted")
register(EV_SV, b1_id, "cancelled")


def sec(user_id, starts, ends, country="DE", status=None, token=None):
    b = {"user_id": user_id, "host_institution": "BAMF, Nürnberg",
         "host_country": country, "starts_on": starts, "ends_on": ends,
         "purpose": "Dublin procedure"}
    if status:
        b["status"] = status
    return s.post(SEC, b, token=token or coord)


def ids(r):
    assert r.status == 200, r
    return [x["id"] for x in r.json["items"]]


# ---- secondments ---------------------------------------------------------

def test_secondment_create():
    r = sec(a1_id, "2026-03-01", "2026-03-31")
    assert r.status == 201, r
    x = r.json
    assert set(x) == {"id", "user_id", "host_institution", "host_country",
                      "starts_on", "ends_on", "purpose", "status", "report"}
    assert x["user_id"] == a1_id and x["host_country"] == "DE"
    assert x["starts_on"] == "2026-03-01" and x["ends_on"] == "2026-03-31"
    assert x["status"] == "planned" and x["report"] is None
    assert x["host_institution"] == "BAMF, Nürnberg"
    assert q("SELECT actor_id || ' ' || object_type FROM audit_log WHERE "
             "action = 'secondment.create' AND object_id = :'v1'",
             x["id"]) == "%d secondment" % coord_id
    # Admin may too; one-day secondment (ends_on == starts_on) is fine.
    r = s.post(SEC, {"user_id": b1_id, "host_institution": "Politie",
                     "host_country": "NL", "starts_on": "2026-06-01",
                     "ends_on": "2026-06-01", "status": "active",
                     "report": "ok"}, token=admin)
    assert r.status == 201 and r.json["purpose"] == "", r
    assert r.json["report"] == "ok" and r.json["status"] == "active"
    # EEA (not EU) states are hosts too.
    for c, d in (("NO", "2027-01-01"), ("IS", "2027-02-01"),
                 ("LI", "2027-03-01")):
        r = sec(b1_id, d, d, country=c)
        assert r.status == 201, r


def test_secondment_create_forbidden():
    for tok in (a1, rev_a):
        problem(sec(a1_id, "2028-01-01", "2028-01-02", token=tok), 403)
    problem(s.post(SEC, {"user_id": a1_id}), 401)
    assert q("SELECT count(*) FROM secondments WHERE starts_on = "
             "'2028-01-01'") == "0"


def test_secondment_countries():
    # Non-EU/EEA (Switzerland is EFTA but not EEA), unknown, lower-case.
    for c in ("CH", "US", "GB", "XX", "de", "De", "D", "DEU", "", "1A"):
        p = problem(sec(a2_id, "2029-01-01", "2029-01-02", country=c), 422)
        assert "host_country" in (p["detail"] + str(p.get("errors"))), p
    problem(s.post(SEC, {"user_id": a2_id, "host_institution": "X",
                         "host_country": 49, "starts_on": "2029-01-01",
                         "ends_on": "2029-01-02"}, token=coord), 422)
    assert q("SELECT count(*) FROM secondments WHERE user_id = :'v1'",
             a2_id) == "0"
    assert q("SELECT count(*) FROM eu_eea_countries") == "30"
    assert q("SELECT count(*) FROM eu_eea_countries WHERE code IN "
             "('CH', 'GB', 'TR')") == "0"


def test_secondment_validation():
    problem(sec(a2_id, "2029-02-10", "2029-02-09"), 422)     # end < start
    problem(sec(a2_id, "2029-02-30", "2029-03-01"), 422)     # no such day
    problem(sec(a2_id, "2029-13-01", "2029-13-02"), 422)
    problem(sec(a2_id, "29-01-01", "2029-01-02"), 422)
    problem(sec(999999, "2029-01-01", "2029-01-02"), 422)    # no such user
    problem(sec(a2_id, "2029-01-01", "2029-01-02", status="done"), 422)
    p = problem(s.post(SEC, {"user_id": a2_id}, token=coord), 422)
    fields = {e["field"] for e in p["errors"]}
    assert {"host_institution", "host_country", "starts_on",
            "ends_on"} <= fields, p
    problem(s.post(SEC, {"user_id": a2_id, "host_institution": "X",
                         "host_country": "DE", "starts_on": "2029-01-01",
                         "ends_on": "2029-01-02", "salary": 1},
                   token=coord), 422)
    problem(s.post(SEC, {"user_id": a2_id, "host_institution": "   ",
                         "host_country": "DE", "starts_on": "2029-01-01",
                         "ends_on": "2029-01-02"}, token=coord), 422)
    problem(s.request("POST", SEC, raw=b"{bad", token=coord), 400)
    assert q("SELECT count(*) FROM secondments WHERE user_id = :'v1'",
             a2_id) == "0"


def test_secondment_overlap():
    u = a2_id
    r = sec(u, "2030-03-01", "2030-03-31")
    assert r.status == 201, r
    first = r.json["id"]
    # Touching: ends_on of one == starts_on of the next overlaps, since
    # both days are inclusive (the official is in both places that day).
    problem(sec(u, "2030-03-31", "2030-04-10"), 409)
    problem(sec(u, "2030-02-20", "2030-03-01"), 409)
    problem(sec(u, "2030-03-10", "2030-03-12"), 409)         # inside
    problem(sec(u, "2030-02-01", "2030-05-01"), 409)         # around
    # The next day is free, on both sides.
    assert sec(u, "2030-04-01", "2030-04-10").status == 201
    assert sec(u, "2030-02-20", "2030-02-28").status == 201
    # Another official may be seconded on the same dates.
    assert sec(a1_id, "2030-03-01", "2030-03-31").status == 201
    # A cancelled secondment does not block ...
    r = s.patch("%s/%d" % (SEC, first), {"status": "cancelled"}, token=coord)
    assert r.status == 200 and r.json["status"] == "cancelled", r
    r = sec(u, "2030-03-05", "2030-03-20")
    assert r.status == 201, r
    second = r.json["id"]
    # ... nor is blocked by: cancelled ones may overlap each other ...
    r = sec(u, "2030-03-05", "2030-03-20", status="cancelled")
    assert r.status == 201, r
    # ... but reviving it when the dates are taken is a conflict.
    problem(s.patch("%s/%d" % (SEC, first), {"status": "planned"},
                    token=coord), 409)
    # Moving a secondment onto another one's dates is a conflict too.
    problem(s.patch("%s/%d" % (SEC, second), {"ends_on": "2030-04-01"},
                    token=coord), 409)
    assert q("SELECT status FROM secondments WHERE id = :'v1'",
             first) == "cancelled"
    assert q("SELECT ends_on FROM secondments WHERE id = :'v1'",
             second) == "2030-03-20"


def test_secondment_patch():
    r = sec(b1_id, "2031-01-01", "2031-01-31")
    assert r.status == 201, r
    sid = r.json["id"]
    path = "%s/%d" % (SEC, sid)
    r = s.patch(path, {"status": "completed", "report": "Learned a lot.",
                       "host_country": "FR", "host_institution": "OFPRA"},
                token=coord)
    assert r.status == 200, r
    x = r.json
    assert (x["status"], x["report"], x["host_country"],
            x["host_institution"], x["starts_on"]) == (
        "completed", "Learned a lot.", "FR", "OFPRA", "2031-01-01"), x
    assert q("SELECT detail->>'status' FROM audit_log WHERE action = "
             "'secondment.update' AND object_id = :'v1'", sid) == "completed"
    for c in ("ch", "CH", "XX"):
        problem(s.patch(path, {"host_country": c}, token=coord), 422)
    problem(s.patch(path, {"ends_on": "2030-12-31"}, token=coord), 422)
    problem(s.patch(path, {"starts_on": "2031-02-01",
                           "ends_on": "2031-01-31"}, token=coord), 422)
    problem(s.patch(path, {}, token=coord), 422)
    problem(s.patch(path, {"user_id": a1_id}, token=coord), 422)
    for tok in (b1, rev_b):
        problem(s.patch(path, {"status": "active"}, token=tok), 403)
    problem(s.patch("%s/999999" % SEC, {"status": "active"}, token=coord), 404)
    problem(s.patch("%s/abc" % SEC, {"status": "active"}, token=coord), 404)
    assert q("SELECT host_country || status FROM secondments WHERE id = "
             ":'v1'", sid) == "FRcompleted"


def test_secondment_scoping():
    every = set(ids(s.get(SEC + "?limit=200", token=coord)))
    assert every == set(ids(s.get(SEC + "?limit=200", token=admin)))
    owner = dict(x.split("|") for x in q(
        "SELECT s.id || '|' || u.org_id || ',' || u.id FROM secondments s "
        "JOIN users u ON u.id = s.user_id").splitlines())
    assert set(map(int, owner)) == every
    of_org = lambda o: {int(k) for k, v in owner.items()
                        if int(v.split(",")[0]) == o}
    of_user = lambda u: {int(k) for k, v in owner.items()
                         if int(v.split(",")[1]) == u}
    assert of_user(a1_id) and of_user(b1_id) and of_org(org_a)
    # Trainee: own only; asking for anyone else or another org is 403.
    assert set(ids(s.get(SEC + "?limit=200", token=a1))) == of_user(a1_id)
    assert set(ids(s.get(SEC + "?user_id=%d" % a1_id, token=a1))) == \
        of_user(a1_id)
    problem(s.get(SEC + "?user_id=%d" % a2_id, token=a1), 403)
    problem(s.get(SEC + "?org_id=%d" % org_b, token=a1), 403)
    # Reviewer: own organisation; another organisation or its user is 403.
    assert set(ids(s.get(SEC + "?limit=200", token=rev_a))) == of_org(org_a)
    assert set(ids(s.get(SEC + "?org_id=%d&limit=200" % org_a,
                         token=rev_a))) == of_org(org_a)
    assert set(ids(s.get(SEC + "?user_id=%d" % a2_id, token=rev_a))) == \
        of_user(a2_id)
    problem(s.get(SEC + "?org_id=%d" % org_b, token=rev_a), 403)
    problem(s.get(SEC + "?user_id=%d" % b1_id, token=rev_a), 403)
    problem(s.get(SEC + "?user_id=999999", token=rev_a), 403)
    assert set(ids(s.get(SEC + "?limit=200", token=rev_b))) == of_org(org_b)
    # Staff: everything, narrowed by the filters.
    assert set(ids(s.get(SEC + "?org_id=%d&limit=200" % org_b,
                         token=coord))) == of_org(org_b)
    assert set(ids(s.get(SEC + "?user_id=%d&limit=200" % a1_id,
                         token=coord))) == of_user(a1_id)
    problem(s.get(SEC), 401)
    # Single secondments: outside the scope they do not exist.
    mine = min(of_user(a1_id))
    theirs = min(of_user(b1_id))
    assert s.get("%s/%d" % (SEC, mine), token=a1).json["id"] == mine
    problem(s.get("%s/%d" % (SEC, theirs), token=a1), 404)
    assert s.get("%s/%d" % (SEC, mine), token=rev_a).status == 200
    problem(s.get("%s/%d" % (SEC, theirs), token=rev_a), 404)
    assert s.get("%s/%d" % (SEC, theirs), token=rev_b).status == 200
    assert s.get("%s/%d" % (SEC, theirs), token=coord).status == 200
    problem(s.get("%s/999999" % SEC, token=admin), 404)


def test_secondment_filters_and_pages():
    all_ = q("SELECT id, status, host_country FROM secondments ORDER BY id")
    rows = [x.split("|") for x in all_.splitlines()]
    for st in ("planned", "active", "completed", "cancelled"):
        want = [int(i) for i, s_, _ in rows if s_ == st]
        assert ids(s.get(SEC + "?status=%s&limit=200" % st,
                         token=coord)) == want
    want = [int(i) for i, _, c in rows if c == "NO"]
    assert want and ids(s.get(SEC + "?country=NO", token=coord)) == want
    assert ids(s.get(SEC + "?country=CH", token=coord)) == []
    problem(s.get(SEC + "?country=no", token=coord), 400)
    problem(s.get(SEC + "?status=bogus", token=coord), 400)
    problem(s.get(SEC + "?user_id=abc", token=coord), 400)
    # Keyset pages cover everything once, in id order.
    seen, after = [], ""
    while True:
        r = s.get(SEC + "?limit=3" + after, token=coord)
        seen += ids(r)
        if r.json["next"] is None:
            break
        after = "&after=" + r.json["next"]
    assert seen == [int(r_[0]) for r_ in rows]


# ---- completion records --------------------------------------------------

REC = "/api/v1/records"


def rec(path, token):
    r = s.get(path, token=token)
    assert r.status == 200, r
    for it in r.json["items"]:
        assert set(it) == KEYS, it
    return r.json


def pairs(page):
    return [(x["user_id"], x["course_id"]) for x in page["items"]]


def test_records_items():
    page = rec(REC + "?org_id=%d" % org_a, coord)
    by = {(x["user_id"], x["course_id"]): x for x in page["items"]}
    x = by[(a1_id, C1)]
    assert x == {"user_id": a1_id, "user_name": AWKWARD_A1, "org_id": org_a,
                 "org_name": "Ministry A", "course_id": C1,
                 "course_title": 'Borders, "Basics"',
                 "enrolled_at": "2026-01-05T08:00:00Z",
                 "completed_at": "2026-02-10T12:00:00Z",
                 "best_percent": 85.5,
                 "certificate_code": "ABCDEFGH1234"}, x
    # Not completed, best attempt 40 on that course's quiz, no certificate.
    x = by[(a1_id, C2)]
    assert x["completed_at"] is None and x["best_percent"] == 40
    assert x["certificate_code"] is None
    # No attempt at all: null; a revoked certificate does not count.
    x = by[(a2_id, C1)]
    assert x["best_percent"] is None and x["certificate_code"] is None
    assert page["next"] is None


def test_records_scoping():
    everyone = pairs(rec(REC, coord))
    assert everyone == pairs(rec(REC, admin))
    assert len(everyone) == 5
    assert pairs(rec(REC, a1)) == [(a1_id, C1), (a1_id, C2)]
    assert pairs(rec(REC + "?user_id=%d" % a1_id, a1)) == [(a1_id, C1),
                                                          (a1_id, C2)]
    assert pairs(rec(REC + "?org_id=%d" % org_a, a1)) == [(a1_id, C1),
                                                         (a1_id, C2)]
    problem(s.get(REC + "?user_id=%d" % a2_id, token=a1), 403)
    problem(s.get(REC + "?org_id=%d" % org_b, token=a1), 403)
    assert pairs(rec(REC, rev_a)) == [(a1_id, C1), (a1_id, C2), (a2_id, C1)]
    assert pairs(rec(REC + "?user_id=%d" % a2_id, rev_a)) == [(a2_id, C1)]
    problem(s.get(REC + "?org_id=%d" % org_b, token=rev_a), 403)
    problem(s.get(REC + "?user_id=%d" % b1_id, token=rev_a), 403)
    problem(s.get(REC + "?org_id=%d&user_id=%d" % (org_a, b1_id),
                  token=rev_a), 403)
    assert pairs(rec(REC, rev_b)) == [(b1_id, C1), (b1_id, C2)]
    problem(s.get(REC + "?org_id=%d" % org_a, token=rev_b), 403)
    problem(s.get(REC + "?org_id=%d" % org_a, token=rev_b,
                  headers={"Accept": "text/csv"}), 403)
    problem(s.get(REC + "?format=csv&user_id=%d" % a1_id, token=b1), 403)
    problem(s.get(REC), 401)


def test_records_filters():
    assert pairs(rec(REC + "?course_id=%d" % C2, coord)) == [(a1_id, C2),
                                                            (b1_id, C2)]
    assert pairs(rec(REC + "?org_id=%d&course_id=%d" % (org_b, C1),
                     coord)) == [(b1_id, C1)]
    assert pairs(rec(REC + "?user_id=%d" % b1_id, coord)) == [(b1_id, C1),
                                                             (b1_id, C2)]
    # from/to select by completion time; a date as `to` is the whole day.
    assert pairs(rec(REC + "?from=2026-02-11&to=2026-03-01", coord)) == [
        (a2_id, C1), (b1_id, C1)]
    assert pairs(rec(REC + "?from=2026-02-10T12:00:01Z", coord)) == [
        (a2_id, C1), (b1_id, C1), (b1_id, C2)]
    assert pairs(rec(REC + "?to=2026-02-11", coord)) == [(a1_id, C1),
                                                        (a2_id, C1)]
    assert pairs(rec(REC + "?to=2026-02-11T23:29:59Z", coord)) == [
        (a1_id, C1)]
    assert pairs(rec(REC + "?to=2026-02-11T23:30:00Z", coord)) == [
        (a1_id, C1), (a2_id, C1)]
    assert pairs(rec(REC + "?from=2027-01-01", coord)) == []
    assert pairs(rec(REC + "?from=2026-03-01&to=2026-02-01", coord)) == []
    problem(s.get(REC + "?from=yesterday", token=coord), 400)
    problem(s.get(REC + "?to=2026-1-1", token=coord), 400)
    problem(s.get(REC + "?course_id=0", token=coord), 400)
    problem(s.get(REC + "?format=xml", token=coord), 400)
    problem(s.get(REC + "?from=2026-02-30", token=coord), 400)
    problem(s.get(REC + "?to=2026-02-29T10:00:00Z", token=coord), 400)
    assert rec(REC + "?to=2028-02-29", coord)["items"]      # a leap day
    # Pages: keyset by enrolment, no extra field in the items.
    seen, after = [], ""
    while True:
        page = rec(REC + "?limit=2" + after, coord)
        assert len(page["items"]) <= 2
        seen += pairs(page)
        if page["next"] is None:
            break
        after = "&after=" + page["next"]
    assert seen == pairs(rec(REC, coord)) and len(seen) == 5
    page = rec(REC + "?limit=5", coord)
    assert page["next"] is None and len(page["items"]) == 5
    problem(s.get(REC + "?limit=0", token=coord), 400)
    problem(s.get(REC + "?after=zzz", token=coord), 400)


def parse_csv(r):
    assert r.status == 200, r
    assert r.header("Content-Type").startswith("text/csv"), r.headers
    text = r.body.decode("utf-8")
    assert text.endswith("\r\n")
    # Every record ends with CRLF: no bare LF outside quoted cells.
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows


def test_records_csv():
    for r in (s.get(REC, token=coord, headers={"Accept": "text/csv"}),
              s.get(REC + "?format=csv", token=coord)):
        rows = parse_csv(r)
        assert rows[0] == ["user_id", "user_name", "org_id", "org_name",
                           "course_id", "course_title", "enrolled_at",
                           "completed_at", "best_percent",
                           "certificate_code"], rows[0]
        assert len(rows) == 6
        first = rows[1]
        assert first == [str(a1_id), AWKWARD_A1, str(org_a), "Ministry A",
                         str(C1), 'Borders, "Basics"', "2026-01-05T08:00:00Z",
                         "2026-02-10T12:00:00Z", "85.5", "ABCDEFGH1234"], first
        names = [x[1] for x in rows[1:]]
        # Formula injection neutralised, the rest unchanged.
        assert "'" + AWKWARD_A2 in names and AWKWARD_A2 not in names
        assert "Björn Østergård" in names
        assert rows[2][7] == "" and rows[2][9] == ""    # nulls are empty
    # format=json wins over Accept; the JSON shape is unchanged.
    r = s.get(REC + "?format=json", token=coord,
              headers={"Accept": "text/csv"})
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    # The scope applies to CSV too; filters as well.
    rows = parse_csv(s.get(REC + "?format=csv", token=rev_b))
    assert [x[0] for x in rows[1:]] == [str(b1_id)] * 2
    rows = parse_csv(s.get(REC + "?format=csv&course_id=%d&from=2026-03-01"
                           % C1, token=coord))
    assert [(x[0], x[4]) for x in rows[1:]] == [(str(b1_id), str(C1))]
    rows = parse_csv(s.get(REC + "?format=csv&from=2030-01-01", token=a1))
    assert len(rows) == 1                                # header only
    # The cursor is not paginated: limit does not cut the export.
    rows = parse_csv(s.get(REC + "?format=csv&limit=1", token=coord))
    assert len(rows) == 6


# The large exports and their aborts run on a server of their own, so the
# dataset above never depends on their clean-up (nor on their success).
bs = Server("records_bulk").start()
b_admin = bs.bootstrap()
b_org = bs.org(b_admin, "Bulk Agency")
b_office = int(bs.sql("SELECT id FROM orgs WHERE name = 'IOM Office'"))
_, b_coord = bs.user(b_admin, "coord@example.org", "coordinator", b_office)


def bulk(n):
    """n enrolments of one user of the bulk org in n new courses (titles
    with commas and quotes), directly in SQL."""
    uid = int(bs.sql("INSERT INTO users (email, name, role, org_id, "
                     "password_hash) SELECT 'bulk@example.org', "
                     "'+Bulk, \"B\"', 'trainee', :'v1', password_hash "
                     "FROM users LIMIT 1 RETURNING id", b_org).splitlines()[0])
    bs.sql("INSERT INTO courses (slug, title, audience) SELECT 'bulk-' || g, "
           "'Bulk, \"course\" ' || g, '{all}' FROM generate_series(1, :'v1') "
           "g", n)
    bs.sql("INSERT INTO enrollments (user_id, course_id, enrolled_at, "
           "completed_at) SELECT :'v1', id, '2026-01-01T00:00:00Z', CASE WHEN "
           "id % 2 = 0 THEN '2026-02-01T00:00:00Z'::timestamptz END FROM "
           "courses WHERE slug LIKE 'bulk-%'", uid)
    return uid


N_BULK = 12000


def export_socket(rcvbuf=None):
    """A raw export request whose answer nobody reads (yet)."""
    c = socket.socket()
    if rcvbuf:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    c.connect(("127.0.0.1", bs.port))
    c.sendall(("GET %s?format=csv HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\n\r\n" % (REC, b_coord)).encode())
    return c


def records_served():
    """Records requests the server is done with (each logs one line when
    libmicrohttpd lets go of it, whether the client stayed or went)."""
    return bs.logtext().count('"msg":"request","method":"GET","path":"%s"'
                              % REC)


def pool_idle():
    return "migtrain_db_pool_in_use 0\n" in bs.get("/metrics").text


def test_records_csv_large_and_abort():
    uid = bulk(N_BULK)
    rows = parse_csv(bs.get(REC + "?format=csv&org_id=%d" % b_org,
                            token=b_coord))
    assert len(rows) == N_BULK + 1
    assert {x[0] for x in rows[1:]} == {str(uid)}
    assert rows[1][1] == "'+Bulk, \"B\""
    titles = {x[5] for x in rows[1:]}
    assert titles == {'Bulk, "course" %d' % i for i in range(1, N_BULK + 1)}
    rows = parse_csv(bs.get(REC + "?format=csv", token=b_admin))
    assert len(rows) == N_BULK + 1
    # A user who cancels a download half way (the export is larger than
    # the socket buffers) and asks again is served at once, however late
    # the server notices: four cancels in a row (two export slots, two
    # taken over from clients that have gone), in rounds.
    before = records_served()
    for rnd in range(4):
        for _ in range(4):
            c = export_socket(2048)
            assert c.recv(4096).startswith(b"HTTP/1.1 200"), rnd
            c.close()
        # Every abort is noticed in the end and every database lease comes
        # back (a slot is given back before its lease): then all is idle.
        # Counted as requests ended, not as exports cut short: whether the
        # server had handed the last row to the kernel before the client
        # left depends on the socket buffers' autotuning.
        wait_for(lambda: records_served() >= before + 4 * (rnd + 1) and
                 pool_idle(), "the server to let go of round %d" % rnd)
    c = export_socket()
    c.close()                                        # before any answer
    wait_for(pool_idle, "the server to let go of the last abort")
    for _ in range(5):
        assert bs.get(REC + "?limit=1", token=b_coord).status == 200
        assert len(parse_csv(bs.get(REC + "?format=csv&org_id=%d" % b_org,
                                    token=b_coord))) == N_BULK + 1
    # Exports keep their database connection while the client reads: two
    # stalled ones are all that may run, a third gets 503, and ordinary
    # requests still find a connection meanwhile. The export is made
    # larger than what loopback socket buffers can swallow.
    bs.sql("INSERT INTO courses (slug, title, audience) SELECT 'stall-' || g, "
           "repeat('t', 190) || g, '{all}' FROM generate_series(1, 40000) g")
    bs.sql("INSERT INTO enrollments (user_id, course_id) SELECT :'v1', id "
           "FROM courses WHERE slug LIKE 'stall-%'", uid)
    stalled = []
    for _ in range(2):
        c = export_socket(2048)
        assert c.recv(1024).startswith(b"HTTP/1.1 200")
        stalled.append(c)
    r = bs.get(REC + "?format=csv&org_id=%d" % b_org, token=b_coord,
               timeout=30)
    assert r.status == 503, r.status
    assert r.header("Retry-After") == "5", r.headers
    assert bs.get(REC + "?limit=1", token=b_coord).status == 200
    assert bs.get("/api/v1/auth/me", token=b_coord).status == 200
    # Once those clients are gone their slots serve the next export at
    # once, before the server has noticed.
    for c in stalled:
        c.close()
    r = bs.get(REC + "?format=csv&org_id=%d" % b_org, token=b_coord)
    assert len(parse_csv(r)) == N_BULK + 40001


# ---- summary -------------------------------------------------------------

SUM = "/api/v1/reports/summary"


def expected_secondments(user_ids):
    out = {"planned": 0, "active": 0, "completed": 0, "cancelled": 0}
    for st in q("SELECT status FROM secondments WHERE user_id = ANY("
                "string_to_array(:'v1', ',')::bigint[])",
                ",".join(map(str, user_ids))).splitlines():
        out[st] += 1
    return out


def test_summary():
    r = s.get(SUM + "?org_id=%d" % org_a, token=coord)
    assert r.status == 200, r
    x = r.json
    assert set(x) == {"courses", "events", "secondments"}
    # Org A: C1 has a1 (completed) and a2 (completed); C2 has a1 (not).
    assert x["courses"] == [
        {"org_id": org_a, "org_name": "Ministry A", "course_id": C2,
         "course_title": "Asylum law", "enrolled": 1, "completed": 0,
         "completion_rate": 0},
        {"org_id": org_a, "org_name": "Ministry A", "course_id": C1,
         "course_title": 'Borders, "Basics"', "enrolled": 2, "completed": 2,
         "completion_rate": 1}], x["courses"]
    # Seminar: a1 attended, a2 no-show; training: a1 partial, a2 waitlisted.
    assert x["events"] == [
        {"kind": "seminar", "registered": 2, "attended": 1},
        {"kind": "training", "registered": 1, "attended": 0},
        {"kind": "study_visit", "registered": 0, "attended": 0}], x["events"]
    assert x["secondments"] == expected_secondments([a1_id, a2_id])
    # All organisations: B adds C1 and C2 (both completed), one more
    # seminar attendance; the study visit registration was cancelled.
    x = s.get(SUM, token=admin).json
    rows = {(c["org_id"], c["course_id"]): (c["enrolled"], c["completed"],
                                            c["completion_rate"])
            for c in x["courses"]}
    assert rows == {(org_a, C1): (2, 2, 1), (org_a, C2): (1, 0, 0),
                    (org_b, C1): (1, 1, 1), (org_b, C2): (1, 1, 1)}, rows
    assert x["events"][0] == {"kind": "seminar", "registered": 3,
                              "attended": 2}
    assert x["events"][2] == {"kind": "study_visit", "registered": 0,
                              "attended": 0}
    every = [int(i) for i in q("SELECT id FROM users").splitlines()]
    assert x["secondments"] == expected_secondments(every)
    # A two-thirds rate is rounded to 4 decimals.
    rc = course("rate-course", "Rate")
    for i in range(3):
        uid = int(q("INSERT INTO users (email, name, role, org_id, "
                    "password_hash) SELECT 'rate%s@example.org', 'R', "
                    "'trainee', :'v1', password_hash FROM users LIMIT 1 "
                    "RETURNING id" % i, org_b).splitlines()[0])
        enrol(uid, rc, "2026-01-01T00:00:00Z",
              "2026-01-02T00:00:00Z" if i else None)
    x = s.get(SUM + "?org_id=%d" % org_b, token=rev_b).json
    rate = [c for c in x["courses"] if c["course_title"] == "Rate"][0]
    assert (rate["enrolled"], rate["completed"], rate["completion_rate"]) == \
        (3, 2, 0.6667), rate


def test_summary_scoping():
    ra = s.get(SUM, token=rev_a).json
    assert ra == s.get(SUM + "?org_id=%d" % org_a, token=coord).json
    assert ra == s.get(SUM + "?org_id=%d" % org_a, token=rev_a).json
    problem(s.get(SUM + "?org_id=%d" % org_b, token=rev_a), 403)
    problem(s.get(SUM + "?org_id=%d" % org_a, token=rev_b), 403)
    # A trainee's summary is their own records.
    t = s.get(SUM, token=a1).json
    assert [(c["course_id"], c["enrolled"], c["completed"])
            for c in t["courses"]] == [(C2, 1, 0), (C1, 1, 1)]
    assert t["events"][0] == {"kind": "seminar", "registered": 1,
                              "attended": 1}
    assert t["secondments"] == expected_secondments([a1_id])
    problem(s.get(SUM + "?org_id=%d" % org_b, token=a1), 403)
    problem(s.get(SUM), 401)
    problem(s.get(SUM + "?org_id=x", token=coord), 400)


def test_summary_csv():
    rows = parse_csv(s.get(SUM + "?org_id=%d" % org_a, token=coord,
                           headers={"Accept": "text/csv"}))
    assert rows[0] == ["section", "org_id", "org_name", "course_id",
                       "course_title", "event_kind", "secondment_status",
                       "enrolled", "completed", "completion_rate",
                       "registered", "attended", "secondments"]
    assert [r[0] for r in rows[1:]] == ["course"] * 2 + ["event"] * 3 + \
        ["secondment"] * 4
    c1 = [r for r in rows if r[0] == "course" and r[3] == str(C1)][0]
    assert c1[4] == 'Borders, "Basics"' and c1[7:10] == ["2", "2", "1.0000"]
    sem = [r for r in rows if r[5] == "seminar"][0]
    assert sem[10:12] == ["2", "1"]
    st = {r[6]: int(r[12]) for r in rows if r[0] == "secondment"}
    assert st == expected_secondments([a1_id, a2_id])
    problem(s.get(SUM + "?format=csv&org_id=%d" % org_b, token=rev_a), 403)


def test_summary_follows_changes():
    """The course counts are kept as enrolments and users change (schema
    135): after each kind of change, and after the server folds the
    deltas, they equal the counts taken from the enrolments themselves."""
    def shown(path, token):
        return {(c["org_id"], c["course_id"]): (c["enrolled"], c["completed"])
                for c in s.get(path, token=token).json["courses"]}

    def counted(org=None):
        out = {}
        for line in q("SELECT u.org_id, e.course_id, count(*), "
                      "count(e.completed_at) FROM enrollments e JOIN users u "
                      "ON u.id = e.user_id WHERE :'v1' = '' OR u.org_id = "
                      "nullif(:'v1', '')::bigint GROUP BY 1, 2",
                      str(org or "")).splitlines():
            o, c, n, d = map(int, line.split("|"))
            out[(o, c)] = (n, d)
        return out

    def check(step):
        assert shown(SUM, admin) == counted(), step
        assert shown(SUM + "?org_id=%d" % org_a, rev_a) == counted(org_a), step
        assert shown(SUM + "?org_id=%d" % org_b, coord) == counted(org_b), step

    mc = course("moving-course", "Moving")
    u1, u2 = (int(q("INSERT INTO users (email, name, role, org_id, "
                    "password_hash) SELECT :'v1', 'M', 'trainee', :'v2', "
                    "password_hash FROM users LIMIT 1 RETURNING id",
                    email, org_a).splitlines()[0])
              for email in ("move1@example.org", "move2@example.org"))
    e1 = enrol(u1, mc, "2026-03-01T00:00:00Z")
    e2 = enrol(u2, mc, "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    enrol(u1, C1, "2026-03-01T00:00:00Z")
    check("enrolled")
    assert shown(SUM + "?org_id=%d" % org_a, rev_a)[(org_a, mc)] == (2, 1)
    q("UPDATE enrollments SET completed_at = now() WHERE id = :'v1'", e1)
    check("completed")
    q("UPDATE users SET org_id = :'v1' WHERE id = :'v2'", org_b, u1)
    check("moved to another organisation")
    assert shown(SUM, admin)[(org_b, mc)] == (1, 1)
    q("UPDATE enrollments SET user_id = :'v1' WHERE id = :'v2'", b1_id, e2)
    check("enrolment given to another user")
    q("DELETE FROM enrollments WHERE id = :'v1'", e2)
    check("enrolment deleted")
    # Enough changes for the job to fold the deltas (an even number of
    # toggles, so the enrolment ends as it was).
    q("DO $$ BEGIN FOR i IN 1..160 LOOP UPDATE enrollments SET "
      "completed_at = CASE WHEN completed_at IS NULL THEN now() END "
      "WHERE id = %d; END LOOP; END $$" % e1)
    wait_for(lambda: q("SELECT count(*) = count(DISTINCT (org_id, course_id))"
                       " FROM summary_enrolments") == "t",
             "the summary deltas to be folded")
    check("folded")


# ---- transcripts ---------------------------------------------------------

def tr_path(uid):
    return "/api/v1/users/%d/transcript" % uid


def test_transcript():
    r = s.get(tr_path(a1_id), token=a1)
    assert r.status == 200, r
    x = r.json
    assert set(x) == {"user", "org", "courses", "events", "secondments"}
    assert x["user"]["id"] == a1_id and x["user"]["name"] == AWKWARD_A1
    assert x["org"] == {"id": org_a, "name": "Ministry A"}
    # Completed courses only, with the certificate code.
    assert [(c["course_id"], c["certificate_code"], c["best_percent"])
            for c in x["courses"]] == [(C1, "ABCDEFGH1234", 85.5)]
    assert x["courses"][0]["completed_at"] == "2026-02-10T12:00:00Z"
    # Events attended (fully or partly), not registrations as such.
    assert [(e["event_id"], e["attendance"]) for e in x["events"]] == [
        (EV_SEM, "attended"), (EV_TRA, "partial")]
    # Secondments that were not cancelled.
    want = q("SELECT string_agg(id::text, ',' ORDER BY starts_on, id) FROM "
             "secondments WHERE user_id = :'v1' AND status <> 'cancelled'",
             a1_id)
    assert ",".join(str(y["id"]) for y in x["secondments"]) == want
    # Completed, but the certificate was revoked: no code.
    x = s.get(tr_path(a2_id), token=coord).json
    assert [(c["course_id"], c["certificate_code"]) for c in x["courses"]] \
        == [(C1, None)]
    assert x["events"] == [] and x["user"]["name"] == AWKWARD_A2


def test_transcript_scoping():
    assert s.get(tr_path(a1_id), token=a1).status == 200
    problem(s.get(tr_path(a2_id), token=a1), 403)
    problem(s.get(tr_path(b1_id), token=a1), 403)
    assert s.get(tr_path(a2_id), token=rev_a).status == 200
    problem(s.get(tr_path(b1_id), token=rev_a), 403)
    problem(s.get(tr_path(999999), token=rev_a), 403)
    assert s.get(tr_path(b1_id), token=rev_b).status == 200
    for tok in (coord, admin):
        assert s.get(tr_path(b1_id), token=tok).status == 200
    problem(s.get(tr_path(999999), token=coord), 404)
    problem(s.get(tr_path(b1_id)), 401)
    x = s.get(tr_path(b1_id), token=rev_b).json
    assert [c["certificate_code"] for c in x["courses"]] == [None,
                                                             "0123456789AB"]
    assert [e["event_id"] for e in x["events"]] == [EV_SEM]


run(test_secondment_create, test_secondment_create_forbidden,
    test_secondment_countries, test_secondment_validation,
    test_secondment_overlap, test_secondment_patch, test_secondment_scoping,
    test_secondment_filters_and_pages, test_records_items,
    test_records_scoping, test_records_filters, test_records_csv,
    test_records_csv_large_and_abort, test_summary, test_summary_scoping,
    test_summary_csv, test_transcript, test_transcript_scoping,
    test_summary_follows_changes)
finish(s, bs)
