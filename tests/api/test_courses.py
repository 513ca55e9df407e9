"""Courses, modules, lessons, enrolment and progress (API §5, issue 3):
draft visibility per role, audience filter and full-text search (through
the index), authoring permissions, the Markdown sanitiser through the API,
module reordering, enrolment idempotence and permissions, enrolment
scoping, progress and single completion, and refusals for users who are
not enrolled."""
import sys
import os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, run, finish, problem  # noqa: E402

s = Server("courses").start()
admin = s.bootstrap()
org_a = s.org(admin, "Ministry A")
org_b = s.org(admin, "Ministry B")
coord_id, coord = s.user(admin, "coord@a.example", "coordinator", org_a)
t1_id, t1 = s.user(admin, "t1@a.example", "trainee", org_a)
t2_id, t2 = s.user(admin, "t2@b.example", "trainee", org_b)
rev_id, rev = s.user(admin, "rev@a.example", "reviewer", org_a)

_n = [0]


def course(token=None, **kw):
    """Creates a course as the coordinator; returns its JSON."""
    _n[0] += 1
    body = {"slug": "course-%d" % _n[0], "title": "Course %d" % _n[0],
            "audience": ["border_guard"]}
    body.update(kw)
    r = s.post("/api/v1/courses", body, token=token or coord)
    assert r.status == 201, r
    return r.json


def lesson(cid, title="Lesson", md="Some *text*.", token=None):
    r = s.post("/api/v1/courses/%d/modules" % cid,
               {"title": title, "kind": "lesson", "body_md": md},
               token=token or coord)
    assert r.status == 201, r
    return r.json


def published_course(lessons=2, **kw):
    c = course(published=True, **kw)
    ms = [lesson(c["id"], "Lesson %d" % (i + 1)) for i in range(lessons)]
    return c, ms


def ids(page):
    return [x["id"] for x in page["items"]]


def test_create_and_validate():
    r = s.post("/api/v1/courses", {
        "slug": "border-basics", "title": "  Border basics ",
        "summary": "What a border check is.",
        "audience": ["border_guard", "migration", "border_guard"],
        "language": "en", "published": False, "estimated_minutes": 90},
        token=coord)
    assert r.status == 201, r
    c = r.json
    assert c["slug"] == "border-basics" and c["title"] == "Border basics"
    assert c["audience"] == ["border_guard", "migration"], c
    assert c["published"] is False and c["estimated_minutes"] == 90
    assert c["language"] == "en" and c["modules"] == []
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = "
                 "'course.create' AND object_id = %d AND actor_id = %d"
                 % (c["id"], coord_id)) == "1"
    # Defaults.
    d = course(slug="defaults-course", title="D")
    assert d["published"] is False and d["language"] == "en"
    assert d["estimated_minutes"] == 60 and d["summary"] == ""
    problem(s.post("/api/v1/courses", {"slug": "border-basics", "title": "x",
                                       "audience": ["all"]}, token=coord), 409)
    for bad in ({"slug": "Bad Slug", "title": "x", "audience": ["all"]},
                {"slug": "ok-slug", "title": "   ", "audience": ["all"]},
                {"slug": "ok-slug", "title": "x", "audience": []},
                {"slug": "ok-slug", "title": "x", "audience": ["pilots"]},
                {"slug": "ok-slug", "title": "x", "audience": "all"},
                {"slug": "ok-slug", "title": "x"},
                {"slug": "ok-slug", "audience": ["all"]},
                {"slug": "ok-slug", "title": "x", "audience": ["all"],
                 "language": "EN"},
                {"slug": "ok-slug", "title": "x", "audience": ["all"],
                 "estimated_minutes": 0},
                {"slug": "ok-slug", "title": "x", "audience": ["all"],
                 "colour": "red"}):
        problem(s.post("/api/v1/courses", bad, token=coord), 422)
    assert s.sql("SELECT count(*) FROM courses WHERE slug = 'ok-slug'") == "0"
    # PATCH changes only what it names and is audited.
    r = s.patch("/api/v1/courses/%d" % c["id"],
                {"summary": "Changed.", "audience": ["all"]}, token=coord)
    assert r.status == 200, r
    assert r.json["summary"] == "Changed." and r.json["audience"] == ["all"]
    assert r.json["title"] == "Border basics"
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = "
                 "'course.update' AND object_id = %d" % c["id"]) == "1"
    problem(s.patch("/api/v1/courses/%d" % c["id"], {}, token=coord), 422)
    problem(s.patch("/api/v1/courses/999999", {"title": "x"}, token=coord), 404)
    problem(s.patch("/api/v1/courses/%d" % c["id"], {"slug": "defaults-course"},
                    token=coord), 409)


