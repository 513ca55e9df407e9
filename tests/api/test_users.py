"""Organisations, users and roles (API §4), keyset pagination and the
audit log (API §11)."""
from harness import Server, PASSWORD, problem, run, finish

s = Server("users").start()
admin = s.bootstrap()
office = int(s.sql("SELECT id FROM orgs"))
interior = s.org(admin, "Ministry of the Interior")
foreign = s.org(admin, "Ministry of Foreign Affairs")
coord_id, coord = s.user(admin, "coord@example.org", "coordinator", office)
rev_id, rev = s.user(admin, "rev@example.org", "reviewer", interior)
tr_id, tr = s.user(admin, "tr@example.org", "trainee", interior)
other_id, other = s.user(admin, "other@example.org", "trainee", foreign)


def body(role, org, email):
    return {"email": email, "name": "N", "role": role, "org_id": org,
            "password": PASSWORD}


def test_orgs_permissions():
    for tok in (coord, rev, tr):
        problem(s.post("/api/v1/orgs", {"name": "Nope"}, token=tok), 403)
    for tok in (admin, coord):
        r = s.get("/api/v1/orgs", token=tok)
        assert r.status == 200 and len(r.json["items"]) >= 3, r
    # Trainees and reviewers see their own organisation only (issue 18).
    for tok in (rev, tr):
        r = s.get("/api/v1/orgs", token=tok)
        assert r.status == 200 and len(r.json["items"]) == 1, r
        me = s.get("/api/v1/auth/me", token=tok).json
        assert r.json["items"][0]["id"] == me["org_id"], r
    problem(s.post("/api/v1/orgs", {"name": "ministry of the INTERIOR"},
                   token=admin), 409)
    problem(s.post("/api/v1/orgs", {"name": "   "}, token=admin), 422)
    problem(s.post("/api/v1/orgs", {"name": ""}, token=admin), 422)


def test_create_user_permissions():
    # Admin: any role. Coordinator: trainees only. Others: nobody.
    r = s.post("/api/v1/users", body("coordinator", office, "c2@example.org"),
               token=admin)
    assert r.status == 201 and r.json["role"] == "coordinator", r
    assert set(r.json) == {"id", "email", "name", "role", "org_id", "active",
                           "language"}
    r = s.post("/api/v1/users", body("trainee", interior, "t2@example.org"),
               token=coord)
    assert r.status == 201, r
    problem(s.post("/api/v1/users", body("reviewer", interior, "r2@example.org"),
                   token=coord), 403)
    problem(s.post("/api/v1/users", body("admin", office, "a2@example.org"),
                   token=coord), 403)
    problem(s.post("/api/v1/users", body("trainee", interior, "t3@example.org"),
                   token=rev), 403)
    problem(s.post("/api/v1/users", body("trainee", interior, "t4@example.org"),
                   token=tr), 403)
    assert s.sql("SELECT count(*) FROM users WHERE email IN "
                 "('r2@example.org','a2@example.org','t3@example.org','t4@example.org')") == "0"


def test_create_user_validation():
    p = problem(s.post("/api/v1/users", {"email": "not-an-email", "name": "",
                                         "role": "boss", "org_id": 0,
                                         "password": "short"}, token=admin), 422)
    fields = {e["field"] for e in p["errors"]}
    assert fields == {"email", "name", "role", "org_id", "password"}, p
    problem(s.post("/api/v1/users", body("trainee", 999999, "t9@example.org"),
                   token=admin), 422)
    p = problem(s.post("/api/v1/users", dict(body("trainee", interior, "t8@example.org"),
                                             admin=True), token=admin), 422)
    assert p["errors"][0]["field"] == "admin"


def test_duplicate_email_any_case():
    problem(s.post("/api/v1/users", body("trainee", interior, "TR@Example.ORG"),
                   token=admin), 409)
    assert s.sql("SELECT count(*) FROM users WHERE lower(email) = 'tr@example.org'") == "1"


def test_list_users_scoping():
    for tok in (admin, coord):
        r = s.get("/api/v1/users?limit=200", token=tok)
        assert r.status == 200
        assert {u["id"] for u in r.json["items"]} >= {tr_id, other_id, coord_id}
    r = s.get("/api/v1/users?limit=200", token=rev)
    assert r.status == 200
    orgs = {u["org_id"] for u in r.json["items"]}
    assert orgs == {interior}, orgs
    assert tr_id in {u["id"] for u in r.json["items"]}
    problem(s.get("/api/v1/users?org_id=%d" % foreign, token=rev), 403)
    assert s.get("/api/v1/users?org_id=%d" % interior, token=rev).status == 200
    problem(s.get("/api/v1/users", token=tr), 403)
    r = s.get("/api/v1/users?role=reviewer", token=admin)
    assert [u["id"] for u in r.json["items"]] == [rev_id]
    problem(s.get("/api/v1/users?role=boss", token=admin), 400)
    problem(s.get("/api/v1/users?org_id=abc", token=admin), 400)


