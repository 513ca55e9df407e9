"""Browser tests of course authoring, part 2 (issue 13): a coordinator edits
an existing lesson (live preview, saved, kept after a reload, a <script> in
the Markdown never runs), deletes a lesson and a draft course through the
confirmation dialog (Escape and "No, keep it" keep them; a lesson a learner
has completed is refused in words inside the dialog), sets the questions
drawn per attempt with errors at the field; a trainee's quiz intro shows
attempts used and left in English and Lithuanian. tests/web/authoring.mjs
drives Debian's Chromium like staff.mjs; screenshots go to
MIGTRAIN_TEST_OUT/authoring."""
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from harness import Server, SOURCE, PASSWORD, run, finish  # noqa: E402

MODULES = os.environ.get("MIGTRAIN_WEB_MODULES", "build/web/node_modules")
OUT = os.path.join(os.environ.get("MIGTRAIN_TEST_OUT", "build/test-output/web"), "authoring")

s = Server("webauthoring").start()
admin = s.bootstrap()
org = s.org(admin, "State Border Guard Service")
_, coord = s.user(admin, "coord@example.org", "coordinator", org, "Coordinator Vaitkus")
t1_id, t1 = s.user(admin, "t1@example.org", "trainee", org, "Aistė Trainee")

GIFT = "\n".join("::q%d::Question %d? {=right %d ~wrong %d}\n" % (i, i, i, i) for i in (1, 2, 3))


def ok(r, status=201):
    assert r.status == status, r
    return r.json


def course(slug, title, published):
    return ok(s.post("/api/v1/courses", {"slug": slug, "title": title, "audience": ["all"],
                     "language": "en", "published": published}, token=coord))["id"]


def lesson(cid, title, md):
    return ok(s.post("/api/v1/courses/%d/modules" % cid, {"title": title, "kind": "lesson",
                     "body_md": md}, token=coord))["id"]


def quiz(cid, title, max_attempts):
    q = ok(s.post("/api/v1/quizzes/import?" + urllib.parse.urlencode(
        {"title": title, "course_id": cid, "max_attempts": max_attempts}), token=coord,
        raw=GIFT.encode(), content_type="text/plain; charset=utf-8"))
    mods = ok(s.get("/api/v1/courses/%d" % cid, token=coord), 200)["modules"]
    return q["id"], mods[-1]["id"]


def setup():
    """A published course the trainee has started (one lesson done, one
    attempt at the limited quiz) and a draft nobody has enrolled in."""
    cid = course("border-interviews", "Border interviews", True)
    l1 = lesson(cid, "Opening the interview", "Greet the traveller and *introduce yourself*.")
    lesson(cid, "Closing the interview", "Thank the traveller.")
    lesson(cid, "Extra material", "Further reading.")
    qid, qmid = quiz(cid, "Interview quiz", 3)
    uqid, uqmid = quiz(cid, "Practice quiz", 0)
    ok(s.post("/api/v1/enrollments", {"course_id": cid}, token=t1))
    ok(s.post("/api/v1/modules/%d/complete" % l1, {}, token=t1), 200)
    a = ok(s.post("/api/v1/quizzes/%d/attempts" % qid, token=t1))
    ok(s.post("/api/v1/attempts/%d/submit" % a["id"], token=t1), 200)
    draft = course("draft-to-delete", "Draft to delete", False)
    lesson(draft, "Only lesson", "Nothing yet.")
    return {"course_id": cid, "lesson_id": l1, "quiz_id": qid, "quiz_module_id": qmid,
            "practice_module_id": uqmid, "draft_id": draft}


def test_authoring_browser():
    fixture = setup()
    fixture.update({"base": "http://127.0.0.1:%d" % s.port, "password": PASSWORD, "out": OUT,
                    "modules": MODULES, "source": os.path.abspath(SOURCE)})
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, MIGTRAIN_WEB_FIXTURE=json.dumps(fixture))
    r = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "authoring.mjs")],
                       env=env, timeout=1500)
    assert r.returncode == 0, "authoring browser test failed (see above)"
    # What the browser did, as the API sees it.
    m = ok(s.get("/api/v1/modules/%d" % fixture["lesson_id"], token=t1), 200)
    assert "Updated" in m["body_md"] and "<script" not in m["body_html"], m
    assert ok(s.get("/api/v1/quizzes/%d" % fixture["quiz_id"], token=coord), 200)["draw"] == 2
    titles = [x["title"] for x in ok(s.get("/api/v1/courses/%d" % fixture["course_id"], token=coord), 200)["modules"]]
    assert "Extra material" not in titles and "Opening the interview well" in titles, titles
    assert s.get("/api/v1/courses/%d" % fixture["draft_id"], token=coord).status == 404


run(test_authoring_browser)
finish(s)