def test_authoring_permissions():
    c = course()
    m = lesson(c["id"])
    for tok in (t1, rev):
        problem(s.post("/api/v1/courses", {"slug": "nope-%s" % tok[:4].lower(),
                                           "title": "x", "audience": ["all"]},
                       token=tok), 403)
        problem(s.patch("/api/v1/courses/%d" % c["id"], {"title": "x"},
                        token=tok), 403)
        problem(s.post("/api/v1/courses/%d/modules" % c["id"],
                       {"title": "x", "kind": "lesson", "body_md": "x"},
                       token=tok), 403)
        problem(s.put("/api/v1/courses/%d/modules/order" % c["id"],
                      {"module_ids": [m["id"]]}, token=tok), 403)
    assert s.sql("SELECT title FROM courses WHERE id = %d" % c["id"]) == c["title"]
    assert s.sql("SELECT count(*) FROM modules WHERE course_id = %d"
                 % c["id"]) == "1"
    # Admin can do what a coordinator can.
    a = course(token=admin)
    lesson(a["id"], token=admin)
    r = s.patch("/api/v1/courses/%d" % a["id"], {"published": True}, token=admin)
    assert r.status == 200 and r.json["published"] is True, r
    problem(s.get("/api/v1/courses"), 401)


def test_draft_visibility():
    draft = course(title="Secret draft")
    m = lesson(draft["id"])
    pub = course(title="Open course", published=True)
    pm = lesson(pub["id"])
    for tok in (coord, admin):
        assert s.get("/api/v1/courses/%d" % draft["id"], token=tok).status == 200
        assert s.get("/api/v1/modules/%d" % m["id"], token=tok).status == 200
        listed = ids(s.get("/api/v1/courses?limit=200", token=tok).json)
        assert draft["id"] in listed and pub["id"] in listed
    for tok in (t1, rev):
        problem(s.get("/api/v1/courses/%d" % draft["id"], token=tok), 404)
        problem(s.get("/api/v1/modules/%d" % m["id"], token=tok), 404)
        listed = s.get("/api/v1/courses?limit=200", token=tok).json
        assert draft["id"] not in ids(listed)
        assert all(x["published"] for x in listed["items"]), listed
        assert pub["id"] in ids(listed)
        r = s.get("/api/v1/courses/%d" % pub["id"], token=tok)
        assert r.status == 200 and r.json["modules"][0]["id"] == pm["id"], r
        assert s.get("/api/v1/modules/%d" % pm["id"], token=tok).status == 200
    # A draft cannot be found by searching either.
    assert ids(s.get("/api/v1/courses?q=secret", token=t1).json) == []
    assert draft["id"] in ids(s.get("/api/v1/courses?q=secret", token=coord).json)
    problem(s.post("/api/v1/enrollments", {"course_id": draft["id"]}, token=t1), 404)
    # Publishing makes it visible; unpublishing hides it again.
    assert s.patch("/api/v1/courses/%d" % draft["id"], {"published": True},
                   token=coord).status == 200
    assert s.get("/api/v1/courses/%d" % draft["id"], token=t1).status == 200
    assert s.patch("/api/v1/courses/%d" % draft["id"], {"published": False},
                   token=coord).status == 200
    problem(s.get("/api/v1/courses/%d" % draft["id"], token=rev), 404)
    problem(s.get("/api/v1/courses/0", token=t1), 404)
    problem(s.get("/api/v1/courses/abc", token=t1), 404)


