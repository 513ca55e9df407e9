/*
 * `migtrain import-content DIR...`: the shipped courses (content/README.md)
 * into the database. Everything is read and checked first, and every
 * problem printed as `file:line: message`; only a clean folder is written,
 * in one transaction, by mt_import_course_kept (schema/070): a course is
 * written only when it is new or changed in the folder, never over edits
 * made in the platform since its last import; mt_import_course
 * (schema/020) then upserts by slug and keeps the module ids of lessons it
 * has seen before. Each course's outcome is printed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "commands.h"
#include "text.h"
#include "config.h"
#include "db.h"
#include "gift.h"
#include "markdown.h"
#include "util.h"

#define IMPORT_META_MAX		(64u << 10)
#define IMPORT_LESSON_MAX	(1u << 20)
#define IMPORT_GIFT_MAX		(5u << 20)

struct lesson {
	int	 num;
	char	*path;
	char	*key;		/* the name after "NN-", stable across renumbering */
	char	*title;
	char	*md;
	char	*html;
};

struct course {
	char		*slug;
	char		*dir;
	json_t		*meta;		/* course.json without "quiz" */
	json_t		*quiz;		/* settings + "questions", or NULL */
	struct lesson	*lessons;
	size_t		 nlessons;
};

static unsigned	problems;

static void	report(const char *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
report(const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	problems++;
}

/* Reads a whole regular file of at most max bytes; NULL (reported) else. */
static char *
read_file(const char *path, size_t max, size_t *lenp)
{
	struct buf	 b = { NULL, 0, 0 };
	char		 chunk[8192];
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "rb")) == NULL) {
		report(path, 1, "cannot read: %s", strerror(errno));
		return (NULL);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b.len + n > max) {
			report(path, 1, "larger than %zu bytes", max);
			fclose(f);
			buf_free(&b);
			return (NULL);
		}
		buf_append(&b, chunk, n);
	}
	if (ferror(f)) {
		report(path, 1, "cannot read: %s", strerror(errno));
		fclose(f);
		buf_free(&b);
		return (NULL);
	}
	fclose(f);
	buf_append(&b, "", 1);		/* NUL-terminate; not counted */
	*lenp = b.len - 1;
	return (b.data);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The names in a directory, sorted, without "." entries; NULL on error. */
