"""Seminars, trainings and study visits (API §7): validation, lists, the
capacity invariant under concurrent registration and cancellation, the
waitlist in arrival order, promotion, approval, attendance, the RFC 5545
calendars (checked by Debian's python3-icalendar) and role scoping.

Events whose start lies in the past may be created (a coordinator records
a seminar after the fact); the attendance test uses one that starts two
seconds after it is created, so the same registration is refused before
the start and recorded after it."""
import concurrent.futures
import datetime
import threading
import time

import icalendar

from harness import Server, problem, run, finish

# More workers than the default two, so requests really overlap in the
# database; the capacity invariant must not depend on the server's threads.
s = Server("events", env={"MIGTRAIN_THREADS": "8"}).start()
admin = s.bootstrap()
org_a = s.org(admin, "Border Guard")
org_b = s.org(admin, "Consular Service")
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", org_a)
rev_a_id, rev_a = s.user(admin, "rev-a@example.org", "reviewer", org_a)
rev_b_id, rev_b = s.user(admin, "rev-b@example.org", "reviewer", org_b)
t1_id, t1 = s.user(admin, "t1@example.org", "trainee", org_a)
t2_id, t2 = s.user(admin, "t2@example.org", "trainee", org_b)

# Many trainees, cheaply: rows copied in SQL with t1's argon2id hash (so
# the one password works), then logged in a few at a time.
N_CROWD = 60
s.sql("INSERT INTO users (email, name, role, org_id, password_hash)"
      " SELECT 'crowd' || g || '@example.org', 'Crowd ' || g, 'trainee',"
      "        CASE WHEN g %% 2 = 0 THEN %d ELSE %d END, u.password_hash"
      "   FROM generate_series(1, %d) g, users u WHERE u.id = %d"
      % (org_a, org_b, N_CROWD, t1_id))
crowd_ids = [int(x) for x in s.sql(
    "SELECT id FROM users WHERE email LIKE 'crowd%' ORDER BY id").split()]
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    crowd = list(ex.map(lambda i: s.login("crowd%d@example.org" % i),
                        range(1, N_CROWD + 1)))
token_of = dict(zip(crowd_ids, crowd))
token_of.update({t1_id: t1, t2_id: t2})


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def event_body(**kw):
    start = now() + datetime.timedelta(days=30)
    b = {"kind": "seminar", "title": "Document fraud basics",
         "description": "Day one.", "location": "Geneva", "country": "CH",
         "starts_at": iso(start),
         "ends_at": iso(start + datetime.timedelta(hours=8)),
         "capacity": 5}
    b.update(kw)
    return b


def make_event(**kw):
    r = s.post("/api/v1/events", event_body(**kw), token=coord)
    assert r.status == 201, r
    return r.json


def register(eid, token, user_id=None):
    body = {} if user_id is None else {"user_id": user_id}
    return s.post("/api/v1/events/%d/registrations" % eid, body, token=token)


def regs(eid, token=coord, **q):
    items, after = [], None
    while True:
        qs = "&".join(["limit=200"] + ["%s=%s" % kv for kv in q.items()] +
                      (["after=" + after] if after else []))
        r = s.get("/api/v1/events/%d/registrations?%s" % (eid, qs), token=token)
        assert r.status == 200, r
        items += r.json["items"]
        after = r.json["next"]
        if after is None:
            return items


def counts(eid):
    return int(s.sql("SELECT count(*) FROM registrations WHERE event_id = %d"
                     " AND status = 'confirmed'" % eid)), \
        int(s.sql("SELECT count(*) FROM registrations WHERE event_id = %d"
                  " AND status = 'waitlisted'" % eid))


def check_waitlist(eid):
    """Positions are exactly 1..N in queue order, and in id order for
    registrations that joined the waitlist when they were created."""
    w = regs(eid, status="waitlisted")
    assert sorted(x["waitlist_position"] for x in w) == \
        list(range(1, len(w) + 1)), w
    queue = s.sql("SELECT string_agg(id::text, ' ' ORDER BY queue_key)"
                  " FROM registrations WHERE event_id = %d"
                  " AND status = 'waitlisted'" % eid).split()
    by_pos = [str(x["id"]) for x in sorted(w, key=lambda x: x["waitlist_position"])]
    assert by_pos == queue, (by_pos, queue)
    return w


