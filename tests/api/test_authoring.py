"""Course authoring, part 2 (issue 13): PATCH /modules/{id} (title, a
lesson's Markdown re-rendered through the same sanitiser, 422 for Markdown
on a quiz module, permissions, nothing changed on a refusal), DELETE
/modules/{id} (positions closed up, refused with a 409 in words while
learners' progress or attempts depend on it, completing learners who had
done every other module, the unused quiz removed with its module) and
DELETE /courses/{id} (refused while anyone is enrolled, else gone with its
modules and unused quizzes); every change audited; CSRF on cookie
sessions."""
import os
import sys
import urllib.parse
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run, finish, problem, PASSWORD  # noqa: E402

s = Server("authoring").start()
admin = s.bootstrap()
org = s.org(admin, "Ministry A")
coord_id, coord = s.user(admin, "coord@a.example", "coordinator", org)
t1_id, t1 = s.user(admin, "t1@a.example", "trainee", org)
t2_id, t2 = s.user(admin, "t2@a.example", "trainee", org)
t3_id, t3 = s.user(admin, "t3@a.example", "trainee", org)
rev_id, rev = s.user(admin, "rev@a.example", "reviewer", org)

_n = [0]


def course(**kw):
    _n[0] += 1
    body = {"slug": "authoring-%d" % _n[0], "title": "Course %d" % _n[0],
            "audience": ["all"], "published": True}
    body.update(kw)
    r = s.post("/api/v1/courses", body, token=coord)
    assert r.status == 201, r
    return r.json


def lesson(cid, title, md="Some *text*."):
    r = s.post("/api/v1/courses/%d/modules" % cid,
               {"title": title, "kind": "lesson", "body_md": md}, token=coord)
    assert r.status == 201, r
    return r.json


def quiz_module(cid, title="Quiz"):
    gift = "::q1::One? {=yes ~no}\n\n::q2::Two? {=yes ~no}\n"
    r = s.post("/api/v1/quizzes/import?" + urllib.parse.urlencode(
        {"title": title, "course_id": cid}), token=coord, raw=gift.encode(),
        content_type="text/plain; charset=utf-8")
    assert r.status == 201, r
    mods = s.get("/api/v1/courses/%d" % cid, token=coord).json["modules"]
    return r.json["id"], mods[-1]


def enrol(token, cid):
    r = s.post("/api/v1/enrollments", {"course_id": cid}, token=token)
    assert r.status in (200, 201), r
    return r.json


def titles(cid):
    mods = s.get("/api/v1/courses/%d" % cid, token=coord).json["modules"]
    assert [m["position"] for m in mods] == list(range(1, len(mods) + 1)), mods
    return [m["title"] for m in mods]


def audits(action, oid):
    return int(s.sql("SELECT count(*) FROM audit_log WHERE action = '%s' AND "
                     "object_id = %d AND actor_id = %d"
                     % (action, oid, coord_id)))


def test_patch_lesson():
    c = course()
    m = lesson(c["id"], "Old title", "Old *text*.")
    r = s.patch("/api/v1/modules/%d" % m["id"], {"title": "  New title "},
                token=coord)
    assert r.status == 200, r
    assert r.json["title"] == "New title" and r.json["body_md"] == "Old *text*."
    assert r.json == s.get("/api/v1/modules/%d" % m["id"], token=t1).json
    md = ("# Heading\n\nNew **text** [ok](https://example.org).\n\n"
          "<script>alert('x')</script>\n\nInline <script>alert(2)</script>."
          "\n\n[bad](javascript:alert(1)) <img src=x onerror=alert(1)>\n")
    r = s.patch("/api/v1/modules/%d" % m["id"], {"body_md": md}, token=coord)
    assert r.status == 200, r
    got = r.json
    assert got["body_md"] == md and got["title"] == "New title"
    assert got["id"] == m["id"] and got["course_id"] == c["id"]
    assert got["kind"] == "lesson" and got["position"] == 1
    html = got["body_html"]
    assert "<h1>Heading</h1>" in html and "<strong>text</strong>" in html
    for bad in ("<script", "javascript:", "onerror", "<img src=\"x\""):
        assert bad not in html.lower(), (bad, html)
    # What a learner reads is the stored, re-rendered HTML.
    assert s.get("/api/v1/modules/%d" % m["id"], token=t1).json == got
    # The same renderer as the preview.
    prev = s.post("/api/v1/markdown/preview", {"body_md": md}, token=coord)
    assert prev.status == 200 and prev.json["body_html"] == html, prev
    assert audits("module.update", m["id"]) == 2
    # Both at once, and an empty lesson is allowed (as on creation).
    r = s.patch("/api/v1/modules/%d" % m["id"], {"title": "T", "body_md": ""},
                token=coord)
    assert r.status == 200 and r.json["body_html"] == "", r


