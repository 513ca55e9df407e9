"""Reserved seats (API §15): quotas on events, the seat rules under 64
concurrent registrations from four organisations, cancellations and
re-registrations racing, the release of unfilled reserved seats at
quota_release_at (by the server's job, observed with a bounded poll), the
quota and capacity checks, and the database trigger behind them.

The seat rules are checked against a model: replaying the registrations
in arrival order (registration ids are taken under the event lock) through
the rules of §15 must give exactly the seats the server gave."""
import concurrent.futures
import datetime
import threading
import time

from harness import Server, problem, run, finish

s = Server("quotas", env={"MIGTRAIN_THREADS": "8"}).start()
admin = s.bootstrap()
coord_id, coord = s.user(admin, "coord@example.org", "coordinator",
                         s.org(admin, "Training Office"))
ORGS = [s.org(admin, n) for n in ("Org A", "Org B", "Org C", "Org D")]
A, B, C, D = ORGS
N_PER_ORG = 16
tmpl_id, _ = s.user(admin, "tmpl@example.org", "trainee", A)

# 64 trainees, 16 per organisation, copied in SQL with one argon2id hash.
s.sql("INSERT INTO users (email, name, role, org_id, password_hash)"
      " SELECT 'u' || o.i || '-' || g || '@example.org', 'User ' || o.i || '-' || g,"
      "        'trainee', o.id, u.password_hash"
      "   FROM generate_series(1, %d) g,"
      "        unnest(ARRAY[%d, %d, %d, %d]) WITH ORDINALITY o(id, i),"
      "        users u WHERE u.id = %d" % (N_PER_ORG, A, B, C, D, tmpl_id))
rows = s.sql("SELECT id, org_id, email FROM users WHERE email LIKE 'u%-%'"
             " ORDER BY id").split("\n")
USERS = []          # (id, org)
EMAIL = {}
for line in rows:
    uid, org, email = line.split("|")
    USERS.append((int(uid), int(org)))
    EMAIL[int(uid)] = email
ORG_OF = dict(USERS)
with concurrent.futures.ThreadPoolExecutor(4) as ex:
    TOKENS = dict(zip([u for u, _ in USERS],
                      ex.map(lambda u: s.login(EMAIL[u[0]]), USERS)))


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def make_event(**kw):
    start = now() + datetime.timedelta(days=30)
    b = {"kind": "training", "title": "Seats", "location": "Vienna",
         "country": "AT", "starts_at": iso(start),
         "ends_at": iso(start + datetime.timedelta(hours=8)), "capacity": 20}
    b.update(kw)
    r = s.post("/api/v1/events", b, token=coord)
    assert r.status == 201, r
    return r.json


def register(eid, uid):
    return s.post("/api/v1/events/%d/registrations" % eid, {},
                  token=TOKENS[uid])


def regs(eid):
    items, after = [], ""
    while True:
        r = s.get("/api/v1/events/%d/registrations?limit=200%s"
                  % (eid, after), token=coord)
        assert r.status == 200, r
        items += r.json["items"]
        if not r.json["next"]:
            return items
        after = "&after=" + r.json["next"]


def active(eid):
    return [g for g in regs(eid) if g["status"] in ("confirmed", "waitlisted")]


def check_invariants(eid, capacity, quotas, released=False):
    """The seat invariants of §15 on the server's answer, and that no
    waitlisted registration could have a seat that is free."""
    g = active(eid)
    conf = [x for x in g if x["status"] == "confirmed"]
    assert len(conf) <= capacity, len(conf)
    for x in g:
        assert x["user"]["org_id"] == ORG_OF[x["user_id"]], x
    used = {}
    for x in conf:
        if x["seat_org_id"] is not None:
            # Nobody sits on another organisation's reserved seat.
            assert x["seat_org_id"] == x["user"]["org_id"], x
            used[x["seat_org_id"]] = used.get(x["seat_org_id"], 0) + 1
    for org, seats in quotas.items():
        assert used.get(org, 0) <= seats, (org, used, quotas)
    open_used = sum(1 for x in conf if x["seat_org_id"] is None)
    if not released:
        assert open_used <= capacity - sum(quotas.values()), open_used
    e = s.get("/api/v1/events/%d" % eid, token=coord).json
    assert {q["org_id"]: q["used"] for q in e["quotas"]} == \
        {o: used.get(o, 0) for o in quotas}, e["quotas"]
    # Promotion leaves nobody waiting for a seat they could have.
    wait = sorted((x for x in g if x["status"] == "waitlisted"),
                  key=lambda x: x["waitlist_position"])
    assert [x["waitlist_position"] for x in wait] == list(range(1, len(wait) + 1))
    free_total = capacity - len(conf)
    if released:
        assert free_total == 0 or not wait, (free_total, len(wait))
    else:
        unfilled = sum(max(q - used.get(o, 0), 0) for o, q in quotas.items())
        free_open = capacity - len(conf) - unfilled
        for x in wait:
            org = x["user"]["org_id"]
            assert free_open <= 0, ("open seat free while waiting", x)
            assert used.get(org, 0) >= quotas.get(org, 0), \
                ("reserved seat free while waiting", x)
    return g