def test_create_and_get():
    e = make_event(title="  Trimmed  ", requires_approval=False)
    assert set(e) == {"id", "kind", "title", "description", "location",
                      "country", "starts_at", "ends_at", "capacity",
                      "registration_opens_at", "registration_closes_at",
                      "requires_approval", "status", "confirmed",
                      "waitlisted", "quotas", "quota_release_at",
                      "quotas_released", "pre_quiz_id", "post_quiz_id",
                      "evaluation"}, e
    assert e["title"] == "Trimmed" and e["status"] == "scheduled"
    assert e["confirmed"] == 0 and e["waitlisted"] == 0
    # Default window: opens now, closes at the start.
    assert e["registration_closes_at"] == e["starts_at"]
    assert e["registration_opens_at"] <= iso(now())
    # Offsets are stored as UTC instants.
    e2 = make_event(starts_at="2031-03-01T10:00:00+02:00",
                    ends_at="2031-03-01T12:30:00.75+02:00")
    assert e2["starts_at"] == "2031-03-01T08:00:00Z", e2
    assert e2["ends_at"] == "2031-03-01T10:30:00Z", e2
    g = s.get("/api/v1/events/%d" % e["id"], token=t1)
    assert g.status == 200 and g.json == e, g
    problem(s.get("/api/v1/events/999999", token=t1), 404)
    problem(s.get("/api/v1/events/abc", token=t1), 404)
    problem(s.get("/api/v1/events/%d" % e["id"]), 401)
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = 'event.create'"
                 " AND object_id = %d AND actor_id = %d" % (e["id"], coord_id)) == "1"


def test_create_validation():
    def errs(body, token=coord, status=422):
        r = s.post("/api/v1/events", body, token=token)
        p = problem(r, status)
        return {e["field"] for e in p.get("errors", [])}
    assert errs({}) >= {"kind", "title", "location", "country", "starts_at",
                        "ends_at", "capacity"}
    assert errs(event_body(kind="webinar")) == {"kind"}
    assert errs(event_body(capacity=0)) == {"capacity"}
    assert errs(event_body(capacity=-3)) == {"capacity"}
    assert errs(event_body(capacity="5")) == {"capacity"}
    assert errs(event_body(country="ch")) == {"country"}
    assert errs(event_body(country="CHE")) == {"country"}
    assert errs(event_body(country="ZZ")) == {"country"}
    assert errs(event_body(title="   ")) == {"title"}
    assert errs(event_body(title="x" * 201)) == {"title"}
    assert errs(event_body(starts_at="tomorrow")) == {"starts_at"}
    assert errs(event_body(starts_at="2031-02-30T10:00:00Z")) == {"starts_at"}
    assert errs(event_body(ends_at=event_body()["starts_at"])) == {"ends_at"}
    b = event_body()
    assert errs(dict(b, ends_at="2020-01-01T00:00:00Z")) == {"ends_at"}
    assert errs(dict(b, registration_closes_at="2099-01-01T00:00:00Z")) == \
        {"registration_closes_at"}
    assert errs(dict(b, registration_opens_at=b["starts_at"],
                     registration_closes_at=b["starts_at"])) == \
        {"registration_opens_at"}
    assert errs(dict(b, colour="red")) == {"colour"}
    assert errs(dict(b, requires_approval="yes")) == {"requires_approval"}
    errs(b, token=t1, status=403)
    errs(b, token=rev_a, status=403)
    # A registration window may close after the start (late registration)
    # but not after the end.
    e = make_event(registration_closes_at=b["ends_at"])
    assert e["registration_closes_at"] == b["ends_at"]


def test_update():
    e = make_event(capacity=3)
    r = s.patch("/api/v1/events/%d" % e["id"], {"title": "Renamed",
                                                "capacity": 4}, token=coord)
    assert r.status == 200 and r.json["title"] == "Renamed" and \
        r.json["capacity"] == 4, r
    problem(s.patch("/api/v1/events/%d" % e["id"], {}, token=coord), 422)
    p = problem(s.patch("/api/v1/events/%d" % e["id"],
                        {"ends_at": e["starts_at"]}, token=coord), 422)
    assert [x["field"] for x in p["errors"]] == ["ends_at"], p
    p = problem(s.patch("/api/v1/events/%d" % e["id"], {"capacity": 0},
                        token=coord), 422)
    assert [x["field"] for x in p["errors"]] == ["capacity"], p
    problem(s.patch("/api/v1/events/%d" % e["id"], {"title": "x"}, token=t1), 403)
    problem(s.patch("/api/v1/events/999999", {"title": "x"}, token=coord), 404)
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = 'event.update'"
                 " AND object_id = %d" % e["id"]) == "1"