static char **
list_dir(const char *path, size_t *np)
{
	struct dirent	*de;
	char		**names = NULL;
	size_t		 n = 0;
	DIR		*d;

	if ((d = opendir(path)) == NULL) {
		report(path, 1, "cannot open the folder: %s", strerror(errno));
		return (NULL);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (names == NULL)
		names = xcalloc(1, sizeof(*names));
	qsort(names, n, sizeof(*names), cmp_str);
	*np = n;
	return (names);
}

static void
free_names(char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
is_dir(const char *path)
{
	struct stat	st;

	return (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

static int
is_file(const char *path)
{
	struct stat	st;

	return (stat(path, &st) == 0 && S_ISREG(st.st_mode));
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t	n = strlen(s), k = strlen(suffix);

	return (n >= k && strcmp(s + n - k, suffix) == 0);
}

/* The line where "key" first appears in text (after `after`, when given),
 * so a metadata problem points at its line; 1 when absent. */
static int
key_line(const char *text, const char *key, const char *after)
{
	const char	*p = text, *hit;
	char		 quoted[80];
	int		 line = 1;

	if (after != NULL) {
		snprintf(quoted, sizeof(quoted), "\"%s\"", after);
		if ((hit = strstr(text, quoted)) != NULL)
			p = hit;
	}
	snprintf(quoted, sizeof(quoted), "\"%s\"", key);
	if ((hit = strstr(p, quoted)) == NULL)
		return (1);
	for (p = text; p < hit; p++)
		if (*p == '\n')
			line++;
	return (line);
}

/*
 * Checks the keys of one JSON object against a table: unknown keys,
 * missing required ones, and each value's type and range.
 */
enum ktype { K_TITLE, K_SUMMARY, K_AUDIENCE, K_LANG, K_POSINT, K_BOOL,
	K_PERCENT, K_COUNT, K_GRADING, K_OBJECT };

struct key {
	const char	*name;
	enum ktype	 type;
	int		 required;
};

static void
check_value(const char *path, int line, const char *name, enum ktype type,
    const json_t *v)
{
	static const char *const audiences[] = { "border_guard", "consular",
	    "migration", "asylum", "all", NULL };
	static const char *const gradings[] = { "highest", "first", "last",
	    "average", NULL };
	const char	*s;
	const json_t	*e;
	size_t		 i, k;
	int		 ok;

	switch (type) {
	case K_TITLE:
		if (!json_is_string(v) || text_blank(json_string_value(v)) ||
		    utf8_chars(json_string_value(v)) > 200)
			report(path, line, "\"%s\" must be a text of 1 to 200 "
			    "characters", name);
		break;
	case K_SUMMARY:
		if (!json_is_string(v) || utf8_chars(json_string_value(v)) > 1000)
			report(path, line, "\"%s\" must be a text of at most "
			    "1000 characters", name);
		break;
	case K_AUDIENCE:
		if (!json_is_array(v) || json_array_size(v) == 0) {
			report(path, line, "\"%s\" must be a non-empty list of "
			    "border_guard, consular, migration, asylum, all",
			    name);
			break;
		}
		json_array_foreach(v, i, e) {
			s = json_string_value(e);
			ok = 0;
			for (k = 0; s != NULL && audiences[k] != NULL; k++)
				ok |= strcmp(s, audiences[k]) == 0;
			for (k = 0; ok && k < i; k++)
				if (json_equal(json_array_get(v, k), e)) {
					report(path, line, "\"%s\" lists \"%s\" "
					    "twice", name, s);
					break;
				}
			if (!ok)
				report(path, line, "\"%s\": unknown audience; "
				    "use border_guard, consular, migration, "
				    "asylum or all", name);
		}
		break;
	case K_LANG:
		s = json_string_value(v);
		if (s == NULL || strlen(s) != 2 || s[0] < 'a' || s[0] > 'z' ||
		    s[1] < 'a' || s[1] > 'z')
			report(path, line, "\"%s\" must be a two-letter "
			    "lower-case language code", name);
		break;
	case K_POSINT:
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 100000)
			report(path, line, "\"%s\" must be a positive integer",
			    name);
		break;
	case K_BOOL:
		if (!json_is_boolean(v))
			report(path, line, "\"%s\" must be true or false", name);
		break;
	case K_PERCENT:
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 100)
			report(path, line, "\"%s\" must be an integer from 0 "
			    "to 100", name);
		break;
	case K_COUNT:
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 31536000)
			report(path, line, "\"%s\" must be an integer, 0 or "
			    "more", name);
		break;
	case K_GRADING:
		s = json_string_value(v);
		ok = 0;
		for (k = 0; s != NULL && gradings[k] != NULL; k++)
			ok |= strcmp(s, gradings[k]) == 0;
		if (!ok)
			report(path, line, "\"%s\" must be highest, first, "
			    "last or average", name);
		break;
	case K_OBJECT:
		if (!json_is_object(v))
			report(path, line, "\"%s\" must be an object", name);
		break;
	}
}

static void
check_keys(const char *path, const char *text, const json_t *o,
    const struct key *keys, const char *within)
{
	const char	*name;
	json_t		*v;
	size_t		 k;
	int		 line;

	json_object_foreach((json_t *)o, name, v) {
		for (k = 0; keys[k].name != NULL; k++)
			if (strcmp(keys[k].name, name) == 0)
				break;
		line = key_line(text, name, within);
		if (keys[k].name == NULL)
			report(path, line, "unknown key \"%s\"%s%s", name,
			    within ? " in " : "", within ? within : "");
		else
			check_value(path, line, name, keys[k].type, v);
	}
	for (k = 0; keys[k].name != NULL; k++)
		if (keys[k].required && json_object_get(o, keys[k].name) == NULL)
			report(path, within ? key_line(text, within, NULL) : 1,
			    "missing key \"%s\"%s%s", keys[k].name,
			    within ? " in " : "", within ? within : "");
}

/* course.json: the course's metadata and, when there is a quiz, its
 * settings. Sets c->meta and (without questions yet) c->quiz. */
static void
load_meta(struct course *c, int has_gift)
{
	static const struct key course_keys[] = {
		{ "title", K_TITLE, 1 },
		{ "summary", K_SUMMARY, 1 },
		{ "audience", K_AUDIENCE, 1 },
		{ "language", K_LANG, 1 },
		{ "estimated_minutes", K_POSINT, 1 },
		{ "published", K_BOOL, 1 },
		{ "quiz", K_OBJECT, 0 },
		{ NULL, 0, 0 }
	};
	static const struct key quiz_keys[] = {
		{ "title", K_TITLE, 1 },
		{ "pass_percent", K_PERCENT, 0 },
		{ "max_attempts", K_COUNT, 0 },
		{ "time_limit_s", K_COUNT, 0 },
		{ "shuffle", K_BOOL, 0 },
		{ "grading", K_GRADING, 0 },
		{ "draw", K_COUNT, 0 },		/* and at most the bank: load_quiz */
		{ NULL, 0, 0 }
	};
	json_error_t	 je;
	json_t		*o, *quiz;
	char		*path, *text;
	size_t		 len;
	unsigned	 before = problems;

	path = xasprintf("%s/course.json", c->dir);
	if ((text = read_file(path, IMPORT_META_MAX, &len)) == NULL)
		goto out;
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		report(path, je.line > 0 ? je.line : 1, "%s", je.text);
		goto out;
	}
	if (!json_is_object(o)) {
		report(path, 1, "must hold one JSON object");
		json_decref(o);
		goto out;
	}
	check_keys(path, text, o, course_keys, NULL);
	quiz = json_object_get(o, "quiz");
	if (json_is_object(quiz))
		check_keys(path, text, quiz, quiz_keys, "quiz");
	if (quiz == NULL && has_gift)
		report(path, 1, "missing key \"quiz\": quiz.gift needs its "
		    "settings here");
	else if (quiz != NULL && !has_gift)
		report(path, key_line(text, "quiz", NULL), "\"quiz\" is given "
		    "but the folder has no quiz.gift");
	if (problems == before) {
		c->quiz = json_incref(quiz);
		json_object_del(o, "quiz");
		c->meta = o;
	} else
		json_decref(o);
out:
	free(text);
	free(path);
}