def model(order, capacity, quotas):
    """§15 replayed: user id → seat org (0 open) or None (waitlisted)."""
    used = {o: 0 for o in quotas}
    open_cap = capacity - sum(quotas.values())
    open_used = 0
    out = {}
    for uid in order:
        org = ORG_OF[uid]
        if org in quotas and used[org] < quotas[org]:
            used[org] += 1
            out[uid] = org
        elif open_used < open_cap:
            open_used += 1
            out[uid] = 0
        else:
            out[uid] = None
    return out


QUOTAS = {A: 5, B: 5, C: 3}


def quota_body(q):
    return [{"org_id": o, "seats": n} for o, n in q.items()]


def test_64_concurrent_registrations_with_quotas():
    e = make_event(quotas=quota_body(QUOTAS))
    assert sorted((q["org_id"], q["seats"], q["used"]) for q in e["quotas"]) \
        == [(A, 5, 0), (B, 5, 0), (C, 3, 0)], e
    users = [u for u, _ in USERS]
    gate = threading.Barrier(len(users))

    def go(uid):
        gate.wait()
        return register(e["id"], uid)

    with concurrent.futures.ThreadPoolExecutor(len(users)) as ex:
        answers = list(ex.map(go, users))
    assert all(r.status == 201 for r in answers), \
        [r for r in answers if r.status != 201][:3]
    g = check_invariants(e["id"], 20, QUOTAS)
    conf = [x for x in g if x["status"] == "confirmed"]
    assert len(conf) == 20
    # Arrival order is registration id order; the model gives the seats.
    order = [x["user_id"] for x in sorted(g, key=lambda x: x["id"])]
    want = model(order, 20, QUOTAS)
    got = {x["user_id"]: (x["seat_org_id"] or 0) if x["status"] == "confirmed"
           else None for x in g}
    assert got == want, (got, want)
    # The waitlist is in arrival order.
    wait = sorted((x for x in g if x["status"] == "waitlisted"),
                  key=lambda x: x["waitlist_position"])
    assert [x["id"] for x in wait] == sorted(x["id"] for x in wait)
    assert len(wait) == 44
    return e, g


def test_cancellations_and_reregistrations_racing():
    e = make_event(quotas=quota_body(QUOTAS))
    users = [u for u, _ in USERS]
    first = users[0::2]           # half of each organisation
    for u in first:
        assert register(e["id"], u).status == 201
    g = {x["user_id"]: x for x in active(e["id"])}
    conf = [x for x in g.values() if x["status"] == "confirmed"]
    # Cancel 12 confirmed (reserved and open seats alike) while the other
    # half registers and 6 of the cancelled register again.
    cancel = conf[:12]
    again = [x["user_id"] for x in cancel[:6]]
    others = users[1::2]
    gate = threading.Barrier(len(cancel) + len(others))

    def do(job):
        kind, arg = job
        gate.wait()
        if kind == "cancel":
            r = s.delete("/api/v1/registrations/%d" % arg["id"],
                         token=TOKENS[arg["user_id"]])
            assert r.status == 200, r
            if arg["user_id"] in again:
                r = register(e["id"], arg["user_id"])
            return r
        return register(e["id"], arg)

    jobs = [("cancel", x) for x in cancel] + [("reg", u) for u in others]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as ex:
        answers = list(ex.map(do, jobs))
    assert all(r.status in (200, 201) for r in answers), \
        [r for r in answers if r.status not in (200, 201)][:3]
    g = check_invariants(e["id"], 20, QUOTAS)
    assert sum(1 for x in g if x["status"] == "confirmed") == 20
    mine = {x["user_id"] for x in g}
    for u in again:
        assert u in mine, u
    # The history: every promotion is logged.
    n = int(s.sql("SELECT count(*) FROM registration_history h"
                  " JOIN registrations g ON g.id = h.registration_id"
                  " WHERE g.event_id = %d AND h.from_status = 'waitlisted'"
                  " AND h.to_status = 'confirmed'" % e["id"]))
    assert n >= 6, n