def test_list_filters_and_pages():
    base = datetime.datetime(2032, 5, 1, 9, 0, tzinfo=datetime.timezone.utc)
    made = []
    for i, kind in enumerate(["training", "study_visit", "training",
                              "seminar", "training"]):
        st = base + datetime.timedelta(days=i)
        made.append(make_event(kind=kind, starts_at=iso(st),
                               ends_at=iso(st + datetime.timedelta(hours=3)),
                               title="L%d" % i)["id"])
    # Created out of order in time: the list orders by start, then id.
    late = make_event(kind="training", starts_at="2032-04-30T09:00:00Z",
                      ends_at="2032-04-30T10:00:00Z")["id"]
    r = s.get("/api/v1/events?kind=training&from=2032-04-30&to=2032-05-05",
              token=t1)
    assert r.status == 200, r
    assert [x["id"] for x in r.json["items"]] == [late, made[0], made[2], made[4]], r.json
    # A plain-date `to` includes that whole day; `from` cuts by end time.
    r = s.get("/api/v1/events?from=2032-05-02T12:30:00Z&to=2032-05-03", token=t1)
    assert [x["id"] for x in r.json["items"]] == [made[2]], r.json
    r = s.get("/api/v1/events?from=2032-05-02T11:00:00Z&to=2032-05-03", token=t1)
    assert [x["id"] for x in r.json["items"]] == [made[1], made[2]], r.json
    # Keyset pages of one, following `next`, give the same sequence.
    seen, after = [], None
    while True:
        q = "/api/v1/events?from=2032-04-01&to=2032-06-01&limit=1"
        r = s.get(q + ("&after=" + after if after else ""), token=rev_a)
        assert r.status == 200, r
        seen += [x["id"] for x in r.json["items"]]
        after = r.json["next"]
        if after is None:
            break
    assert seen == [late] + made, seen
    problem(s.get("/api/v1/events?kind=party", token=t1), 400)
    problem(s.get("/api/v1/events?from=yesterday", token=t1), 400)
    problem(s.get("/api/v1/events?to=2026-02-30", token=t1), 400)
    problem(s.get("/api/v1/events?from=0000-01-01", token=t1), 400)
    problem(s.get("/api/v1/events?limit=0", token=t1), 400)
    problem(s.get("/api/v1/events?after=zzz", token=t1), 400)


def test_fifty_concurrent_registrations_for_five_seats():
    e = make_event(capacity=5)
    users = crowd_ids[:50]
    barrier = threading.Barrier(len(users))

    def go(uid):
        barrier.wait()
        return uid, register(e["id"], token_of[uid])

    with concurrent.futures.ThreadPoolExecutor(len(users)) as ex:
        results = list(ex.map(go, users))
    for uid, r in results:
        assert r.status == 201, r
        assert r.json["user_id"] == uid and r.json["event_id"] == e["id"]
    confirmed = [r.json for _, r in results if r.json["status"] == "confirmed"]
    waiting = [r.json for _, r in results if r.json["status"] == "waitlisted"]
    assert len(confirmed) == 5 and len(waiting) == 45, (len(confirmed), len(waiting))
    assert counts(e["id"]) == (5, 45)
    g = s.get("/api/v1/events/%d" % e["id"], token=t1).json
    assert g["confirmed"] == 5 and g["waitlisted"] == 45, g
    # Arrival = the order PostgreSQL serialised them: ids, creation times
    # and queue keys all follow it; the five first arrivals hold the seats.
    ids = sorted(x["id"] for x in confirmed + waiting)
    assert sorted(x["id"] for x in confirmed) == ids[:5]
    assert s.sql("SELECT bool_and(ok) FROM (SELECT (created_at >= lag(created_at)"
                 " OVER w AND queue_key > lag(queue_key) OVER w) IS NOT FALSE AS ok"
                 " FROM registrations WHERE event_id = %d WINDOW w AS (ORDER BY id)) t"
                 % e["id"]) == "t"
    # Positions are exactly 1..45 in arrival order, and what each caller
    # was told is still true (nobody left the queue).
    by_id = sorted(waiting, key=lambda x: x["id"])
    assert [x["waitlist_position"] for x in by_id] == list(range(1, 46)), by_id
    listed = check_waitlist(e["id"])
    assert {x["id"]: x["waitlist_position"] for x in listed} == \
        {x["id"]: x["waitlist_position"] for x in waiting}
    assert all(x["waitlist_position"] is None for x in confirmed)
    # One history row and one audit row per registration.
    assert s.sql("SELECT count(*) FROM registration_history h JOIN registrations r"
                 " ON r.id = h.registration_id WHERE r.event_id = %d"
                 " AND h.from_status IS NULL" % e["id"]) == "50"
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = 'registration.create'"
                 " AND (detail->>'event_id')::bigint = %d" % e["id"]) == "50"