def test_audience_and_search():
    docs = course(slug="forged-documents", published=True,
                  title="Detecting forged travel documents",
                  summary="Security features of passports and how forgeries "
                          "are spotted at first-line checks.",
                  audience=["border_guard"])
    visas = course(slug="visa-code-basics", published=True,
                   title="The EU Visa Code in consular practice",
                   summary="Admissibility, examination and decisions on "
                           "short-stay visa applications.",
                   audience=["consular"])
    stats = course(slug="migration-statistics", published=True,
                   title="Reading migration statistics",
                   summary="How asylum and residence permit figures are "
                           "defined and collected.",
                   audience=["all"])
    hidden = course(slug="forged-draft", title="Forged stamps (draft)",
                    audience=["border_guard"])

    def listed(query, token=t1):
        r = s.get("/api/v1/courses?limit=200&" + query, token=token)
        assert r.status == 200, r
        return ids(r.json)

    got = listed("audience=consular")
    assert visas["id"] in got and stats["id"] in got, got  # 'all' included
    assert docs["id"] not in got
    got = listed("audience=border_guard")
    assert docs["id"] in got and stats["id"] in got and visas["id"] not in got
    assert hidden["id"] not in got
    problem(s.get("/api/v1/courses?audience=pilots", token=t1), 400)
    # Full-text search over title and summary, English stemming.
    assert listed("q=forgery") == [docs["id"]]          # summary, stemmed
    assert listed("q=passport") == [docs["id"]]
    assert listed("q=visa") == [visas["id"]]
    assert listed("q=Statistics") == [stats["id"]]
    assert listed("q=%22residence+permit%22") == [stats["id"]]  # phrase
    assert sorted(listed("q=visa+or+passports")) == sorted([docs["id"], visas["id"]])
    assert listed("q=forged+-passports") == []          # websearch negation
    assert listed("q=zebra") == []
    assert listed("q=the") == []                        # only a stop word
    assert listed("q=forged", token=coord) == [docs["id"], hidden["id"]]
    assert listed("q=visa&audience=border_guard") == []
    assert listed("q=asylum&audience=consular") == [stats["id"]]
    assert listed("q=%20%20") == listed("")             # blank q is no filter
    problem(s.get("/api/v1/courses?q=" + "x" * 900, token=t1), 400)
    problem(s.get("/api/v1/courses?q=%ff%fe", token=t1), 400)
    problem(s.get("/api/v1/courses?limit=0", token=t1), 400)

    # Many courses: a selective search goes through the GIN index, not a
    # scan, under both plan kinds; and pages with a stable cursor.
    s.sql("INSERT INTO courses (slug, title, summary, audience, published)"
          " SELECT 'filler-' || i, 'Filler course ' || i, 'Nothing relevant "
          "about topic ' || i, ARRAY['migration'], true"
          "  FROM generate_series(1, 5000) i;"
          "INSERT INTO courses (slug, title, summary, audience, published)"
          " SELECT 'trafficking-' || i, 'Trafficking indicators ' || i,"
          " 'Referral of victims', ARRAY['migration'], true"
          "  FROM generate_series(1, 7) i;\nVACUUM ANALYZE courses;")
    sql = ("WITH hit AS MATERIALIZED ("
           "  SELECT * FROM courses"
           "   WHERE search @@ websearch_to_tsquery('english', $5)"
           "     AND id > $1 AND (published OR $3::boolean)"
           "     AND ($4::text IS NULL OR audience && ARRAY[$4, 'all']))"
           "SELECT mt_page(json_agg(course_json(c) ORDER BY c.id), $2)::text"
           "  FROM (SELECT * FROM hit ORDER BY id LIMIT $2::int + 1) c")
    for mode in ("force_custom_plan", "force_generic_plan"):
        plan = s.sql("SET plan_cache_mode = %s; PREPARE q(bigint, bigint, "
                     "boolean, text, text) AS %s; EXPLAIN EXECUTE q(0, 50, "
                     "false, NULL, 'trafficking');" % (mode, sql))
        assert "Bitmap Index Scan on courses_search_idx" in plan, (mode, plan)
        assert "Seq Scan" not in plan, (mode, plan)
    seen, after = [], ""
    for _ in range(5):
        r = s.get("/api/v1/courses?q=trafficking&limit=3" + after, token=t1)
        assert r.status == 200, r
        seen += ids(r.json)
        if r.json["next"] is None:
            break
        after = "&after=" + r.json["next"]
    assert len(seen) == 7 and seen == sorted(seen), seen