def test_patch_refusals_change_nothing():
    c = course()
    m = lesson(c["id"], "Keep", "Keep *me*.")
    qid, qm = quiz_module(c["id"])
    before = s.get("/api/v1/modules/%d" % m["id"], token=coord).json
    url = "/api/v1/modules/%d" % m["id"]
    p = problem(s.patch("/api/v1/modules/%d" % qm["id"], {"body_md": "x"},
                        token=coord), 422)
    assert [e["field"] for e in p["errors"]] == ["body_md"], p
    assert "lesson" in p["errors"][0]["message"], p
    # A quiz module's title may change.
    r = s.patch("/api/v1/modules/%d" % qm["id"], {"title": "Final test"},
                token=coord)
    assert r.status == 200 and r.json["title"] == "Final test", r
    assert r.json["quiz_id"] == qid and "body_md" not in r.json
    for tok in (t1, rev):
        problem(s.patch(url, {"title": "Hacked"}, token=tok), 403)
    problem(s.patch(url, {"title": "x"}), 401)
    problem(s.patch("/api/v1/modules/999999", {"title": "x"}, token=coord),
            404)
    problem(s.patch("/api/v1/modules/abc", {"title": "x"}, token=coord), 404)
    problem(s.request("PATCH", url, raw=b'{"title": "x",', token=coord), 400)
    problem(s.request("PATCH", url, raw=b'{"title": "a", "title": "b"}',
                      token=coord), 400)
    problem(s.patch(url, {"title": "x"}, token=coord,
                    content_type="text/plain"), 415)
    for bad, field in (({"title": "   "}, "title"), ({"title": ""}, "title"),
                       ({"title": "x" * 201}, "title"), ({"title": 5}, "title"),
                       ({"body_md": 7}, "body_md"), ({"kind": "quiz"}, "kind"),
                       ({"position": 2}, "position")):
        p = problem(s.patch(url, bad, token=coord), 422)
        assert field in [e["field"] for e in p["errors"]], (bad, p)
    problem(s.patch(url, {}, token=coord), 422)
    assert s.get(url, token=coord).json == before
    assert audits("module.update", m["id"]) == 0