def test_concurrent_cancellations_and_registrations():
    e = make_event(capacity=5)
    first = crowd_ids[:20]
    rs = {}
    for uid in first:
        r = register(e["id"], token_of[uid])
        assert r.status == 201, r
        rs[uid] = r.json
    assert counts(e["id"]) == (5, 15)
    cancel_conf = [u for u in first if rs[u]["status"] == "confirmed"][:3]
    # From the tail of the queue, so none of them is promoted before its
    # own cancellation runs.
    cancel_wait = [u for u in first if rs[u]["status"] == "waitlisted"][-4:]
    newcomers = crowd_ids[20:40]
    jobs = [("cancel", u) for u in cancel_conf + cancel_wait] + \
        [("register", u) for u in newcomers]
    barrier = threading.Barrier(len(jobs))

    def go(job):
        kind, uid = job
        barrier.wait()
        if kind == "cancel":
            return job, s.delete("/api/v1/registrations/%d" % rs[uid]["id"],
                                 token=token_of[uid])
        return job, register(e["id"], token_of[uid])

    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as ex:
        results = list(ex.map(go, jobs))
    for (kind, uid), r in results:
        assert r.status == (200 if kind == "cancel" else 201), (kind, r)
        if kind == "cancel":
            assert r.json["status"] == "cancelled", r
    # 20 - 7 cancelled + 20 new = 33 active: 5 seats, 28 waiting.
    assert counts(e["id"]) == (5, 28), counts(e["id"])
    check_waitlist(e["id"])
    # Every promotion took the head of the queue: all promoted entries
    # queued before everyone still waiting.
    assert s.sql("SELECT (SELECT max(queue_key) FROM registrations r"
                 "  WHERE event_id = %(e)d AND status = 'confirmed')"
                 " < (SELECT min(queue_key) FROM registrations"
                 "  WHERE event_id = %(e)d AND status = 'waitlisted')"
                 % {"e": e["id"]}) == "t"
    assert s.sql("SELECT count(*) FROM registration_history h JOIN registrations r"
                 " ON r.id = h.registration_id WHERE r.event_id = %d"
                 " AND h.from_status = 'waitlisted' AND h.to_status = 'confirmed'"
                 % e["id"]) == "3"
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = 'registration.promote'"
                 " AND (detail->>'event_id')::bigint = %d" % e["id"]) == "3"


def test_promotion_on_cancel():
    e = make_event(capacity=1)
    a = register(e["id"], t1).json
    b = register(e["id"], t2).json
    c = register(e["id"], coord, user_id=crowd_ids[0]).json
    assert (a["status"], b["status"], c["status"]) == \
        ("confirmed", "waitlisted", "waitlisted")
    assert (b["waitlist_position"], c["waitlist_position"]) == (1, 2)
    r = s.delete("/api/v1/registrations/%d" % a["id"], token=t1)
    assert r.status == 200 and r.json["status"] == "cancelled", r
    assert r.json["waitlist_position"] is None
    now_ = {x["id"]: x for x in regs(e["id"])}
    assert now_[b["id"]]["status"] == "confirmed", now_
    assert now_[c["id"]]["waitlist_position"] == 1, now_
    hist = s.sql("SELECT string_agg(coalesce(from_status, '-') || '>' || to_status"
                 " || ':' || actor_id, ' ' ORDER BY id) FROM registration_history"
                 " WHERE registration_id IN (%d, %d)" % (a["id"], b["id"]))
    assert hist == "->confirmed:%d ->waitlisted:%d confirmed>cancelled:%d " \
        "waitlisted>confirmed:%d" % (t1_id, t2_id, t1_id, t1_id), hist
    # Cancelling twice is a conflict; cancelling a waitlisted entry frees
    # no seat and promotes nobody.
    problem(s.delete("/api/v1/registrations/%d" % a["id"], token=t1), 409)
    r = s.delete("/api/v1/registrations/%d" % c["id"], token=coord)
    assert r.status == 200 and r.json["status"] == "cancelled", r
    assert counts(e["id"]) == (1, 0)
    # A cancelled registration does not block registering again, at the end
    # of the queue.
    again = register(e["id"], t1)
    assert again.status == 201 and again.json["status"] == "waitlisted" and \
        again.json["waitlist_position"] == 1, again