/* NN-name.md: two digits, a dash, a name of [a-z0-9-]. */
static int
lesson_name(const char *file, int *num, char **key)
{
	size_t	n = strlen(file), i;

	if (n < 7 || !ends_with(file, ".md") || file[0] < '0' || file[0] > '9' ||
	    file[1] < '0' || file[1] > '9' || file[2] != '-' ||
	    file[3] == '-')
		return (0);
	for (i = 3; i < n - 3; i++)
		if (!((file[i] >= 'a' && file[i] <= 'z') ||
		    (file[i] >= '0' && file[i] <= '9') || file[i] == '-'))
			return (0);
	*num = (file[0] - '0') * 10 + (file[1] - '0');
	*key = xstrndup(file + 3, n - 6);
	return (1);
}

/* One lesson: "# Title" on the first line, Markdown after it. */
static void
load_lesson(struct lesson *l)
{
	const char	*body, *eol;
	char		*text;
	size_t		 len, tlen;

	if ((text = read_file(l->path, IMPORT_LESSON_MAX, &len)) == NULL)
		return;
	if (!utf8_valid(text, len)) {
		report(l->path, 1, "is not UTF-8 text (or holds a NUL byte)");
		goto out;
	}
	if (strncmp(text, "# ", 2) != 0) {
		report(l->path, 1, "the first line must be the lesson title as "
		    "\"# Title\"");
		goto out;
	}
	eol = strchr(text, '\n');
	tlen = (eol != NULL ? (size_t)(eol - text) : len) - 2;
	while (tlen > 0 && strchr(" \t\r#", text[2 + tlen - 1]) != NULL)
		tlen--;		/* trailing spaces and closing #s of ATX */
	l->title = xstrndup(text + 2, tlen);
	if (text_blank(l->title) || utf8_chars(l->title) > 200)
		report(l->path, 1, "the title must be 1 to 200 characters");
	body = eol != NULL ? eol + 1 : text + len;
	if (text_blank(body)) {
		report(l->path, 2, "the lesson has no text after its title");
		goto out;
	}
	while (*body == '\n' || (*body == '\r' && body[1] == '\n'))
		body += *body == '\n' ? 1 : 2;	/* blank lines after the title */
	l->md = xstrdup(body);
	if (utf8_chars(l->md) > MARKDOWN_MD_MAX)
		report(l->path, 2, "the lesson is longer than 200,000 characters");
	else if ((l->html = markdown_render(l->md, strlen(l->md))) == NULL)
		report(l->path, 1, "out of memory rendering the lesson");
	else if (strlen(l->html) > MARKDOWN_HTML_MAX)
		report(l->path, 2, "the lesson renders to more than 2 MiB of "
		    "HTML (nested too deeply?)");
out:
	free(text);
}

