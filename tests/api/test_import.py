"""`migtrain import-content` (content/README.md): every problem reported as
file:line with the database left untouched, upsert by slug, idempotent
re-import, lesson changes picked up in place without losing learners'
progress, and the shipped content/ folder importing cleanly."""
import json
import os
import shutil
import tempfile

from harness import Server, SOURCE, run, finish

s = Server("import").start()
admin = s.bootstrap()
org = s.org(admin, "Consular Service")
t1_id, t1 = s.user(admin, "learner@example.org", "trainee", org)
tmp = tempfile.mkdtemp(prefix="mt-import-")

META = {
    "title": "Test course",
    "summary": "A course for the importer tests.",
    "audience": ["consular"],
    "language": "en",
    "estimated_minutes": 30,
    "published": True,
    "quiz": {"title": "Test quiz", "pass_percent": 60, "max_attempts": 2,
             "time_limit_s": 0, "shuffle": False, "grading": "highest"},
}
GIFT = """::a::Capital of France? {=Paris ~London}

::b::The sky is green. {F}

::c::Name the EU visa code regulation number. {=810/2009 =810}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def course(root, slug, meta=None, lessons=None, gift=GIFT):
    d = os.path.join(root, slug)
    os.makedirs(d, exist_ok=True)
    if meta is not False:
        write(os.path.join(d, "course.json"), json.dumps(meta or META, indent=2))
    for name, text in (lessons or {
            "01-intro.md": "# Introduction\n\nFirst lesson, *Markdown*.\n",
            "02-details.md": "# Details\n\nSecond lesson.\n"}).items():
        write(os.path.join(d, name), text)
    if gift is not None:
        write(os.path.join(d, "quiz.gift"), gift)
    return d


def fresh(name):
    root = os.path.join(tmp, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    return root


def imp(*dirs):
    return s.cli("import-content", *dirs, check=False)


TABLES = ("courses", "modules", "quizzes", "content_modules", "enrollments",
          "module_progress", "audit_log")


def counts():
    return s.sql("SELECT " + ", ".join(
        "(SELECT count(*) FROM %s)" % t for t in TABLES) +
        ", (SELECT md5(string_agg(m::text, ',' ORDER BY id)) FROM modules m)"
        ", (SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM courses c)")


def base():
    """A first, valid import so that refusals have something to leave."""
    root = fresh("base")
    course(root, "base-course")
    r = imp(root)
    assert r.returncode == 0, r.stderr
    return root


def refused(r, *fragments):
    assert r.returncode != 0, r.stdout
    for f in fragments:
        assert f in r.stderr, (f, r.stderr)


def test_missing_metadata():
    base()
    before = counts()
    root = fresh("nometa")
    course(root, "good-one")
    course(root, "no-meta", meta=False)
    refused(imp(root), "no-meta/course.json:1: missing", "nothing was imported")

    root = fresh("notitle")
    meta = dict(META)
    del meta["title"]
    meta["colour"] = "red"
    course(root, "no-title", meta=meta)
    r = imp(root)
    refused(r, "no-title/course.json:1: missing key \"title\"",
            "no-title/course.json:", "unknown key \"colour\"")

    root = fresh("noquizmeta")
    meta = dict(META)
    del meta["quiz"]
    course(root, "no-quiz-meta", meta=meta)
    refused(imp(root), "no-quiz-meta/course.json:1: missing key \"quiz\"")

    root = fresh("badlesson")
    course(root, "bad-lesson", lessons={"01-a.md": "no heading\n",
                                        "02-b.md": "# Title only\n",
                                        "3-c.md": "# Bad name\n\nx\n"})
    refused(imp(root), "bad-lesson/01-a.md:1: the first line",
            "bad-lesson/02-b.md:2: the lesson has no text",
            "bad-lesson/3-c.md:1: lesson files are named")
    root = fresh("toodeep")
    course(root, "too-deep", lessons={"01-a.md": "# Deep\n\n" + ">" * 100000 + " x\n"})
    refused(imp(root), "too-deep/01-a.md:2: the lesson renders to more than 2 MiB")
    root = fresh("badjson")
    d = course(root, "bad-json")
    write(os.path.join(d, "course.json"), '{\n  "title": "x",\n}\n')
    refused(imp(root), "bad-json/course.json:3:")
    assert counts() == before
    assert s.sql("SELECT count(*) FROM courses WHERE slug = 'good-one'") == "0"


def test_bad_gift():
    base()
    before = counts()
    root = fresh("badgift")
    course(root, "fine-course")
    course(root, "bad-gift", gift=GIFT + "\n::d::Essay question {}\n")
    refused(imp(root), "bad-gift/quiz.gift:7: essay")
    course(root, "bad-gift", gift="::a::Q {=a ~b\n\n::b::Q {T}\n")
    refused(imp(root), "bad-gift/quiz.gift:1:")
    course(root, "bad-gift", gift="// only a comment\n")
    refused(imp(root), "bad-gift/quiz.gift:1:", "no questions")
    assert counts() == before


def test_duplicate_slugs():
    base()
    before = counts()
    a, b = fresh("dup-a"), fresh("dup-b")
    course(a, "same-slug")
    course(b, "same-slug")
    refused(imp(a, b), "duplicate slug \"same-slug\"")
    root = fresh("dup-lessons")
    course(root, "dup-lessons", lessons={
        "01-intro.md": "# A\n\ntext\n", "01-other.md": "# B\n\ntext\n",
        "02-intro.md": "# C\n\ntext\n"})
    refused(imp(root), "lesson number 01 is also used",
            "duplicate lesson slug \"intro\"")
    root = fresh("bad-slug")
    course(root, "Bad_Slug")
    refused(imp(root), "is not a valid slug")
    assert counts() == before


def test_reimport_idempotent():
    root = fresh("idem")
    course(root, "idem-course")
    r = imp(root)
    assert r.returncode == 0 and "idem-course: imported (new)" in r.stdout, r
    before = counts()
    r = imp(root)
    assert r.returncode == 0 and "idem-course: unchanged" in r.stdout, r
    assert counts() == before
    row = s.sql("SELECT c.title || '|' || c.published || '|' ||"
                " array_to_string(c.audience, ',') || '|' || count(m.id)"
                "  FROM courses c JOIN modules m ON m.course_id = c.id"
                " WHERE c.slug = 'idem-course' GROUP BY c.id")
    assert row == "Test course|true|consular|3", row
    html = s.sql("SELECT body_html FROM modules m JOIN courses c ON"
                 " c.id = m.course_id WHERE c.slug = 'idem-course'"
                 " AND m.position = 1")
    assert html == "<p>First lesson, <em>Markdown</em>.</p>", html
    quiz = s.sql("SELECT q.title || '|' || pass_percent || '|' || max_attempts"
                 " || '|' || jsonb_array_length(questions) || '|' || m.position"
                 "  FROM quizzes q JOIN modules m ON m.quiz_id = q.id"
                 "  JOIN courses c ON c.id = m.course_id"
                 " WHERE c.slug = 'idem-course'")
    assert quiz == "Test quiz|60|2|3|3", quiz


def test_lesson_change_keeps_progress():
    root = fresh("change")
    d = course(root, "change-course")
    assert imp(root).returncode == 0
    cid = s.sql("SELECT id FROM courses WHERE slug = 'change-course'")
    ids = s.sql("SELECT string_agg(id::text, ',' ORDER BY position) FROM"
                " modules WHERE course_id = :'v1'", cid).split(",")
    eid = s.sql("INSERT INTO enrollments (user_id, course_id) VALUES"
                " (:'v1', :'v2') RETURNING id", t1_id, cid)
    s.sql("INSERT INTO module_progress (enrollment_id, module_id) VALUES"
          " (:'v1', :'v2'), (:'v1', :'v3')", eid, ids[0], ids[1])
    qid = s.sql("SELECT quiz_id FROM modules WHERE id = :'v1'", ids[2])

    # Change the second lesson's text and title, the course title and the
    # quiz; add a lesson before it.
    write(os.path.join(d, "02-details.md"),
          "# More details\n\nSecond lesson, **revised**.\n")
    write(os.path.join(d, "01-intro.md"),
          "# Introduction\n\nFirst lesson, *Markdown*.\n")
    os.rename(os.path.join(d, "02-details.md"), os.path.join(d, "03-details.md"))
    write(os.path.join(d, "02-new.md"), "# New lesson\n\nNew.\n")
    write(os.path.join(d, "quiz.gift"), GIFT + "\n::d::One more? {T}\n")
    meta = dict(META, title="Renamed course")
    write(os.path.join(d, "course.json"), json.dumps(meta))
    r = imp(root)
    assert r.returncode == 0 and "change-course: imported (changed in the folder)" in r.stdout, r
    rows = s.sql("SELECT string_agg(id || ':' || title, '|' ORDER BY position)"
                 "  FROM modules WHERE course_id = :'v1'", cid).split("|")
    assert rows[0] == ids[0] + ":Introduction", rows
    assert rows[1].endswith(":New lesson") and rows[1].split(":")[0] not in ids
    assert rows[2] == ids[1] + ":More details", rows
    assert rows[3].startswith(ids[2] + ":"), rows
    assert s.sql("SELECT body_html FROM modules WHERE id = :'v1'", ids[1]) == \
        "<p>Second lesson, <strong>revised</strong>.</p>"
    assert s.sql("SELECT count(*) FROM module_progress WHERE enrollment_id ="
                 " :'v1'", eid) == "2"
    assert s.sql("SELECT title FROM courses WHERE id = :'v1'", cid) == \
        "Renamed course"
    assert s.sql("SELECT id || ':' || jsonb_array_length(questions) FROM"
                 " quizzes q WHERE id = :'v1'", qid) == qid + ":4"

    # Removing a lesson removes its module (and only that progress).
    os.unlink(os.path.join(d, "01-intro.md"))
    assert imp(root).returncode == 0
    assert s.sql("SELECT count(*) FROM modules WHERE course_id = :'v1'",
                 cid) == "3"
    assert s.sql("SELECT string_agg(module_id::text, ',') FROM module_progress"
                 " WHERE enrollment_id = :'v1'", eid) == ids[1]
    assert s.sql("SELECT string_agg(position::text, ',' ORDER BY position)"
                 " FROM modules WHERE course_id = :'v1'", cid) == "1,2,3"
    # The quiz module can be taken, and a learner's attempt keeps working.
    r = s.post("/api/v1/quizzes/%s/attempts" % qid, token=t1)
    assert r.status == 201 and len(r.json["questions"]) == 4, r


def title_of(slug):
    return s.sql("SELECT title FROM courses WHERE slug = :'v1'", slug)


def test_platform_edits_kept():
    """A re-import (deploy/dev-up runs one at every start) applies the
    folder only where it changed, and never over what people edited in
    the platform since the course's last import."""
    root = fresh("kept")
    d = course(root, "kept-course")
    course(root, "other-course")
    r = imp(root)
    assert "kept-course: imported (new" in r.stdout, r
    assert "2 courses: 2 imported, 0 unchanged, 0 kept" in r.stdout, r
    cid = int(s.sql("SELECT id FROM courses WHERE slug = 'kept-course'"))
    # A coordinator edits the course in the platform.
    r = s.patch("/api/v1/courses/%d" % cid, {"title": "Edited online"},
                token=admin)
    assert r.status == 200, r
    edited = counts()
    r = imp(root)
    assert r.returncode == 0 and "kept-course: kept platform edits" in \
        r.stdout and "other-course: unchanged" in r.stdout, r
    assert counts() == edited and title_of("kept-course") == "Edited online"
    # The folder changes too: the platform's edit still wins, and the
    # other course, unedited, takes the folder's change.
    write(os.path.join(d, "01-intro.md"), "# Intro\n\nNew text.\n")
    write(os.path.join(root, "other-course", "01-intro.md"),
          "# Intro\n\nNew text.\n")
    r = imp(root)
    assert "kept-course: kept platform edits" in r.stdout, r
    assert "other-course: imported (changed in the folder)" in r.stdout, r
    assert title_of("kept-course") == "Edited online"
    assert s.sql("SELECT count(*) FROM modules WHERE course_id = :'v1' AND "
                 "title = 'Intro'", cid) == "0"
    # An edit of the course's quiz counts as an edit of the course.
    oid = int(s.sql("SELECT id FROM courses WHERE slug = 'other-course'"))
    qid = int(s.sql("SELECT quiz_id FROM modules WHERE course_id = :'v1' "
                    "AND kind = 'quiz'", oid))
    r = s.patch("/api/v1/quizzes/%d" % qid, {"pass_percent": 90},
                token=admin)
    assert r.status == 200, r
    write(os.path.join(root, "other-course", "01-intro.md"), "# I\n\nX.\n")
    assert "other-course: kept platform edits" in imp(root).stdout
    assert s.sql("SELECT pass_percent FROM quizzes WHERE id = :'v1'",
                 qid) == "90"
    # A course made in the platform is never overwritten by a folder that
    # happens to use its slug.
    r = s.post("/api/v1/courses", {"slug": "made-online", "title": "Mine",
                                   "audience": ["all"]}, token=admin)
    assert r.status == 201, r
    course(root, "made-online")
    r = imp(root)
    assert "made-online: kept platform edits" in r.stdout, r
    assert title_of("made-online") == "Mine"
    assert s.sql("SELECT count(*) FROM modules m JOIN courses c ON "
                 "c.id = m.course_id WHERE c.slug = 'made-online'") == "0"