def test_capacity_raise_and_lower():
    e = make_event(capacity=1)
    ids = [register(e["id"], token_of[u]).json["id"] for u in crowd_ids[:5]]
    assert counts(e["id"]) == (1, 4)
    r = s.patch("/api/v1/events/%d" % e["id"], {"capacity": 3}, token=coord)
    assert r.status == 200, r
    assert r.json["confirmed"] == 3 and r.json["waitlisted"] == 2, r.json
    st = {x["id"]: x for x in regs(e["id"])}
    assert [st[i]["status"] for i in ids] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert [st[i]["waitlist_position"] for i in ids[3:]] == [1, 2]
    # Capacity below the confirmed count is refused, naming the count
    # (issue 18): never more confirmed than capacity. Equal is fine.
    r = s.patch("/api/v1/events/%d" % e["id"], {"capacity": 2}, token=coord)
    assert "3 registrations are confirmed" in problem(r, 409)["detail"], r
    assert s.get("/api/v1/events/%d" % e["id"], token=coord).json["capacity"] == 3
    r = s.patch("/api/v1/events/%d" % e["id"], {"capacity": 3}, token=coord)
    assert r.status == 200 and r.json["confirmed"] == 3, r
    late = register(e["id"], token_of[crowd_ids[5]])
    assert late.json["status"] == "waitlisted" and late.json["waitlist_position"] == 3
    s.delete("/api/v1/registrations/%d" % ids[0], token=coord)
    assert counts(e["id"]) == (3, 2)
    assert {x["id"] for x in regs(e["id"], status="confirmed")} == set(ids[1:4])
    check_waitlist(e["id"])
    # The database itself refuses a confirmation beyond capacity, whoever
    # writes it.
    try:
        s.sql("INSERT INTO registrations (event_id, user_id, status)"
              " VALUES (%d, %d, 'confirmed')" % (e["id"], crowd_ids[7]))
        raise AssertionError("over-capacity insert was accepted")
    except RuntimeError as err:
        assert "the event is full" in str(err), err


def test_approval_and_rejection():
    e = make_event(capacity=1, requires_approval=True)
    a = register(e["id"], t1).json
    b = register(e["id"], t2).json
    c = register(e["id"], token_of[crowd_ids[0]]).json
    assert [x["status"] for x in (a, b, c)] == ["pending"] * 3
    assert counts(e["id"]) == (0, 0)
    problem(s.post("/api/v1/registrations/%d/approve" % a["id"], token=t1), 403)
    problem(s.post("/api/v1/registrations/%d/approve" % a["id"], token=rev_a), 403)
    problem(s.post("/api/v1/registrations/999999/approve", token=coord), 404)
    r = s.post("/api/v1/registrations/%d/approve" % a["id"], token=coord)
    assert r.status == 200 and r.json["status"] == "confirmed", r
    r = s.post("/api/v1/registrations/%d/approve" % b["id"], token=admin)
    assert r.status == 200 and r.json["status"] == "waitlisted" and \
        r.json["waitlist_position"] == 1, r
    r = s.post("/api/v1/registrations/%d/reject" % c["id"], token=coord)
    assert r.status == 200 and r.json["status"] == "rejected", r
    # Decisions are final.
    problem(s.post("/api/v1/registrations/%d/approve" % c["id"], token=coord), 409)
    problem(s.post("/api/v1/registrations/%d/reject" % c["id"], token=coord), 409)
    problem(s.post("/api/v1/registrations/%d/approve" % a["id"], token=coord), 409)
    problem(s.post("/api/v1/registrations/%d/reject" % b["id"], token=coord), 409)
    problem(register(e["id"], token_of[crowd_ids[0]]), 409)
    problem(s.delete("/api/v1/registrations/%d" % c["id"], token=coord), 409)
    # The approved-when-full entry moves up when the seat frees.
    s.delete("/api/v1/registrations/%d" % a["id"], token=t1)
    assert {x["id"]: x["status"] for x in regs(e["id"])}[b["id"]] == "confirmed"
    acts = s.sql("SELECT string_agg(action, ' ' ORDER BY id) FROM audit_log"
                 " WHERE object_type = 'registration' AND object_id IN (%d, %d, %d)"
                 % (a["id"], b["id"], c["id"])).split()
    assert acts.count("registration.approve") == 2 and \
        acts.count("registration.reject") == 1 and \
        acts.count("registration.promote") == 1, acts


