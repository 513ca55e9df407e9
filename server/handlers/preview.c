/*
 * POST /api/v1/markdown/preview (coordinator, admin): renders Markdown the
 * way a lesson is stored, through the same markdown_render (raw HTML and
 * unsafe links removed), so the lesson editor's preview is exactly what
 * trainees will read. Nothing is stored; no database round trip.
 */
#include <stdlib.h>
#include <string.h>

#include "body.h"
#include "markdown.h"
#include "problem.h"

static int	markdown_preview(struct req *);

const struct route preview_routes[] = {
	{ "POST", "/api/v1/markdown/preview", markdown_preview, ROUTE_AUTH },
	{ NULL, NULL, NULL, 0 }
};

static int
markdown_preview(struct req *r)
{
	static const char *const fields[] = { "body_md", NULL };
	const char	*md;
	char		*html;
	json_t		*b, *answer;

	if (require_role(r, ROLE_STAFF) == -1 ||
	    (b = body_json(r, fields)) == NULL ||
	    body_string(r, b, "body_md", 1, 0, MARKDOWN_MD_MAX, &md) == -1)
		return (-1);
	if ((html = markdown_render(md, strlen(md))) == NULL)
		return (problem_set(r, 500, NULL, "could not render the text"));
	/* The same limit a stored lesson meets, so a preview never
	 * promises what saving would refuse. */
	if (strlen(html) > MARKDOWN_HTML_MAX) {
		free(html);
		return (problem_field(r, "body_md", "renders to more than "
		    "2 MiB of HTML (nested too deeply?)"));
	}
	answer = json_pack("{s:s}", "body_html", html);
	free(html);
	return (reply_json_new(r, 200, answer));
}
