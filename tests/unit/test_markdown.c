/*
 * markdown_render: lessons must come out as plain CommonMark HTML with no
 * way to run script. Covers raw HTML blocks and inline HTML, script and
 * event-handler attributes, dangerous URL schemes in the spellings browsers
 * accept (case, whitespace, controls, entities, percent and tab tricks),
 * data: URLs, and that ordinary Markdown still renders.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "markdown.h"

static int
strncasecmp_(const char *a, const char *b, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return (0);
	return (1);
}

static char *
render(const char *md)
{
	return (markdown_render(md, strlen(md)));
}

/* An href or src as cmark printed it is harmless when empty, relative (no
 * ':' before the first '/', '?' or '#') or http(s)/mailto. Written without
 * markdown_url_safe() so the test does not trust the code it tests. */
static int
url_harmless(const char *v, size_t n)
{
	static const char *const ok[] = { "http://", "https://", "mailto:",
	    NULL };
	size_t	i;
	int	k;

	for (k = 0; ok[k] != NULL; k++)
		if (n >= strlen(ok[k]) && strncasecmp_(v, ok[k], strlen(ok[k])))
			return (1);
	/* A scheme is [A-Za-z][A-Za-z0-9+.-]* before the first ':'. */
	for (i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x21)
			return (0);	/* cmark percent-encodes these */
		if (v[i] == ':')
			return (0);	/* a scheme not in ok[] */
		if (!(isalpha((unsigned char)v[i]) || (i > 0 &&
		    (isdigit((unsigned char)v[i]) || v[i] == '+' ||
		    v[i] == '-' || v[i] == '.'))))
			return (1);	/* not a scheme: relative */
	}
	return (1);
}

/*
 * No markup that can run script: cmark escapes every '<' of text, so each
 * '<' left is a tag; it must be one cmark writes for CommonMark, with only
 * the attributes it writes, and URLs that pass url_harmless().
 */
static int
harmless(const char *html)
{
	static const char *const tags[] = { "p", "h1", "h2", "h3", "h4", "h5",
	    "h6", "em", "strong", "a", "img", "ul", "ol", "li", "blockquote",
	    "code", "pre", "hr", "br", NULL };
	static const char *const attrs[] = { "href", "src", "alt", "title",
	    "class", "start", NULL };
	static const char omitted[] = "<!-- raw HTML omitted -->";
	const char	*p = html, *name, *val;
	size_t		 n, vn;
	int		 k;

	while ((p = strchr(p, '<')) != NULL) {
		if (strncmp(p, omitted, sizeof(omitted) - 1) == 0) {
			p += sizeof(omitted) - 1;
			continue;
		}
		p++;
		if (*p == '/')
			p++;
		for (name = p; isalnum((unsigned char)*p); p++)
			;
		n = (size_t)(p - name);
		for (k = 0; tags[k] != NULL; k++)
			if (strlen(tags[k]) == n && strncmp(name, tags[k], n) == 0)
				break;
		if (tags[k] == NULL)
			return (fprintf(stderr, "tag %.*s in: %s\n", (int)n, name,
			    html), 0);
		for (;;) {
			while (*p == ' ')
				p++;
			if (*p == '>' || strncmp(p, "/>", 2) == 0)
				break;
			for (name = p; isalpha((unsigned char)*p); p++)
				;
			n = (size_t)(p - name);
			for (k = 0; attrs[k] != NULL; k++)
				if (strlen(attrs[k]) == n &&
				    strncmp(name, attrs[k], n) == 0)
					break;
			if (attrs[k] == NULL || strncmp(p, "=\"", 2) != 0)
				return (fprintf(stderr, "attribute %.*s in: %s\n",
				    (int)n, name, html), 0);
			val = p + 2;
			if ((p = strchr(val, '"')) == NULL)
				return (0);
			vn = (size_t)(p - val);
			p++;
			if ((n == 4 || n == 3) && (strncmp(name, "href", 4) == 0 ||
			    strncmp(name, "src", 3) == 0) && !url_harmless(val, vn))
				return (fprintf(stderr, "url %.*s in: %s\n",
				    (int)vn, val, html), 0);
		}
	}
	return (1);
}

static void
check_harmless(const char *md)
{
	char	*html = render(md);

	CHECK(html != NULL);
	if (html != NULL) {
		CHECK(harmless(html));
		free(html);
	}
}

/* The href or src of the first link or image, "" for none ("" also when
 * emptied). Copies into out. */