def test_double_registration():
    e = make_event(capacity=2)
    assert register(e["id"], t1).status == 201
    problem(register(e["id"], t1), 409)
    problem(register(e["id"], coord, user_id=t1_id), 409)
    # Ten tries at once by one user: one registration, nine conflicts.
    e2 = make_event(capacity=2)
    barrier = threading.Barrier(10)

    def go(_):
        barrier.wait()
        return register(e2["id"], t2).status

    with concurrent.futures.ThreadPoolExecutor(10) as ex:
        st = sorted(ex.map(go, range(10)))
    assert st == [201] + [409] * 9, st
    assert counts(e2["id"]) == (1, 0)


def test_registration_window_and_cancelled_event():
    n = now()
    future = make_event(registration_opens_at=iso(n + datetime.timedelta(days=1)))
    p = problem(register(future["id"], t1), 409)
    assert "not opened" in p["detail"], p
    past = make_event(starts_at=iso(n - datetime.timedelta(days=3)),
                      ends_at=iso(n - datetime.timedelta(days=2)))
    p = problem(register(past["id"], t1), 409)
    assert "closed" in p["detail"], p
    closed = make_event(registration_opens_at=iso(n - datetime.timedelta(days=2)),
                        registration_closes_at=iso(n - datetime.timedelta(hours=1)))
    problem(register(closed["id"], t1), 409)
    e = make_event(capacity=3)
    keep = register(e["id"], t1).json
    problem(s.post("/api/v1/events/%d/cancel" % e["id"], token=t1), 403)
    r = s.post("/api/v1/events/%d/cancel" % e["id"], token=coord)
    assert r.status == 200 and r.json["status"] == "cancelled", r
    p = problem(register(e["id"], t2), 409)
    assert "cancelled" in p["detail"], p
    problem(s.post("/api/v1/events/%d/cancel" % e["id"], token=coord), 409)
    problem(s.patch("/api/v1/events/%d" % e["id"], {"title": "x"}, token=coord), 409)
    problem(s.post("/api/v1/events/999999/cancel", token=coord), 404)
    problem(register(999999, t1), 404)
    # Registrations keep their status on a cancelled event.
    assert regs(e["id"])[0]["status"] == keep["status"] == "confirmed"
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = 'event.cancel'"
                 " AND object_id = %d" % e["id"]) == "1"


def test_registration_permissions_and_body():
    e = make_event(capacity=3)
    problem(register(e["id"], t1, user_id=t2_id), 403)
    problem(register(e["id"], rev_a), 403)
    p = problem(register(e["id"], coord, user_id=999999), 422)
    assert [x["field"] for x in p["errors"]] == ["user_id"], p
    p = problem(register(e["id"], coord, user_id="x"), 422)
    assert [x["field"] for x in p["errors"]] == ["user_id"], p
    problem(s.post("/api/v1/events/%d/registrations" % e["id"], {"seat": 1},
                   token=t1), 422)
    # No body at all is a trainee registering themself.
    r = s.request("POST", "/api/v1/events/%d/registrations" % e["id"], token=t1)
    assert r.status == 201 and r.json["user_id"] == t1_id, r
    # Own id is fine for a trainee; a coordinator registers anyone.
    r = register(e["id"], t2, user_id=t2_id)
    assert r.status == 201, r
    r = register(e["id"], coord, user_id=crowd_ids[0])
    assert r.status == 201 and r.json["user_id"] == crowd_ids[0], r
    h = s.sql("SELECT actor_id FROM registration_history WHERE registration_id = %d"
              % r.json["id"])
    assert h == str(coord_id), h
    # Someone else's registration: invisible to a trainee (404), visible
    # but not cancellable for a reviewer of the same organisation (403).
    problem(s.delete("/api/v1/registrations/%d" % r.json["id"], token=t1), 404)
    owner_org = int(s.sql("SELECT org_id FROM users WHERE id = %d" % crowd_ids[0]))
    same, other = (rev_a, rev_b) if owner_org == org_a else (rev_b, rev_a)
    problem(s.delete("/api/v1/registrations/%d" % r.json["id"], token=same), 403)
    problem(s.delete("/api/v1/registrations/%d" % r.json["id"], token=other), 404)
    problem(s.delete("/api/v1/registrations/999999", token=coord), 404)


