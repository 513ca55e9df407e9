"""Nominations (API §15): reviewers nominate users of their own
organisation, coordinators anyone; twice is 409; the nominating reviewer
may cancel the nomination; the history and the audit log say who
nominated whom. A nomination is a reviewer's only write besides their own
session: every other write route of the route table (taken from
`migtrain routes`) answers 403 to a reviewer."""
import datetime
import subprocess

from harness import BIN, Server, problem, run, finish

s = Server("nominations").start()
admin = s.bootstrap()
org_a = s.org(admin, "Ministry A")
org_b = s.org(admin, "Ministry B")
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", org_a)
rev_id, rev = s.user(admin, "rev@example.org", "reviewer", org_a,
                     name="Rev Iewer")
rev2_id, rev2 = s.user(admin, "rev2@example.org", "reviewer", org_a)
a1_id, a1 = s.user(admin, "a1@example.org", "trainee", org_a, name="Ana One")
a2_id, a2 = s.user(admin, "a2@example.org", "trainee", org_a)
a3_id, a3 = s.user(admin, "a3@example.org", "trainee", org_a)
b1_id, b1 = s.user(admin, "b1@example.org", "trainee", org_b)


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_event(**kw):
    start = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(days=10)
    b = {"kind": "study_visit", "title": "Visit", "location": "Rome",
         "country": "IT", "starts_at": iso(start),
         "ends_at": iso(start + datetime.timedelta(days=2)), "capacity": 3}
    b.update(kw)
    r = s.post("/api/v1/events", b, token=coord)
    assert r.status == 201, r
    return r.json


def nominate(eid, uid, token=rev, **kw):
    body = {"user_id": uid}
    body.update(kw)
    return s.post("/api/v1/events/%d/nominations" % eid, body, token=token)


def test_reviewer_nominates_own_organisation():
    e = make_event(quotas=[{"org_id": org_a, "seats": 1}])
    r = nominate(e["id"], a1_id, note="Head of unit")
    assert r.status == 201, r
    g = r.json
    assert g["status"] == "confirmed" and g["nominated_by"] == rev_id and \
        g["note"] == "Head of unit" and g["seat_org_id"] == org_a, g
    assert g["user"] == {"id": a1_id, "name": "Ana One",
                         "email": "a1@example.org", "org_id": org_a,
                         "org_name": "Ministry A"}, g
    # Twice: 409, for the reviewer and for a coordinator alike.
    problem(nominate(e["id"], a1_id), 409)
    problem(nominate(e["id"], a1_id, token=coord), 409)
    # Another organisation's user, or an unknown one: 403.
    problem(nominate(e["id"], b1_id), 403)
    problem(nominate(e["id"], 999999), 403)
    # Coordinators nominate anyone; trainees nobody.
    r = nominate(e["id"], b1_id, token=coord, note="Partner")
    assert r.status == 201 and r.json["nominated_by"] == coord_id, r
    problem(nominate(e["id"], a2_id, token=a1), 403)
    problem(nominate(e["id"], 999999, token=coord), 422)
    # Bad bodies.
    problem(s.post("/api/v1/events/%d/nominations" % e["id"], {}, token=rev), 422)
    problem(nominate(e["id"], a2_id, note="x" * 2001), 422)
    problem(nominate(e["id"], a2_id, colour="red"), 422)
    problem(nominate(999999, a2_id), 404)
    # The list shows who nominated, with the note and the user.
    items = s.get("/api/v1/events/%d/registrations" % e["id"],
                  token=coord).json["items"]
    assert [(x["user_id"], x["nominated_by"], x["note"]) for x in items] == \
        [(a1_id, rev_id, "Head of unit"), (b1_id, coord_id, "Partner")]
    # The reviewer sees their organisation's registrations only.
    items = s.get("/api/v1/events/%d/registrations" % e["id"],
                  token=rev).json["items"]
    assert [x["user_id"] for x in items] == [a1_id]
    # History and audit: who nominated whom.
    audit = s.sql("SELECT actor_id, detail->>'user_id', detail->>'nominated_by',"
                  " detail->>'note' FROM audit_log WHERE action ="
                  " 'registration.nominate' AND (detail->>'event_id')::bigint"
                  " = %d ORDER BY id" % e["id"])
    assert audit.split("\n") == ["%d|%d|%d|Head of unit" % (rev_id, a1_id, rev_id),
                                 "%d|%d|%d|Partner" % (coord_id, b1_id, coord_id)], audit
    # The nominee is told by mail (the outbox trigger of the mail module
    # sees nominated_by): who nominated them, not a plain registration.
    mail = s.sql("SELECT kind, subject, body_text LIKE '%%Rev Iewer%%' FROM mail_outbox"
                 " WHERE user_id = %d ORDER BY id" % a1_id)
    assert mail.split("|")[0] == "nominated" and mail.endswith("|t") and \
        "\n" not in mail, mail
    hist = s.sql("SELECT h.actor_id, h.to_status FROM registration_history h"
                 " WHERE h.registration_id = %d ORDER BY h.id" % g["id"])
    assert hist == "%d|confirmed" % rev_id, hist