/* A quiz's draw takes at most as many questions as quiz.gift holds. */
static void
check_draw(struct course *c, size_t bank)
{
	const json_t	*d = json_object_get(c->quiz, "draw");
	char		*path, *text;
	size_t		 len;

	if (!json_is_integer(d) || json_integer_value(d) < 0 ||
	    (size_t)json_integer_value(d) <= bank)
		return;
	path = xasprintf("%s/course.json", c->dir);
	text = read_file(path, IMPORT_META_MAX, &len);
	report(path, text ? key_line(text, "draw", "quiz") : 1, "\"draw\" is "
	    "%lld but quiz.gift holds %zu questions",
	    (long long)json_integer_value(d), bank);
	free(text);
	free(path);
}

static void
load_quiz(struct course *c, const char *path)
{
	struct gift_error	 ge;
	json_t			*questions;
	char			*text;
	size_t			 len;

	if ((text = read_file(path, IMPORT_GIFT_MAX, &len)) == NULL)
		return;
	if (!utf8_valid(text, len)) {
		report(path, 1, "is not UTF-8 text (or holds a NUL byte)");
		free(text);
		return;
	}
	questions = gift_parse(text, len, &ge);
	free(text);
	if (questions == NULL) {
		report(path, ge.line > 0 ? ge.line : 1, "%s", ge.message);
		return;
	}
	if (json_array_size(questions) == 0) {
		report(path, 1, "the quiz has no questions");
		json_decref(questions);
		return;
	}
	gift_number(questions);
	if (c->quiz != NULL) {
		check_draw(c, json_array_size(questions));
		json_object_set(c->quiz, "questions", questions);
	}
	json_decref(questions);
}