def test_get_user_scoping():
    assert s.get("/api/v1/users/%d" % other_id, token=coord).status == 200
    assert s.get("/api/v1/users/%d" % tr_id, token=rev).status == 200
    problem(s.get("/api/v1/users/%d" % other_id, token=rev), 404)
    assert s.get("/api/v1/users/%d" % tr_id, token=tr).status == 200
    problem(s.get("/api/v1/users/%d" % other_id, token=tr), 404)
    problem(s.get("/api/v1/users/999999", token=admin), 404)
    problem(s.get("/api/v1/users/abc", token=admin), 404)


def test_patch_user_and_audit():
    uid, tok = s.user(admin, "patchme@example.org", "trainee", interior)
    for t in (coord, rev, tr):
        problem(s.patch("/api/v1/users/%d" % uid, {"name": "X"}, token=t), 403)
    problem(s.patch("/api/v1/users/%d" % uid, {}, token=admin), 422)
    problem(s.patch("/api/v1/users/%d" % uid, {"name": None}, token=admin), 422)
    problem(s.patch("/api/v1/users/%d" % uid, {"role": "king"}, token=admin), 422)
    problem(s.patch("/api/v1/users/%d" % uid, {"email": "x@y.org"}, token=admin), 422)
    r = s.patch("/api/v1/users/%d" % uid, {"role": "reviewer", "name": "Pat"},
                token=admin)
    assert r.status == 200 and r.json["role"] == "reviewer" and r.json["name"] == "Pat", r
    audit = s.get("/api/v1/audit?action=user.role_change", token=admin).json["items"]
    assert audit[0]["object_id"] == uid and audit[0]["detail"] == {"from": "trainee", "to": "reviewer"}, audit
    # Deactivating revokes every session at once.
    assert s.get("/api/v1/auth/me", token=tok).status == 200
    r = s.patch("/api/v1/users/%d" % uid, {"active": False}, token=admin)
    assert r.status == 200 and r.json["active"] is False
    problem(s.get("/api/v1/auth/me", token=tok), 401)
    problem(s.post("/api/v1/auth/login", {"email": "patchme@example.org",
                                          "password": PASSWORD}), 401)
    problem(s.patch("/api/v1/users/999999", {"name": "X"}, token=admin), 404)


def test_audit_log():
    problem(s.get("/api/v1/audit", token=coord), 403)
    r = s.get("/api/v1/audit?actor_id=%d" % coord_id, token=admin)
    items = r.json["items"]
    assert items and all(i["actor_id"] == coord_id for i in items)
    assert set(items[0]) == {"id", "at", "actor_id", "action", "object_type",
                             "object_id", "detail"}
    ids = [i["id"] for i in items]
    assert ids == sorted(ids, reverse=True)
    actions = {i["action"] for i in s.get("/api/v1/audit?limit=200",
                                          token=admin).json["items"]}
    assert {"org.create", "user.create", "user.update", "user.role_change"} <= actions


def test_pagination_visits_every_row_once():
    s.sql("INSERT INTO orgs (name) SELECT 'Org ' || g FROM generate_series(1, 137) g")
    want = set(int(x) for x in s.sql("SELECT string_agg(id::text, ' ') FROM orgs").split())
    seen, after, pages = [], None, 0
    while True:
        q = "/api/v1/orgs?limit=10" + ("&after=" + after if after else "")
        r = s.get(q, token=coord)
        assert r.status == 200, r
        assert len(r.json["items"]) <= 10
        seen += [o["id"] for o in r.json["items"]]
        pages += 1
        after = r.json["next"]
        if after is None:
            break
    assert len(seen) == len(set(seen)) == len(want) and set(seen) == want
    assert seen == sorted(seen)
    assert pages == (len(want) + 9) // 10
    problem(s.get("/api/v1/orgs?after=garbage!", token=tr), 400)
    problem(s.get("/api/v1/orgs?limit=0", token=tr), 400)
    problem(s.get("/api/v1/orgs?limit=201", token=tr), 400)
    r = s.get("/api/v1/orgs", token=coord)
    assert len(r.json["items"]) == 50


run(test_orgs_permissions, test_create_user_permissions,
    test_create_user_validation, test_duplicate_email_any_case,
    test_list_users_scoping, test_get_user_scoping, test_patch_user_and_audit,
    test_audit_log, test_pagination_visits_every_row_once)
finish(s)