def test_sanitiser_through_api():
    c = course(published=True)
    md = ("# Title\n\nSafe [link](https://example.org) text.\n\n"
          "<script>alert('block')</script>\n\n"
          "Inline <script>alert('inline')</script> script.\n\n"
          "<img src=x onerror=alert(1)>\n\n"
          "<div onmouseover=\"alert(1)\">raw block</div>\n\n"
          "Para <b onclick=alert(1)>bold</b> end.\n\n"
          "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) "
          "[c]( javascript:alert(1)) [d](&#106;avascript:alert(1)) "
          "[e](java&#9;script:alert(1)) <javascript:alert(1)> "
          "[f](vbscript:msgbox(1)) [g](data:text/html;base64,PHNjcmlwdD4=)\n\n"
          "![img](data:image/png;base64,iVBORw0KGgo=) "
          "![svg](data:image/svg+xml,<svg/onload=alert(1)>)\n\n"
          "<iframe src=\"https://evil.example\"></iframe>\n")
    m = lesson(c["id"], "Hostile", md)
    r = s.get("/api/v1/modules/%d" % m["id"], token=t1)
    assert r.status == 200, r
    mod = r.json
    assert mod["body_md"] == md and mod["kind"] == "lesson"
    assert mod["course_id"] == c["id"] and "quiz_id" not in mod
    html = mod["body_html"]
    low = html.lower()
    for bad in ("<script", "<img src=\"x\"", "onerror", "onmouseover",
                "onclick", "<div", "<b>", "<iframe", "href=\"javascript",
                "href=\"vbscript", "data:", "java%09script"):
        assert bad not in low, (bad, html)
    assert "<h1>Title</h1>" in html
    assert '<a href="https://example.org">link</a>' in html
    assert html.count('<a href="">') == 8, html   # every bad link emptied
    assert 'alt="img"' in html and 'alt="svg"' in html
    # Rendered once at save time: the stored HTML is what is served.
    assert s.sql("SELECT body_html FROM modules WHERE id = %d" % m["id"]) \
        == html.rstrip("\n")
    # Lesson validation.
    problem(s.post("/api/v1/courses/%d/modules" % c["id"],
                   {"title": "x", "kind": "lesson"}, token=coord), 422)
    problem(s.post("/api/v1/courses/%d/modules" % c["id"],
                   {"title": "x", "kind": "lesson", "body_md": "x",
                    "quiz_id": 1}, token=coord), 422)
    problem(s.post("/api/v1/courses/%d/modules" % c["id"],
                   {"title": "x", "kind": "video", "body_md": "x"},
                   token=coord), 422)
    problem(s.post("/api/v1/courses/%d/modules" % c["id"],
                   {"title": "x", "kind": "quiz"}, token=coord), 422)
    problem(s.post("/api/v1/courses/%d/modules" % c["id"],
                   {"title": "x", "kind": "quiz", "quiz_id": 999999},
                   token=coord), 422)
    problem(s.post("/api/v1/courses/999999/modules",
                   {"title": "x", "kind": "lesson", "body_md": "x"},
                   token=coord), 404)
    # Size limits: the Markdown, and the HTML that deep nesting inflates.
    for big in ("x" * 200001, ">" * 100000):
        p = problem(s.post("/api/v1/courses/%d/modules" % c["id"],
                           {"title": "big", "kind": "lesson", "body_md": big},
                           token=coord), 422)
        assert p["errors"][0]["field"] == "body_md", p
    # An empty lesson is allowed.
    e = lesson(c["id"], "Empty", "")
    assert s.get("/api/v1/modules/%d" % e["id"], token=t1).json["body_html"] == ""
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = 'module.create'"
                 " AND object_id = %d" % m["id"]) == "1"