def test_release_promotes_in_order():
    """Capacity 10: A 4 reserved, B 3 reserved, 3 open. Before the
    release A has one user confirmed, the open seats go to D1..D3, and
    D4..D8, C1, D9 wait. At the release the 6 unfilled reserved seats open
    and the first six waiting are promoted, in order, with no request
    touching the event: the server's job does it."""
    by_org = {o: [u for u, org in USERS if org == o] for o in ORGS}
    release = now() + datetime.timedelta(seconds=2)
    e = make_event(capacity=10, quotas=quota_body({A: 4, B: 3}),
                   quota_release_at=iso(release))
    assert e["quota_release_at"] == iso(release) and not e["quotas_released"]
    d = by_org[D]
    seq = [by_org[A][0]] + d[:8] + [by_org[C][0], d[8]]
    for u in seq:
        assert register(e["id"], u).status == 201
    e1 = s.get("/api/v1/events/%d" % e["id"], token=coord).json
    if not e1["quotas_released"]:
        assert e1["confirmed"] == 4 and e1["waitlisted"] == 7, e1
        wait = sorted((x for x in active(e["id"]) if x["status"] == "waitlisted"),
                      key=lambda x: x["waitlist_position"])
        assert [x["user_id"] for x in wait] == d[3:8] + [by_org[C][0], d[8]]
    deadline = time.monotonic() + 60
    while True:
        e2 = s.get("/api/v1/events/%d" % e["id"], token=coord).json
        if e2["quotas_released"] and e2["confirmed"] == 10:
            break
        assert time.monotonic() < deadline, ("release never happened", e2)
        time.sleep(0.1)
    g = check_invariants(e["id"], 10, {A: 4, B: 3}, released=True)
    st = {x["user_id"]: x for x in g}
    for u in d[:8] + [by_org[A][0], by_org[C][0]]:
        assert st[u]["status"] == "confirmed", st[u]
    assert st[d[8]]["status"] == "waitlisted" and \
        st[d[8]]["waitlist_position"] == 1
    assert st[by_org[A][0]]["seat_org_id"] == A
    assert e2["waitlisted"] == 1
    # After the release, a freed seat goes to the first waiting, whatever
    # the organisation (reserved seats are open now).
    r = s.delete("/api/v1/registrations/%d" % st[by_org[A][0]]["id"], token=coord)
    assert r.status == 200, r
    st = {x["user_id"]: x for x in active(e["id"])}
    assert st[d[8]]["status"] == "confirmed" and st[d[8]]["seat_org_id"] is None
    n = int(s.sql("SELECT count(*) FROM audit_log WHERE action ="
                  " 'event.quota_release' AND object_id = %d" % e["id"]))
    assert n == 1, n


def test_release_applied_by_the_lock():
    """A release that is due is applied before any seat decision, even if
    the job has not run: set it in the past by SQL, then register."""
    by_org = {o: [u for u, org in USERS if org == o] for o in ORGS}
    e = make_event(capacity=2, quotas=quota_body({A: 1}))
    d = by_org[D]
    assert register(e["id"], d[0]).json["status"] == "confirmed"
    assert register(e["id"], d[1]).json["status"] == "waitlisted"
    s.sql("BEGIN; SELECT 1 FROM events WHERE id = %d FOR UPDATE;"
          " UPDATE events SET quota_release_at = now() - interval '1 s'"
          "  WHERE id = %d;"
          " SELECT mt_registration_cancel((SELECT id FROM registrations"
          "  WHERE event_id = %d AND user_id = %d), %d, 'coordinator', NULL);"
          " COMMIT" % (e["id"], e["id"], e["id"], d[1], coord_id))
    # The cancellation ran under the lock, which released and promoted
    # first; d[1] was promoted, then cancelled, so the seat is free again.
    e2 = s.get("/api/v1/events/%d" % e["id"], token=coord).json
    assert e2["quotas_released"] and e2["confirmed"] == 1, e2
    assert register(e["id"], d[2]).json["status"] == "confirmed"