/* One course folder: its files, metadata, lessons and quiz. */
static void
load_course(struct course *c)
{
	struct lesson	*l;
	char		**names, *path, *gift = NULL, *key;
	size_t		 n, i, k;
	int		 num;

	if ((names = list_dir(c->dir, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", c->dir, names[i]);
		if (strcmp(names[i], "course.json") == 0) {
			free(path);
			continue;
		}
		if (strcmp(names[i], "quiz.gift") == 0) {
			gift = path;
			continue;
		}
		if (ends_with(names[i], ".gift")) {
			report(path, 1, "the quiz of a course must be named "
			    "quiz.gift");
		} else if (ends_with(names[i], ".md")) {
			if (!lesson_name(names[i], &num, &key)) {
				report(path, 1, "lesson files are named "
				    "NN-name.md (two digits, then a-z, 0-9 "
				    "and -)");
				free(path);
				continue;
			}
			for (k = 0; k < c->nlessons; k++) {
				if (c->lessons[k].num == num)
					report(path, 1, "lesson number %02d is "
					    "also used by %s", num,
					    c->lessons[k].path);
				else if (strcmp(c->lessons[k].key, key) == 0)
					report(path, 1, "duplicate lesson slug "
					    "\"%s\" (also %s)", key,
					    c->lessons[k].path);
			}
			c->lessons = xrealloc(c->lessons,
			    (c->nlessons + 1) * sizeof(*c->lessons));
			l = &c->lessons[c->nlessons++];
			memset(l, 0, sizeof(*l));
			l->num = num;
			l->key = key;
			l->path = path;
			continue;
		}
		free(path);
	}
	free_names(names, n);
	load_meta(c, gift != NULL);
	if (c->nlessons == 0) {
		path = xasprintf("%s/course.json", c->dir);
		report(path, 1, "the course has no lessons (NN-name.md files)");
		free(path);
	}
	for (i = 0; i < c->nlessons; i++)
		load_lesson(&c->lessons[i]);
	if (gift != NULL)
		load_quiz(c, gift);
	free(gift);
}

static void
free_course(struct course *c)
{
	size_t	i;

	for (i = 0; i < c->nlessons; i++) {
		free(c->lessons[i].path);
		free(c->lessons[i].key);
		free(c->lessons[i].title);
		free(c->lessons[i].md);
		free(c->lessons[i].html);
	}
	free(c->lessons);
	json_decref(c->meta);
	json_decref(c->quiz);
	free(c->slug);
	free(c->dir);
}

/* Does this folder hold course material without a course.json? */
static int
looks_like_course(const char *dir)
{
	char	**names;
	size_t	  n, i;
	int	  hit = 0;

	if ((names = list_dir(dir, &n)) == NULL)
		return (0);
	for (i = 0; i < n; i++)
		hit |= ends_with(names[i], ".md") || ends_with(names[i], ".gift");
	free_names(names, n);
	return (hit);
}

/* The course folders of every DIR, checked for slugs and duplicates. */
static struct course *
find_courses(int ndirs, char **dirs, size_t *np)
{
	struct course	*cs = NULL;
	char		**names, *dir, *meta;
	size_t		 n = 0, nn, i, k;
	int		 d;

	for (d = 0; d < ndirs; d++) {
		if (!is_dir(dirs[d])) {
			report(dirs[d], 1, "not a folder");
			continue;
		}
		if ((names = list_dir(dirs[d], &nn)) == NULL)
			continue;
		for (i = 0; i < nn; i++) {
			dir = xasprintf("%s/%s", dirs[d], names[i]);
			meta = xasprintf("%s/course.json", dir);
			if (!is_dir(dir)) {
				free(dir);
				free(meta);
				continue;
			}
			if (!is_file(meta)) {
				if (looks_like_course(dir))
					report(meta, 1, "missing: every course "
					    "folder needs a course.json");
				free(dir);
				free(meta);
				continue;
			}
			if (!slug_text_valid(names[i]))
				report(meta, 1, "the folder name \"%s\" is not "
				    "a valid slug (3-64 of a-z, 0-9 and -, not "
				    "starting or ending with -)", names[i]);
			for (k = 0; k < n; k++)
				if (strcmp(cs[k].slug, names[i]) == 0)
					report(meta, 1, "duplicate slug \"%s\" "
					    "(also %s)", names[i], cs[k].dir);
			cs = xrealloc(cs, (n + 1) * sizeof(*cs));
			memset(&cs[n], 0, sizeof(*cs));
			cs[n].slug = xstrdup(names[i]);
			cs[n].dir = dir;
			n++;
			free(meta);
		}
		free_names(names, nn);
	}
	*np = n;
	return (cs);
}

static int
cmp_lesson(const void *a, const void *b)
{
	return (((const struct lesson *)a)->num -
	    ((const struct lesson *)b)->num);
}

/* The lessons as mt_import_course takes them, in order. */
static char *
lessons_json(struct course *c)
{
	json_t	*a;
	char	*s;
	size_t	 i;

	if (c->nlessons > 0)
		qsort(c->lessons, c->nlessons, sizeof(*c->lessons), cmp_lesson);
	a = json_array();
	for (i = 0; i < c->nlessons; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}",
		    "key", c->lessons[i].key, "title", c->lessons[i].title,
		    "body_md", c->lessons[i].md, "body_html",
		    c->lessons[i].html));
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return (s);
}