static void
first_url(const char *html, const char *attr, char *out, size_t outlen)
{
	const char	*p = strstr(html, attr);
	size_t		 n = 0;

	out[0] = '\0';
	if (p == NULL)
		return;
	p += strlen(attr);
	while (p[n] != '\0' && p[n] != '"' && n + 1 < outlen)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void
check_link(const char *md, const char *want_href)
{
	char	*html = render(md), url[256];

	CHECK(html != NULL);
	if (html == NULL)
		return;
	first_url(html, "href=\"", url, sizeof(url));
	CHECK_STR(url, want_href);
	CHECK(harmless(html));
	free(html);
}

static void
check_image(const char *md, const char *want_src)
{
	char	*html = render(md), url[256];

	CHECK(html != NULL);
	if (html == NULL)
		return;
	first_url(html, "src=\"", url, sizeof(url));
	CHECK_STR(url, want_src);
	CHECK(harmless(html));
	free(html);
}

static void
test_plain_markdown(void)
{
	char	*html;

	html = render("# Border checks\n\nA *thorough* check of **every** "
	    "person.\n\n- one\n- two\n\n1. first\n2. second\n\n"
	    "> quoted\n\n`code` and\n\n```c\nint x = 1 < 2;\n```\n\n"
	    "[Schengen Borders Code](https://eur-lex.europa.eu/eli/reg/2016/399/oj)"
	    " and [local](/courses/1) and [anchor](#top) and "
	    "<https://example.org/a?b=c&d=e> and "
	    "[mail](mailto:training@example.org)\n\n"
	    "![chart](images/chart.png \"Arrivals\")\n\n---\n");
	CHECK(html != NULL);
	if (html == NULL)
		return;
	CHECK(strstr(html, "<h1>Border checks</h1>") != NULL);
	CHECK(strstr(html, "<em>thorough</em>") != NULL);
	CHECK(strstr(html, "<strong>every</strong>") != NULL);
	CHECK(strstr(html, "<ul>\n<li>one</li>") != NULL);
	CHECK(strstr(html, "<ol>\n<li>first</li>") != NULL);
	CHECK(strstr(html, "<blockquote>") != NULL);
	CHECK(strstr(html, "<code>code</code>") != NULL);
	CHECK(strstr(html, "<pre><code class=\"language-c\">int x = 1 &lt; 2;"
	    "\n</code></pre>") != NULL);
	CHECK(strstr(html, "<a href=\"https://eur-lex.europa.eu/eli/reg/2016/"
	    "399/oj\">Schengen Borders Code</a>") != NULL);
	CHECK(strstr(html, "<a href=\"/courses/1\">local</a>") != NULL);
	CHECK(strstr(html, "<a href=\"#top\">anchor</a>") != NULL);
	CHECK(strstr(html, "<a href=\"https://example.org/a?b=c&amp;d=e\">")
	    != NULL);
	CHECK(strstr(html, "<a href=\"mailto:training@example.org\">mail</a>")
	    != NULL);
	CHECK(strstr(html, "<img src=\"images/chart.png\" alt=\"chart\" "
	    "title=\"Arrivals\" />") != NULL);
	CHECK(strstr(html, "<hr />") != NULL);
	free(html);

	/* Text that looks like markup is escaped, not dropped. */
	html = render("1 < 2 & 3 > 2 \"quoted\"\n");
	CHECK(html != NULL);
	if (html != NULL) {
		CHECK_STR(html, "<p>1 &lt; 2 &amp; 3 &gt; 2 &quot;quoted&quot;"
		    "</p>\n");
		free(html);
	}
	html = render("");
	CHECK(html != NULL);
	if (html != NULL) {
		CHECK_STR(html, "");
		free(html);
	}
}

static void
test_raw_html(void)
{
	char	*html;

	/* Raw HTML blocks and inline HTML are dropped, their text is not
	 * turned into markup. */
	check_harmless("<script>alert(1)</script>\n");
	check_harmless("<SCRIPT SRC=//evil.example/x.js></SCRIPT>\n");
	check_harmless("text <script>alert(1)</script> more\n");
	check_harmless("<div onclick=\"alert(1)\">\n\n*x*\n\n</div>\n");
	check_harmless("<img src=x onerror=alert(1)>\n");
	check_harmless("para <img src=x onerror=alert(1)> inline\n");
	check_harmless("<iframe src=\"javascript:alert(1)\"></iframe>\n");
	check_harmless("<svg/onload=alert(1)>\n");
	check_harmless("<style>body{display:none}</style>\n");
	check_harmless("<a href=\"javascript:alert(1)\">x</a>\n");
	check_harmless("<!-- comment --><span style=x>y</span>\n");
	check_harmless("<form action=/x><input name=p></form>\n");
	check_harmless("<meta http-equiv=refresh content=\"0;url=https://"
	    "evil.example\">\n");
	check_harmless("- item <b onmouseover=alert(1)>bold</b>\n");

	html = render("before\n\n<div>\nraw\n</div>\n\nafter <b>x</b>\n");
	CHECK(html != NULL);
	if (html != NULL) {
		CHECK(strstr(html, "<p>before</p>") != NULL);
		CHECK(strstr(html, "<p>after") != NULL);
		CHECK(strstr(html, "raw HTML omitted") != NULL);
		CHECK(strstr(html, "<b>") == NULL);
		CHECK(strstr(html, "<div>") == NULL);
		free(html);
	}
	/* An event handler written as text stays harmless text. */
	html = render("Write `onerror=alert(1)` nowhere.\n");
	CHECK(html != NULL);
	if (html != NULL) {
		CHECK(strstr(html, "<code>onerror=alert(1)</code>") != NULL);
		free(html);
	}
}

static void
test_link_schemes(void)
{
	/* javascript: in the spellings browsers accept. */
	check_link("[x](javascript:alert(1))", "");
	check_link("[x](JaVaScRiPt:alert(1))", "");
	check_link("[x](JAVASCRIPT:alert(1))", "");
	check_link("[x]( javascript:alert(1))", "");
	check_link("[x](<javascript:alert(1)>)", "");
	check_link("[x](< javascript:alert(1)>)", "");
	check_link("[x](&#106;avascript:alert(1))", "");
	check_link("[x](&#x6A;avascript:alert(1))", "");
	check_link("[x](javascript&#58;alert(1))", "");
	check_link("[x](javascript&colon;alert(1))", "");
	check_link("[x](&#1;javascript:alert(1))", "");
	check_link("[x](&#x20;javascript:alert(1))", "");
	check_link("[x](java&#9;script:alert(1))", "");
	check_link("[x](java&#10;script:alert(1))", "");
	check_link("[x](java&#13;script:alert(1))", "");
	check_link("[x](javascript\\:alert(1))", "");
	check_link("<javascript:alert(1)>", "");
	check_link("<JavaScript:alert(1)>", "");
	check_link("[x][r]\n\n[r]: javascript:alert(1)\n", "");
	check_link("[x][r]\n\n[r]: <jAvAsCrIpT:alert(1)> \"t\"\n", "");
	/* Other dangerous or unknown schemes. */
	check_link("[x](vbscript:msgbox(1))", "");
	check_link("[x](VBScript:msgbox(1))", "");
	check_link("[x](file:///etc/passwd)", "");
	check_link("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2Ny"
	    "aXB0Pg==)", "");
	check_link("[x](DATA:text/html,<script>alert(1)</script>)", "");
	check_link("[x](data:image/svg+xml,<svg/onload=alert(1)>)", "");
	check_link("<data:text/html,x>", "");
	check_link("[x](blob:https://example.org/uuid)", "");
	check_link("[x](ftp://example.org/f)", "");
	/* Percent-encoding hides nothing from a browser's scheme parser:
	 * "java%73cript:" is a relative path, harmless. Kept as such. */
	check_link("[x](java%73cript:alert(1))", "java%73cript:alert(1)");
	/* Safe URLs stay. */
	check_link("[x](HTTPS://example.org/)", "HTTPS://example.org/");
	check_link("[x](http://example.org/?a=javascript:1)",
	    "http://example.org/?a=javascript:1");
	check_link("[x](./a:b)", "./a:b");
	check_link("[x](page?q=a:b)", "page?q=a:b");
}

static void
test_images(void)
{
	/* cmark lets data:image/png through; we do not. */
	check_image("![i](data:image/png;base64,iVBORw0KGgo=)", "");
	check_image("![i](data:image/gif;base64,R0lGODlh)", "");
	check_image("![i](data:image/svg+xml;base64,PHN2Zz4=)", "");
	check_image("![i](javascript:alert(1))", "");
	check_image("![i]( JaVaScRiPt:alert(1))", "");
	check_image("![i](https://example.org/i.png)",
	    "https://example.org/i.png");
	check_image("![i](img/a.png)", "img/a.png");
}

static void
test_url_safe(void)
{
	CHECK(markdown_url_safe(NULL));
	CHECK(markdown_url_safe(""));
	CHECK(markdown_url_safe("#frag"));
	CHECK(markdown_url_safe("/abs/path"));
	CHECK(markdown_url_safe("rel/path:x"));
	CHECK(markdown_url_safe("?q=javascript:"));
	CHECK(markdown_url_safe("https://a.example"));
	CHECK(markdown_url_safe("Mailto:a@b.example"));
	CHECK(!markdown_url_safe("javascript:x"));
	CHECK(!markdown_url_safe("\x01\x02 javascript:x"));
	CHECK(!markdown_url_safe("j\na\tv\ra\tscript:x"));
	CHECK(!markdown_url_safe(":x"));
	CHECK(!markdown_url_safe("averyveryverylongscheme:x"));
	CHECK(!markdown_url_safe("tel:+123"));
}

static void
test_bytes(void)
{
	/* Invalid UTF-8 and NUL bytes do not crash and do not pass through. */
	static const char md[] = "a\0b \xff\xfe <x>\n";
	char	*html = markdown_render(md, sizeof(md) - 1);

	CHECK(html != NULL);
	if (html != NULL) {
		CHECK(strchr(html, '\xff') == NULL);
		CHECK(strstr(html, "\xef\xbf\xbd") != NULL);
		CHECK(harmless(html));
		free(html);
	}
	html = markdown_render(NULL, 0);
	CHECK(html != NULL);
	free(html);
}

int
main(void)
{
	test_plain_markdown();
	test_raw_html();
	test_link_schemes();
	test_images();
	test_url_safe();
	test_bytes();
	return (check_summary());
}