def test_nomination_requires_approval_like_registration():
    e = make_event(requires_approval=True)
    r = nominate(e["id"], a2_id)
    assert r.status == 201 and r.json["status"] == "pending", r


def test_reviewer_cancels_own_nominations_only():
    e = make_event(capacity=1)
    mine = nominate(e["id"], a1_id).json
    other = nominate(e["id"], a2_id, token=rev2).json
    assert other["status"] == "waitlisted"
    self_reg = s.post("/api/v1/events/%d/registrations" % e["id"], {},
                      token=a3).json
    # Another reviewer's nomination, a self-registration: 403.
    problem(s.delete("/api/v1/registrations/%d" % other["id"], token=rev), 403)
    problem(s.delete("/api/v1/registrations/%d" % self_reg["id"], token=rev), 403)
    r = s.delete("/api/v1/registrations/%d" % mine["id"], token=rev)
    assert r.status == 200 and r.json["status"] == "cancelled", r
    problem(s.delete("/api/v1/registrations/%d" % mine["id"], token=rev), 409)
    # The freed seat went to the waitlist.
    st = {x["id"]: x["status"] for x in s.get(
        "/api/v1/events/%d/registrations" % e["id"], token=coord).json["items"]}
    assert st[other["id"]] == "confirmed", st
    # Another organisation's registration is not even visible.
    b = s.post("/api/v1/events/%d/registrations" % e["id"], {}, token=b1).json
    problem(s.delete("/api/v1/registrations/%d" % b["id"], token=rev), 404)


# Writes a reviewer has: their own session and account (password, its
# reset, their calendar feed), nominating, cancelling a nomination.
ALLOWED = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout"),
           ("POST", "/api/v1/auth/password"),
           ("POST", "/api/v1/auth/password-reset"),
           ("POST", "/api/v1/auth/password-reset/confirm"),
           ("POST", "/api/v1/me/calendar-feed"),
           ("DELETE", "/api/v1/me/calendar-feed"),
           ("POST", "/api/v1/events/{id}/nominations"),
           ("DELETE", "/api/v1/registrations/{id}")}


def test_every_other_write_is_forbidden_to_reviewers():
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    routes = [tuple(l.split(" ", 1)) for l in out if l.strip()]
    writes = [(m, p) for m, p in routes
              if m in ("POST", "PUT", "PATCH", "DELETE") and (m, p) not in ALLOWED]
    assert len(writes) >= 20, writes
    # Real objects behind the ids, so no answer can be a 404 for a
    # missing object instead of the refusal.
    e = make_event(capacity=5)
    g = s.post("/api/v1/events/%d/registrations" % e["id"], {}, token=a1).json
    ids = {"/api/v1/events/": e["id"], "/api/v1/registrations/": g["id"],
           "/api/v1/users/": a1_id}
    for key, sql in (("/api/v1/courses/",
                      "INSERT INTO courses (slug, title, audience, published)"
                      " VALUES ('nom-c', 'C', '{all}', true) RETURNING id"),):
        ids[key] = int(s.sql(sql))
    bad = []
    for m, p in writes:
        path = p
        for prefix, v in ids.items():
            if path.startswith(prefix):
                path = path.replace("{id}", str(v), 1)
        path = path.replace("{id}", "1").replace("{code}", "ABCD-EFGH-JKLM")
        r = s.request(m, path, body={}, token=rev)
        if r.status != 403:
            bad.append((m, p, r.status, r.body[:120]))
    assert not bad, bad
    assert len(writes) > 0


run(test_reviewer_nominates_own_organisation,
    test_nomination_requires_approval_like_registration,
    test_reviewer_cancels_own_nominations_only,
    test_every_other_write_is_forbidden_to_reviewers)
finish(s)