def test_imported_before_the_rule():
    """Courses imported before content_imports existed: the audit log
    tells whether a person edited them since their last import."""
    root = fresh("legacy")
    d = course(root, "legacy-plain")
    e = course(root, "legacy-edited")
    assert imp(root).returncode == 0
    s.sql("DELETE FROM content_imports WHERE course_id IN (SELECT id FROM "
          "courses WHERE slug LIKE 'legacy-%')")
    eid = int(s.sql("SELECT id FROM courses WHERE slug = 'legacy-edited'"))
    assert s.patch("/api/v1/courses/%d" % eid, {"title": "Edited"},
                   token=admin).status == 200
    for x in (d, e):
        write(os.path.join(x, "course.json"),
              json.dumps(dict(META, title="From the folder")))
    r = imp(root)
    assert "legacy-plain: imported (changed in the folder)" in r.stdout, r
    assert "legacy-edited: kept platform edits" in r.stdout, r
    assert title_of("legacy-plain") == "From the folder"
    assert title_of("legacy-edited") == "Edited"
    # From then on the recorded state decides.
    assert "legacy-plain: unchanged" in imp(root).stdout


def test_shipped_content():
    content = os.path.join(SOURCE, "content")
    folders = sorted(f for f in os.listdir(content)
                     if os.path.isfile(os.path.join(content, f, "course.json")))
    assert len(folders) >= 6, folders
    db = Server("import_shipped")
    try:
        r = db.cli("import-content", content, check=False)
        assert r.returncode == 0, r.stderr
        for slug in folders:
            row = db.sql(
                "SELECT count(*) FILTER (WHERE m.kind = 'lesson') || '|' ||"
                "       count(*) FILTER (WHERE m.kind = 'quiz') || '|' ||"
                "       coalesce(max(jsonb_array_length(q.questions)), 0) || '|' ||"
                "       coalesce(max((SELECT count(DISTINCT e ->> 'type') FROM"
                "           jsonb_array_elements(q.questions) e)), 0) || '|' ||"
                "       bool_and(m.kind = 'quiz' OR m.body_html <> '')"
                "  FROM courses c JOIN modules m ON m.course_id = c.id"
                "  LEFT JOIN quizzes q ON q.id = m.quiz_id WHERE c.slug = :'v1'",
                slug)
            lessons, quizzes, questions, types, rendered = row.split("|")
            assert int(lessons) >= 4, (slug, row)
            assert quizzes == "1", (slug, row)
            assert int(questions) >= 10, (slug, row)
            assert int(types) >= 3, (slug, row)
            assert rendered == "true", (slug, row)
        # The quiz is the last module of each course.
        assert db.sql("SELECT count(*) FROM modules m WHERE kind = 'quiz' AND"
                      " position <> (SELECT max(position) FROM modules x"
                      " WHERE x.course_id = m.course_id)") == "0"
        audiences = db.sql("SELECT string_agg(DISTINCT a, ',' ORDER BY a) FROM"
                           " courses, unnest(audience) a")
        for a in ("border_guard", "consular", "migration"):
            assert a in audiences, audiences
        before = db.sql("SELECT count(*) || '|' || sum(id) FROM modules")
        assert db.cli("import-content", content).returncode == 0
        assert db.sql("SELECT count(*) || '|' || sum(id) FROM modules") == before
    finally:
        db.close()


run(test_missing_metadata, test_bad_gift, test_duplicate_slugs,
    test_reimport_idempotent, test_lesson_change_keeps_progress,
    test_platform_edits_kept, test_imported_before_the_rule,
    test_shipped_content)
shutil.rmtree(tmp, ignore_errors=True)
finish(s)