def test_reorder_modules():
    c = course()
    ms = [lesson(c["id"], "L%d" % i) for i in range(1, 5)]
    assert [m["position"] for m in ms] == [1, 2, 3, 4]
    order = [ms[2]["id"], ms[0]["id"], ms[3]["id"], ms[1]["id"]]
    r = s.put("/api/v1/courses/%d/modules/order" % c["id"],
              {"module_ids": order}, token=coord)
    assert r.status == 200, r
    assert [m["id"] for m in r.json["modules"]] == order
    assert [m["position"] for m in r.json["modules"]] == [1, 2, 3, 4]
    assert s.sql("SELECT string_agg(id::text, ',' ORDER BY position) || ' ' ||"
                 " string_agg(position::text, ',' ORDER BY position)"
                 " FROM modules WHERE course_id = %d" % c["id"]) == \
        ",".join(map(str, order)) + " 1,2,3,4"
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = "
                 "'course.reorder' AND object_id = %d" % c["id"]) == "1"
    other = course()
    om = lesson(other["id"])
    for bad in (order[:3], order + [order[0]], order[:3] + [order[0]],
                order[:3] + [om["id"]], [], order + [999999]):
        problem(s.put("/api/v1/courses/%d/modules/order" % c["id"],
                      {"module_ids": bad}, token=coord), 422)
    for bad in ({"module_ids": "1,2"}, {"module_ids": [0]},
                {"module_ids": ["a"]}, {}, {"ids": order}):
        problem(s.put("/api/v1/courses/%d/modules/order" % c["id"], bad,
                      token=coord), 422)
    problem(s.put("/api/v1/courses/999999/modules/order", {"module_ids": []},
                  token=coord), 404)
    # Nothing changed by the refused requests; a new module goes last.
    n = lesson(c["id"], "L5")
    assert n["position"] == 5
    r = s.get("/api/v1/courses/%d" % c["id"], token=coord)
    assert [m["id"] for m in r.json["modules"]] == order + [n["id"]]
    # The stored JSON of each module (schema/130) follows the reorder.
    assert [m["position"] for m in r.json["modules"]] == [1, 2, 3, 4, 5]
    assert s.get("/api/v1/modules/%d" % order[0],
                 token=coord).json["position"] == 1
    # The database itself refuses gaps.
    try:
        s.sql("UPDATE modules SET position = 9 WHERE id = %d" % n["id"])
        assert False, "a gap was accepted"
    except RuntimeError as e:
        assert "1..n" in str(e), e


def test_stored_json_follows_writes():
    """The catalogue, the course and the lesson send JSON stored in their
    rows (schema/130_perf2.sql): every write shows in them at once, and
    the catalogue says what the course says."""
    c, ms = published_course(lessons=1)

    def entry(token=coord):
        after = ""
        while True:
            r = s.get("/api/v1/courses?limit=200" + after, token=token)
            for x in r.json["items"]:
                if x["id"] == c["id"]:
                    return x
            if not r.json["next"]:
                return None
            after = "&after=" + r.json["next"]

    full = s.get("/api/v1/courses/%d" % c["id"], token=coord).json
    assert entry() == {k: v for k, v in full.items() if k != "modules"}
    assert entry(t1) is not None
    r = s.patch("/api/v1/courses/%d" % c["id"], {"title": "Renamed \"x\"",
                "summary": "Two\nlines", "audience": ["consular"]},
                token=coord)
    assert r.status == 200, r
    full = s.get("/api/v1/courses/%d" % c["id"], token=coord).json
    assert full["title"] == 'Renamed "x"' and full["audience"] == ["consular"]
    assert entry() == {k: v for k, v in full.items() if k != "modules"}
    assert full["modules"] == [{"id": ms[0]["id"], "position": 1,
                                "title": "Lesson 1", "kind": "lesson"}], full
    m = s.get("/api/v1/modules/%d" % ms[0]["id"], token=coord).json
    assert m["course_id"] == c["id"] and m["body_md"] == "Some *text*.", m
    # Unpublished: gone from a trainee's catalogue and pages at once.
    assert s.patch("/api/v1/courses/%d" % c["id"], {"published": False},
                   token=coord).status == 200
    assert entry(t1) is None and entry() is not None
    problem(s.get("/api/v1/courses/%d" % c["id"], token=t1), 404)
    problem(s.get("/api/v1/modules/%d" % ms[0]["id"], token=t1), 404)