def test_attendance():
    start = now() + datetime.timedelta(seconds=2)
    e = make_event(starts_at=iso(start),
                   ends_at=iso(start + datetime.timedelta(hours=2)),
                   registration_opens_at=iso(start - datetime.timedelta(hours=1)),
                   registration_closes_at=iso(start + datetime.timedelta(hours=1)),
                   capacity=1)
    a = register(e["id"], t1).json
    b = register(e["id"], t2).json
    assert b["status"] == "waitlisted"
    url = "/api/v1/registrations/%d/attendance" % a["id"]
    p = problem(s.put(url, {"status": "attended"}, token=coord), 409)
    assert "not started" in p["detail"], p
    while now() < start + datetime.timedelta(seconds=1):
        time.sleep(0.2)
    problem(s.put(url, {"status": "attended"}, token=t1), 403)
    problem(s.put(url, {"status": "present"}, token=coord), 422)
    problem(s.put(url, {}, token=coord), 422)
    r = s.put(url, {"status": "partial"}, token=coord)
    assert r.status == 200 and r.json["attendance"] == "partial", r
    r = s.put(url, {"status": "attended"}, token=admin)
    assert r.status == 200 and r.json["attendance"] == "attended", r
    # Only confirmed registrations have attendance.
    problem(s.put("/api/v1/registrations/%d/attendance" % b["id"],
                  {"status": "no_show"}, token=coord), 409)
    problem(s.put("/api/v1/registrations/999999/attendance",
                  {"status": "no_show"}, token=coord), 404)
    # A registration with attendance kept cannot be cancelled any more.
    problem(s.delete("/api/v1/registrations/%d" % a["id"], token=t1), 409)
    assert regs(e["id"], token=t1)[0]["attendance"] == "attended"
    assert s.sql("SELECT string_agg(detail->>'to', ' ' ORDER BY id) FROM audit_log"
                 " WHERE action = 'registration.attendance' AND object_id = %d"
                 % a["id"]) == "partial attended"


def test_registration_list_scoping():
    e = make_event(capacity=10)
    a_users = [u for u in crowd_ids[:6] if int(s.sql(
        "SELECT org_id FROM users WHERE id = %d" % u)) == org_a]
    ids = {}
    for u in crowd_ids[:6] + [t1_id, t2_id]:
        r = register(e["id"], token_of[u])
        assert r.status == 201, r
        ids[u] = r.json["id"]
    everyone = regs(e["id"], token=coord)
    assert sorted(x["user_id"] for x in everyone) == sorted(ids)
    assert [x["id"] for x in everyone] == sorted(x["id"] for x in everyone)
    assert len(regs(e["id"], token=admin)) == 8
    mine_a = regs(e["id"], token=rev_a)
    assert sorted(x["user_id"] for x in mine_a) == sorted(a_users + [t1_id]), mine_a
    mine_b = regs(e["id"], token=rev_b)
    assert t2_id in {x["user_id"] for x in mine_b} and \
        not {x["user_id"] for x in mine_b} & set(a_users + [t1_id])
    own = regs(e["id"], token=t1)
    assert [x["user_id"] for x in own] == [t1_id], own
    # Paging through the coordinator's view gives the same list.
    page = s.get("/api/v1/events/%d/registrations?limit=3" % e["id"], token=coord).json
    assert len(page["items"]) == 3 and page["next"]
    problem(s.get("/api/v1/events/999999/registrations", token=coord), 404)
    problem(s.get("/api/v1/events/%d/registrations?status=maybe" % e["id"],
                  token=coord), 400)


def calendar(path, token):
    r = s.get(path, token=token)
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/calendar; charset=utf-8", r.headers
    raw = r.body
    # RFC 5545 §3.1: CRLF everywhere, at most 75 octets a line, and no
    # line starting in the middle of a UTF-8 character.
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), raw
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")
    return raw, icalendar.Calendar.from_ical(raw.decode("utf-8"))