def test_quota_validation_and_capacity():
    e = make_event(capacity=10)
    eid = e["id"]
    p = problem(s.patch("/api/v1/events/%d" % eid,
                        {"quotas": quota_body({A: 6, B: 5})}, token=coord), 422)
    assert p["errors"][0]["field"] == "quotas", p
    for bad in ([{"org_id": A}], [{"org_id": A, "seats": 0}],
                [{"org_id": 999999, "seats": 1}],
                [{"org_id": A, "seats": 1}, {"org_id": A, "seats": 1}],
                [{"org_id": A, "seats": 1, "x": 1}], ["A"],
                [{"org_id": "1", "seats": 1}]):
        p = problem(s.patch("/api/v1/events/%d" % eid, {"quotas": bad},
                            token=coord), 422)
        assert p["errors"][0]["field"] == "quotas", (bad, p)
    problem(s.patch("/api/v1/events/%d" % eid, {"quotas": {"a": 1}},
                    token=coord), 422)
    p = problem(s.patch("/api/v1/events/%d" % eid,
                        {"quota_release_at": e["starts_at"]}, token=coord), 422)
    assert p["errors"][0]["field"] == "quota_release_at", p
    # Creating with a bad quota creates nothing, and reports the §7 field
    # errors with it.
    before = s.sql("SELECT count(*) FROM events")
    start = now() + datetime.timedelta(days=3)
    p = problem(s.post("/api/v1/events", {
        "kind": "seminar", "title": "X", "location": "Y", "country": "ZZ",
        "starts_at": iso(start),
        "ends_at": iso(start + datetime.timedelta(hours=1)), "capacity": 2,
        "quotas": quota_body({A: 3})}, token=coord), 422)
    assert {x["field"] for x in p["errors"]} == {"country", "quotas"}, p
    assert s.sql("SELECT count(*) FROM events") == before
    r = s.patch("/api/v1/events/%d" % eid, {"quotas": quota_body({A: 3, B: 2})},
                token=coord)
    assert r.status == 200, r
    # Capacity below the reserved seats: 409 naming the confirmed count.
    p = problem(s.patch("/api/v1/events/%d" % eid, {"capacity": 4},
                        token=coord), 409)
    assert "5 seats are reserved" in p["detail"] and \
        "0 registrations are confirmed" in p["detail"], p
    a = [u for u, o in USERS if o == A]
    for u in a[:3]:
        assert register(eid, u).json["seat_org_id"] == A
    # A quota below what its organisation already holds is refused.
    p = problem(s.patch("/api/v1/events/%d" % eid,
                        {"quotas": quota_body({A: 2})}, token=coord), 409)
    assert "organisation %d has 3" % A in p["detail"], p
    p = problem(s.patch("/api/v1/events/%d" % eid, {"quotas": []},
                        token=coord), 409)
    # Lowering the quota to the used seats frees open seats.
    r = s.patch("/api/v1/events/%d" % eid, {"quotas": quota_body({A: 3})},
                token=coord)
    assert r.status == 200 and r.json["quotas"] == \
        [{"org_id": A, "seats": 3, "used": 3}], r
    # Capacity below the confirmed count: 409 naming it.
    for u in a[3:8]:
        register(eid, u)
    assert s.get("/api/v1/events/%d" % eid, token=coord).json["confirmed"] == 8
    p = problem(s.patch("/api/v1/events/%d" % eid, {"capacity": 7},
                        token=coord), 409)
    assert "8 registrations are confirmed" in p["detail"], p
    # The database refuses another organisation's user on A's seat, and
    # an open seat beyond the open ones, whoever writes.
    b_user = [u for u, o in USERS if o == B][0]
    try:
        s.sql("INSERT INTO registrations (event_id, user_id, status, seat_org_id)"
              " VALUES (%d, %d, 'confirmed', %d)" % (eid, b_user, A))
        raise AssertionError("B's user on A's reserved seat accepted")
    except RuntimeError as err:
        assert "reserved seat goes to a user of its organisation" in str(err), err
    e3 = make_event(capacity=3, quotas=quota_body({A: 2}))
    d = [u for u, o in USERS if o == D]
    assert register(e3["id"], d[0]).json["status"] == "confirmed"
    try:
        s.sql("INSERT INTO registrations (event_id, user_id, status)"
              " VALUES (%d, %d, 'confirmed')" % (e3["id"], d[1]))
        raise AssertionError("open seat beyond the open ones accepted")
    except RuntimeError as err:
        assert "no open seat is left" in str(err), err
    try:
        s.sql("INSERT INTO registrations (event_id, user_id, status, seat_org_id)"
              " VALUES (%d, %d, 'confirmed', %d)" % (e3["id"], a[15], B))
        raise AssertionError("seat of an organisation without quota accepted")
    except RuntimeError as err:
        assert "reserved seat" in str(err), err