def test_enrolment():
    c, _ = published_course()
    r = s.post("/api/v1/enrollments", {"course_id": c["id"]}, token=t1)
    assert r.status == 201, r
    e = r.json
    assert e["user_id"] == t1_id and e["course_id"] == c["id"]
    assert e["completed_at"] is None and e["progress"] == {"done": 0, "total": 2}
    assert e["enrolled_at"].endswith("Z")
    r = s.post("/api/v1/enrollments", {"course_id": c["id"], "user_id": t1_id},
               token=t1)
    assert r.status == 200 and r.json == e, r
    # Trainees enrol only themselves; reviewers not at all.
    problem(s.post("/api/v1/enrollments", {"course_id": c["id"],
                                           "user_id": t2_id}, token=t1), 403)
    problem(s.post("/api/v1/enrollments", {"course_id": c["id"]}, token=rev), 403)
    # Coordinators enrol anyone, drafts included; still idempotent.
    r = s.post("/api/v1/enrollments", {"course_id": c["id"], "user_id": t2_id},
               token=coord)
    assert r.status == 201 and r.json["user_id"] == t2_id, r
    again = s.post("/api/v1/enrollments", {"course_id": c["id"],
                                           "user_id": t2_id}, token=coord)
    assert again.status == 200 and again.json["id"] == r.json["id"], again
    d = course()
    r = s.post("/api/v1/enrollments", {"course_id": d["id"], "user_id": t1_id},
               token=coord)
    assert r.status == 201, r
    problem(s.post("/api/v1/enrollments", {"course_id": 999999}, token=t1), 404)
    problem(s.post("/api/v1/enrollments", {"course_id": c["id"],
                                           "user_id": 999999}, token=coord), 422)
    problem(s.post("/api/v1/enrollments", {}, token=t1), 422)
    gone = int(s.sql("INSERT INTO users (email, name, role, org_id, password_hash,"
                     " active) SELECT 'gone@a.example', 'Gone', 'trainee', org_id,"
                     " password_hash, false FROM users WHERE id = :'v1'"
                     " RETURNING id", t1_id).splitlines()[0])
    problem(s.post("/api/v1/enrollments", {"course_id": c["id"], "user_id": gone},
                   token=coord), 422)
    problem(s.post("/api/v1/enrollments", {"course_id": "x"}, token=t1), 422)
    assert s.sql("SELECT count(*) FROM enrollments WHERE course_id = %d"
                 % c["id"]) == "2"
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = "
                 "'enrollment.create' AND detail->>'course_id' = '%d'"
                 % c["id"]) == "2"


def test_enrollment_scoping():
    c, _ = published_course(lessons=1)
    for tok in (t1, t2):
        assert s.post("/api/v1/enrollments", {"course_id": c["id"]},
                      token=tok).status == 201

    def listed(query, token):
        r = s.get("/api/v1/enrollments?limit=200&course_id=%d&%s"
                  % (c["id"], query), token=token)
        assert r.status == 200, r
        return sorted(x["user_id"] for x in r.json["items"])

    assert listed("", t1) == [t1_id]
    assert listed("user_id=%d" % t1_id, t1) == [t1_id]
    problem(s.get("/api/v1/enrollments?user_id=%d" % t2_id, token=t1), 403)
    assert listed("", rev) == [t1_id]                    # own org only
    assert listed("user_id=%d" % t1_id, rev) == [t1_id]
    problem(s.get("/api/v1/enrollments?user_id=%d" % t2_id, token=rev), 403)
    problem(s.get("/api/v1/enrollments?user_id=999999", token=rev), 403)
    assert listed("", coord) == sorted([t1_id, t2_id])
    assert listed("user_id=%d" % t2_id, admin) == [t2_id]
    problem(s.get("/api/v1/enrollments?user_id=abc", token=coord), 400)
    # Keyset pages.
    r = s.get("/api/v1/enrollments?course_id=%d&limit=1" % c["id"], token=coord)
    assert r.status == 200 and len(r.json["items"]) == 1 and r.json["next"], r
    r2 = s.get("/api/v1/enrollments?course_id=%d&limit=1&after=%s"
               % (c["id"], r.json["next"]), token=coord)
    assert r2.status == 200 and len(r2.json["items"]) == 1, r2
    assert r2.json["items"][0]["id"] > r.json["items"][0]["id"]
    assert r2.json["next"] is None