static int
exec_simple(PGconn *pg, const char *sql)
{
	PGresult	*res = PQexec(pg, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "import-content: %s", PQerrorMessage(pg));
	PQclear(res);
	return (ok ? 0 : -1);
}

/*
 * What mt_import_course_kept (schema/070) did to a course, in words, and
 * counted: [0] imported, [1] unchanged, [2] kept.
 */
static const char *
outcome(const char *what, size_t counts[3])
{
	if (strcmp(what, "created") == 0 || strcmp(what, "updated") == 0) {
		counts[0]++;
		return (what[0] == 'c' ? "imported (new)" :
		    "imported (changed in the folder)");
	}
	if (strcmp(what, "kept") == 0) {
		counts[2]++;
		return ("kept platform edits (edited in the platform since "
		    "its last import; the folder's version is not applied)");
	}
	counts[1]++;
	return ("unchanged");
}

/* Writes every course in one transaction; all or nothing. */
static int
write_courses(struct course *cs, size_t n, size_t counts[3])
{
	struct buf	 done = { NULL, 0, 0 };
	const char	*params[4];
	PGresult	*res;
	PGconn		*pg;
	char		*meta, *lessons, *quiz;
	size_t		 i;
	int		 rc = -1;

	if ((pg = db_connect_cli(config.db)) == NULL)
		return (-1);
	if (exec_simple(pg, "BEGIN") == -1)
		goto out;
	for (i = 0; i < n; i++) {
		meta = json_dumps(cs[i].meta, JSON_COMPACT);
		lessons = lessons_json(&cs[i]);
		quiz = cs[i].quiz ? json_dumps(cs[i].quiz, JSON_COMPACT) : NULL;
		params[0] = cs[i].slug;
		params[1] = meta;
		params[2] = lessons;
		params[3] = quiz;
		res = PQexecParams(pg, "SELECT mt_import_course_kept($1, "
		    "$2::jsonb, $3::jsonb, $4::jsonb)", 4, NULL, params, NULL,
		    NULL, 0);
		free(meta);
		free(lessons);
		free(quiz);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "%s: %s", cs[i].dir,
			    PQresultErrorMessage(res));
			PQclear(res);
			goto out;
		}
		buf_appendf(&done, "%s: %s (%zu lessons%s)\n", cs[i].slug,
		    outcome(PQgetvalue(res, 0, 0), counts), cs[i].nlessons,
		    cs[i].quiz ? " and a quiz" : "");
		PQclear(res);
	}
	/* Report what was done only once it is really done. */
	if (exec_simple(pg, "COMMIT") == 0) {
		if (done.len > 0)
			fwrite(done.data, 1, done.len, stdout);
		rc = 0;
	}
out:
	buf_free(&done);
	PQfinish(pg);		/* an open transaction is rolled back */
	return (rc);
}

int
cmd_import_content(int argc, char **argv)
{
	struct course	*cs;
	size_t		 n, i, counts[3] = { 0, 0, 0 };
	int		 rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: migtrain import-content DIR...\n");
		return (2);
	}
	problems = 0;
	cs = find_courses(argc - 1, argv + 1, &n);
	for (i = 0; i < n; i++)
		load_course(&cs[i]);
	if (problems == 0 && n == 0)
		report(argv[1], 1, "no course folders (sub-folders with a "
		    "course.json)");
	if (problems > 0)
		fprintf(stderr, "import-content: %u problem%s; nothing was "
		    "imported\n", problems, problems == 1 ? "" : "s");
	else if (write_courses(cs, n, counts) == 0) {
		printf("%zu course%s: %zu imported, %zu unchanged, %zu kept "
		    "platform edits\n", n, n == 1 ? "" : "s", counts[0],
		    counts[1], counts[2]);
		rc = 0;
	} else
		fprintf(stderr, "import-content: nothing was imported\n");
	for (i = 0; i < n; i++)
		free_course(&cs[i]);
	free(cs);
	return (rc);
}