def test_delete_module_repacks():
    c = course()
    ms = [lesson(c["id"], "L%d" % i) for i in range(1, 5)]
    assert titles(c["id"]) == ["L1", "L2", "L3", "L4"]
    for tok in (t1, rev):
        problem(s.delete("/api/v1/modules/%d" % ms[1]["id"], token=tok), 403)
    r = s.delete("/api/v1/modules/%d" % ms[1]["id"], token=coord)
    assert r.status == 204 and r.body == b"", r
    assert titles(c["id"]) == ["L1", "L3", "L4"]
    problem(s.get("/api/v1/modules/%d" % ms[1]["id"], token=coord), 404)
    problem(s.delete("/api/v1/modules/%d" % ms[1]["id"], token=coord), 404)
    assert audits("module.delete", ms[1]["id"]) == 1
    detail = s.sql("SELECT detail->>'title' || ',' || (detail->>'position') "
                   "|| ',' || (detail->>'course_id') FROM audit_log WHERE "
                   "action = 'module.delete' AND object_id = %d" % ms[1]["id"])
    assert detail == "L2,2,%d" % c["id"], detail
    # First and last; new modules append after the closed-up list.
    assert s.delete("/api/v1/modules/%d" % ms[0]["id"], token=coord).status == 204
    assert s.delete("/api/v1/modules/%d" % ms[3]["id"], token=coord).status == 204
    assert titles(c["id"]) == ["L3"]
    lesson(c["id"], "L5")
    assert titles(c["id"]) == ["L3", "L5"]
    # The unused quiz goes with its module.
    qid, qm = quiz_module(c["id"])
    assert s.delete("/api/v1/modules/%d" % qm["id"], token=coord).status == 204
    problem(s.get("/api/v1/quizzes/%d" % qid, token=coord), 404)
    assert titles(c["id"]) == ["L3", "L5"]


def test_delete_module_in_use():
    c = course()
    a = lesson(c["id"], "A")
    b = lesson(c["id"], "B")
    qid, qm = quiz_module(c["id"])
    for tok in (t1, t2):
        enrol(tok, c["id"])
    for tok in (t1, t2):
        r = s.post("/api/v1/modules/%d/complete" % a["id"], token=tok)
        assert r.status == 200, r
    p = problem(s.delete("/api/v1/modules/%d" % a["id"], token=coord), 409)
    assert "2 learners have completed this module" in p["detail"], p
    # A learner's attempt at the quiz keeps the quiz module.
    r = s.post("/api/v1/quizzes/%d/attempts" % qid, token=t1)
    assert r.status == 201, r
    p = problem(s.delete("/api/v1/modules/%d" % qm["id"], token=coord), 409)
    assert "1 learner has attempted this quiz" in p["detail"], p
    assert titles(c["id"]) == ["A", "B", "Quiz"]
    assert s.get("/api/v1/quizzes/%d" % qid, token=coord).status == 200
    assert audits("module.delete", a["id"]) == 0
    assert audits("module.delete", qm["id"]) == 0
    # B is nobody's yet: it may go, and the enrolments keep their progress.
    assert s.delete("/api/v1/modules/%d" % b["id"], token=coord).status == 204
    assert titles(c["id"]) == ["A", "Quiz"]
    e = s.get("/api/v1/enrollments?course_id=%d&user_id=%d"
              % (c["id"], t2_id), token=coord).json["items"][0]
    assert e["progress"] == {"done": 1, "total": 2}, e


def test_delete_module_completes_waiting_learners():
    """A learner who had done every other module is complete (with a
    certificate) once the last module left undone is deleted."""
    c = course()
    a = lesson(c["id"], "A")
    b = lesson(c["id"], "B")
    enrol(t1, c["id"])
    enrol(t2, c["id"])
    assert s.post("/api/v1/modules/%d/complete" % a["id"],
                  token=t1).status == 200
    assert s.delete("/api/v1/modules/%d" % b["id"], token=coord).status == 204
    e1 = s.get("/api/v1/enrollments?course_id=%d&user_id=%d"
               % (c["id"], t1_id), token=coord).json["items"][0]
    assert e1["completed_at"] and e1["certificate_code"], e1
    e2 = s.get("/api/v1/enrollments?course_id=%d&user_id=%d"
               % (c["id"], t2_id), token=coord).json["items"][0]
    assert e2["completed_at"] is None and e2["certificate_code"] is None, e2