def test_progress_and_single_completion():
    c, (m1, m2) = published_course(lessons=2)
    e = s.post("/api/v1/enrollments", {"course_id": c["id"]}, token=t1).json
    r = s.post("/api/v1/modules/%d/complete" % m1["id"], token=t1)
    assert r.status == 200, r
    assert r.json["id"] == e["id"] and r.json["progress"] == {"done": 1, "total": 2}
    assert r.json["completed_at"] is None
    r = s.post("/api/v1/modules/%d/complete" % m1["id"], token=t1)
    assert r.status == 200 and r.json["progress"] == {"done": 1, "total": 2}, r
    r = s.post("/api/v1/modules/%d/complete" % m2["id"], token=t1)
    assert r.status == 200 and r.json["progress"] == {"done": 2, "total": 2}, r
    done_at = r.json["completed_at"]
    assert done_at and done_at.endswith("Z"), r
    # Backdate it: a repeat must not move it.
    s.sql("UPDATE enrollments SET completed_at = '2026-01-02T03:04:05Z' "
          "WHERE id = %d" % e["id"])
    for m in (m2, m1):
        r = s.post("/api/v1/modules/%d/complete" % m["id"], token=t1)
        assert r.status == 200, r
        assert r.json["completed_at"] == "2026-01-02T03:04:05Z", r
    assert s.sql("SELECT count(*) FROM module_progress WHERE enrollment_id = %d"
                 % e["id"]) == "2"
    assert s.sql("SELECT count(*) FROM audit_log WHERE action = "
                 "'module.complete' AND detail->>'enrollment_id' = '%d'"
                 % e["id"]) == "2"
    r = s.get("/api/v1/enrollments?course_id=%d" % c["id"], token=t1)
    assert r.json["items"][0]["progress"] == {"done": 2, "total": 2}, r


def test_progress_refused():
    c, (m1, _) = published_course(lessons=2)
    # Not enrolled: refused, nothing recorded.
    p = problem(s.post("/api/v1/modules/%d/complete" % m1["id"], token=t2), 403)
    assert "enrolled" in p["detail"]
    problem(s.post("/api/v1/modules/%d/complete" % m1["id"], token=rev), 403)
    assert s.sql("SELECT count(*) FROM module_progress WHERE module_id = %d"
                 % m1["id"]) == "0"
    problem(s.post("/api/v1/modules/999999/complete", token=t1), 404)
    # A module of a draft is invisible, even to someone enrolled in it.
    d = course()
    dm = lesson(d["id"])
    assert s.post("/api/v1/enrollments", {"course_id": d["id"], "user_id": t2_id},
                  token=coord).status in (200, 201)
    problem(s.post("/api/v1/modules/%d/complete" % dm["id"], token=t2), 404)
    # A quiz module is done by passing its quiz, not by this call.
    qid = s.sql("INSERT INTO quizzes (title, questions)"
                " VALUES ('Q', '[{\"id\": 1}]') RETURNING id")
    r = s.post("/api/v1/courses/%d/modules" % c["id"],
               {"title": "Final quiz", "kind": "quiz", "quiz_id": int(qid)},
               token=coord)
    assert r.status == 201 and r.json["quiz_id"] == int(qid), r
    assert r.json["position"] == 3 and "body_md" not in r.json
    qm = r.json
    got = s.get("/api/v1/courses/%d" % c["id"], token=t1).json["modules"]
    assert got[2] == {"id": qm["id"], "position": 3, "title": "Final quiz",
                      "kind": "quiz", "quiz_id": int(qid)}, got
    assert "quiz_id" not in got[0]
    assert s.post("/api/v1/enrollments", {"course_id": c["id"]},
                  token=t2).status == 201
    problem(s.post("/api/v1/modules/%d/complete" % qm["id"], token=t2), 409)
    r = s.post("/api/v1/modules/%d/complete" % m1["id"], token=t2)
    assert r.status == 200 and r.json["progress"] == {"done": 1, "total": 3}, r