def vevents(cal):
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_calendar_event():
    title = ("Grenzschutz, Dokumente; «Fälschungen» — 国境管理 and a title "
             "long enough to fold twice: évaluation, Überprüfung; ✓ ✓ ✓")
    desc = "Line one, with comma; semicolon\nLine two \\ backslash\n" + "é" * 80
    e = make_event(title=title, description=desc, location="Palais, Salle 3",
                   country="CH", starts_at="2033-01-10T09:30:00Z",
                   ends_at="2033-01-10T17:00:00Z")
    raw, cal = calendar("/api/v1/events/%d/calendar" % e["id"], t1)
    assert cal["VERSION"] == "2.0" and cal["METHOD"] == "PUBLISH" and cal["PRODID"]
    assert b"SUMMARY:Grenzschutz\\, Dokumente\\; " in raw, raw
    assert b"\r\n " in raw            # folded somewhere
    [ev] = vevents(cal)
    assert str(ev["SUMMARY"]) == title, ev["SUMMARY"]
    assert str(ev["DESCRIPTION"]) == desc, ev["DESCRIPTION"]
    assert str(ev["LOCATION"]) == "Palais, Salle 3, CH"
    assert ev.decoded("DTSTART") == datetime.datetime(
        2033, 1, 10, 9, 30, tzinfo=datetime.timezone.utc)
    assert b"DTSTART:20330110T093000Z\r\n" in raw and \
        b"DTEND:20330110T170000Z\r\n" in raw
    assert ev.decoded("DTSTAMP").tzinfo is not None
    assert str(ev["STATUS"]) == "CONFIRMED" and int(ev["SEQUENCE"]) == 0
    uid = str(ev["UID"])
    assert uid == s.sql("SELECT uid FROM events WHERE id = %d" % e["id"])
    # A title change keeps SEQUENCE; a time change raises it; a place
    # change raises it again; the UID never changes.
    s.patch("/api/v1/events/%d" % e["id"], {"title": "Plain"}, token=coord)
    [ev] = vevents(calendar("/api/v1/events/%d/calendar" % e["id"], t1)[1])
    assert int(ev["SEQUENCE"]) == 0 and str(ev["SUMMARY"]) == "Plain"
    s.patch("/api/v1/events/%d" % e["id"], {"starts_at": "2033-01-10T10:00:00Z"},
            token=coord)
    [ev] = vevents(calendar("/api/v1/events/%d/calendar" % e["id"], t1)[1])
    assert int(ev["SEQUENCE"]) == 1 and str(ev["UID"]) == uid
    assert ev.decoded("DTSTART") == datetime.datetime(
        2033, 1, 10, 10, 0, tzinfo=datetime.timezone.utc)
    s.patch("/api/v1/events/%d" % e["id"], {"location": "Bern"}, token=coord)
    [ev] = vevents(calendar("/api/v1/events/%d/calendar" % e["id"], t1)[1])
    assert int(ev["SEQUENCE"]) == 2 and str(ev["LOCATION"]) == "Bern, CH"
    s.post("/api/v1/events/%d/cancel" % e["id"], token=coord)
    [ev] = vevents(calendar("/api/v1/events/%d/calendar" % e["id"], t1)[1])
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 3
    assert str(ev["UID"]) == uid
    problem(s.get("/api/v1/events/999999/calendar", token=t1), 404)
    problem(s.get("/api/v1/events/%d/calendar" % e["id"]), 401)


def test_my_calendar():
    u = crowd_ids[-1]
    tok = token_of[u]
    raw, cal = calendar("/api/v1/me/calendar", tok)
    assert vevents(cal) == [] and b"BEGIN:VCALENDAR" in raw
    conf = make_event(capacity=1, title="Mine, confirmed",
                      starts_at="2034-02-01T08:00:00Z", ends_at="2034-02-01T09:00:00Z")
    later = make_event(capacity=1, title="Mine; later",
                       starts_at="2034-03-01T08:00:00Z", ends_at="2034-03-01T09:00:00Z")
    full = make_event(capacity=1, title="Full")
    pend = make_event(capacity=1, title="Pending", requires_approval=True)
    register(full["id"], t1)
    for ev in (later, conf, full, pend):
        assert register(ev["id"], tok).status == 201
    s.post("/api/v1/events/%d/cancel" % later["id"], token=coord)
    evs = vevents(calendar("/api/v1/me/calendar", tok)[1])
    assert [str(x["SUMMARY"]) for x in evs] == ["Mine, confirmed", "Mine; later"]
    assert [str(x["STATUS"]) for x in evs] == ["CONFIRMED", "CANCELLED"]
    assert len({str(x["UID"]) for x in evs}) == 2


finish_tests = [
    test_create_and_get, test_create_validation, test_update,
    test_list_filters_and_pages,
    test_fifty_concurrent_registrations_for_five_seats,
    test_concurrent_cancellations_and_registrations, test_promotion_on_cancel,
    test_capacity_raise_and_lower, test_approval_and_rejection,
    test_double_registration, test_registration_window_and_cancelled_event,
    test_registration_permissions_and_body, test_attendance,
    test_registration_list_scoping, test_calendar_event, test_my_calendar,
]
run(*finish_tests)
finish(s)