def test_delete_course():
    c = course(published=False)
    lesson(c["id"], "A")
    qid, qm = quiz_module(c["id"])
    for tok in (t1, rev):
        problem(s.delete("/api/v1/courses/%d" % c["id"], token=tok), 403)
    r = s.delete("/api/v1/courses/%d" % c["id"], token=coord)
    assert r.status == 204 and r.body == b"", r
    problem(s.get("/api/v1/courses/%d" % c["id"], token=coord), 404)
    problem(s.get("/api/v1/modules/%d" % qm["id"], token=coord), 404)
    problem(s.get("/api/v1/quizzes/%d" % qid, token=coord), 404)
    problem(s.delete("/api/v1/courses/%d" % c["id"], token=coord), 404)
    assert audits("course.delete", c["id"]) == 1
    assert s.sql("SELECT detail->>'slug' FROM audit_log WHERE action = "
                 "'course.delete' AND object_id = %d" % c["id"]) == c["slug"]
    # The slug is free again.
    assert course(slug=c["slug"])["slug"] == c["slug"]


def test_delete_course_with_enrolments():
    c = course()
    m = lesson(c["id"], "A")
    for tok in (t1, t2, t3):
        enrol(tok, c["id"])
    p = problem(s.delete("/api/v1/courses/%d" % c["id"], token=coord), 409)
    assert "3 learners are enrolled" in p["detail"], p
    assert "unpublish" in p["detail"].lower(), p
    # Nothing changed.
    got = s.get("/api/v1/courses/%d" % c["id"], token=coord)
    assert got.status == 200 and [x["id"] for x in got.json["modules"]] == [m["id"]]
    assert audits("course.delete", c["id"]) == 0
    # A completed course (a certificate) is refused the same way.
    c2 = course()
    m2 = lesson(c2["id"], "Only")
    enrol(t1, c2["id"])
    r = s.post("/api/v1/modules/%d/complete" % m2["id"], token=t1)
    assert r.status == 200 and r.json["completed_at"], r
    p = problem(s.delete("/api/v1/courses/%d" % c2["id"], token=coord), 409)
    assert "1 learner is enrolled" in p["detail"], p
    assert s.get("/api/v1/courses/%d" % c2["id"], token=t1).status == 200


def test_shared_quiz_survives():
    """A quiz another course still uses stays when one module goes, and
    goes with the last course that used it."""
    c = course()
    qid, qm = quiz_module(c["id"])
    other = course()
    r = s.post("/api/v1/courses/%d/modules" % other["id"],
               {"title": "Same quiz", "kind": "quiz", "quiz_id": qid},
               token=coord)
    assert r.status == 201, r
    assert s.delete("/api/v1/modules/%d" % qm["id"], token=coord).status == 204
    assert s.get("/api/v1/quizzes/%d" % qid, token=coord).status == 200
    assert s.delete("/api/v1/courses/%d" % other["id"], token=coord).status == 204
    problem(s.get("/api/v1/quizzes/%d" % qid, token=coord), 404)


def test_csrf_on_cookie_sessions():
    c = course()
    m = lesson(c["id"], "Cookie")
    r = s.post("/api/v1/auth/login", {"email": "coord@a.example",
                                      "password": PASSWORD})
    cookie = {"Cookie": "mt_session=" + r.json["token"]}
    csrf = dict(cookie, **{"X-CSRF-Token": r.json["csrf_token"]})
    url = "/api/v1/modules/%d" % m["id"]
    p = problem(s.patch(url, {"title": "x"}, headers=cookie), 403)
    assert "CSRF" in p["detail"], p
    problem(s.delete(url, headers=cookie), 403)
    problem(s.delete("/api/v1/courses/%d" % c["id"], headers=cookie), 403)
    assert titles(c["id"]) == ["Cookie"]
    r = s.patch(url, {"title": "Cookie 2"}, headers=csrf)
    assert r.status == 200 and r.json["title"] == "Cookie 2", r
    assert s.delete(url, headers=csrf).status == 204
    assert s.delete("/api/v1/courses/%d" % c["id"], headers=csrf).status == 204


run(test_patch_lesson, test_patch_refusals_change_nothing,
    test_delete_module_repacks, test_delete_module_in_use,
    test_delete_module_completes_waiting_learners, test_delete_course,
    test_delete_course_with_enrolments, test_shared_quiz_survives,
    test_csrf_on_cookie_sessions)
finish(s)