def test_hot_paths_check_the_caller():
    """The catalogue, a course, a lesson and the event list check the
    caller in their own statement (one round trip, issue 11): every
    check of the separate session lookup still holds there, on the next
    request, with nothing cached."""
    draft = course(title="Hidden draft")
    dm = lesson(draft["id"])
    pub, (pm, _) = published_course()
    paths = ["/api/v1/courses?limit=5", "/api/v1/courses?q=hidden",
             "/api/v1/courses/%d" % pub["id"], "/api/v1/modules/%d" % pm["id"],
             "/api/v1/events?limit=5"]
    bad_queries = ["/api/v1/courses?limit=abc", "/api/v1/courses?audience=x",
                   "/api/v1/events?kind=x"]
    uid, tok = s.user(admin, "hot@a.example", "trainee", org_a)

    def catalog(tok):
        """The ids of the whole catalogue the caller sees, page by page."""
        seen, after = [], ""
        while True:
            page = s.get("/api/v1/courses?limit=100" + after, token=tok).json
            seen += ids(page)
            if page["next"] is None:
                return seen
            after = "&after=" + page["next"]
    for p in paths:
        assert s.get(p, token=tok).status == 200, p
        problem(s.get(p), 401)
        problem(s.get(p, token="x" * 43), 401)
    # A bad query string is a 400 for a known caller only; an unknown one
    # hears 401 first, as on every other route.
    for p in bad_queries:
        problem(s.get(p, token=tok), 400)
        r = problem(s.get(p), 401)
        assert "errors" not in r, r
        problem(s.get(p, token="x" * 43), 401)
    # A role change counts from the next request: drafts appear and go.
    problem(s.get("/api/v1/modules/%d" % dm["id"], token=tok), 404)
    assert draft["id"] not in catalog(tok)
    assert s.patch("/api/v1/users/%d" % uid, {"role": "coordinator"},
                   token=admin).status == 200
    assert s.get("/api/v1/modules/%d" % dm["id"], token=tok).status == 200
    assert s.get("/api/v1/courses/%d" % draft["id"], token=tok).status == 200
    assert draft["id"] in catalog(tok)
    assert draft["id"] in ids(s.get("/api/v1/courses?q=hidden", token=tok).json)
    assert s.patch("/api/v1/users/%d" % uid, {"role": "trainee"},
                   token=admin).status == 200
    problem(s.get("/api/v1/courses/%d" % draft["id"], token=tok), 404)
    assert draft["id"] not in ids(s.get("/api/v1/courses?q=hidden", token=tok).json)
    # The session is touched when due, as by the separate lookup.
    sid = s.sql("SELECT max(id) FROM sessions WHERE user_id = :'v1'", uid)
    s.sql("UPDATE sessions SET last_seen_at = now() - interval '2 hours'"
          " WHERE id = :'v1'", sid)
    assert s.get("/api/v1/events", token=tok).status == 200
    assert s.sql("SELECT last_seen_at > now() - interval '1 minute'"
                 " FROM sessions WHERE id = :'v1'", sid) == "t"
    # Deactivation and logout end it on every hot path.
    assert s.patch("/api/v1/users/%d" % uid, {"active": False},
                   token=admin).status == 200
    for p in paths:
        problem(s.get(p, token=tok), 401)
    assert s.patch("/api/v1/users/%d" % uid, {"active": True},
                   token=admin).status == 200
    tok = s.login("hot@a.example")
    assert s.get(paths[0], token=tok).status == 200
    assert s.post("/api/v1/auth/logout", token=tok).status == 204
    for p in paths:
        problem(s.get(p, token=tok), 401)


run(test_create_and_validate, test_authoring_permissions, test_draft_visibility,
    test_audience_and_search, test_sanitiser_through_api, test_reorder_modules,
    test_enrolment, test_enrollment_scoping, test_progress_and_single_completion,
    test_progress_refused, test_stored_json_follows_writes,
    test_hot_paths_check_the_caller)
finish(s)