def test_list_items_carry_the_user():
    e = make_event(capacity=2)
    u = USERS[0][0]
    assert register(e["id"], u).status == 201
    item = regs(e["id"])[0]
    assert item["user"] == {"id": u, "name": s.sql(
        "SELECT name FROM users WHERE id = %d" % u), "email": EMAIL[u],
        "org_id": A, "org_name": "Org A"}, item
    assert item["nominated_by"] is None and item["note"] is None


def listed(eid):
    """The event as GET /events lists it (the list is paged by start)."""
    after = ""
    while True:
        r = s.get("/api/v1/events?limit=200" + after, token=coord)
        assert r.status == 200, r
        for e in r.json["items"]:
            if e["id"] == eid:
                return e
        assert r.json["next"], eid
        after = "&after=" + r.json["next"]


def test_list_matches_the_event():
    """The list builds each event from text stored in its row around its
    live counts and quotas (schema/130_perf2.sql); it must say exactly
    what GET /events/{id} says, after registrations and edits too."""
    e = make_event(capacity=3, quotas=quota_body({A: 1, B: 1}),
                   evaluation=[{"text": "Useful \"quotes\"?", "kind": "scale"},
                               {"text": "Comments", "kind": "text"}])
    assert listed(e["id"]) == e
    for uid, _ in USERS[:1] + USERS[N_PER_ORG:N_PER_ORG + 3]:
        assert register(e["id"], uid).status == 201
    got = s.get("/api/v1/events/%d" % e["id"], token=coord).json
    assert got["confirmed"] == 3 and got["waitlisted"] == 1, got
    assert listed(e["id"]) == got
    r = s.patch("/api/v1/events/%d" % e["id"], {"title": "Seats, renamed",
                "description": "Line one\nline two"}, token=coord)
    assert r.status == 200, r
    assert listed(e["id"]) == r.json and r.json["title"] == "Seats, renamed"
    assert s.post("/api/v1/events/%d/cancel" % e["id"], {},
                  token=coord).status == 200
    got = s.get("/api/v1/events/%d" % e["id"], token=coord).json
    assert got["status"] == "cancelled" and listed(e["id"]) == got, got
    # Quotas taken away and given again: the list looks them up only for
    # events flagged as having some (schema/155_event_list.sql).
    f = make_event(capacity=3)
    assert f["quotas"] == [] and listed(f["id"]) == f
    for quotas, want in ((quota_body({A: 1, B: 2}), 2), ([], 0),
                         (quota_body({B: 1}), 1)):
        r = s.patch("/api/v1/events/%d" % f["id"], {"quotas": quotas},
                    token=coord)
        assert r.status == 200 and len(r.json["quotas"]) == want, r
        assert listed(f["id"]) == r.json, (listed(f["id"]), r.json)


run(test_64_concurrent_registrations_with_quotas,
    test_cancellations_and_reregistrations_racing,
    test_release_promotes_in_order, test_release_applied_by_the_lock,
    test_quota_validation_and_capacity, test_list_items_carry_the_user,
    test_list_matches_the_event)
finish(s)
