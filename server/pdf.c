/*
 * Printable certificates (API §17): one A4 landscape page drawn with cairo's
 * PDF surface, text laid out by pango (so any script of the content shapes
 * correctly) in DejaVu, which cairo embeds as subsets, and a QR code from
 * libqrencode drawn as vector squares. This file only draws: which
 * certificate, and what the QR code says, is the caller's business.
 */
#include <stdlib.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "pdf.h"

/* A4 landscape in PostScript points. */
#define PAGE_W		841.89
#define PAGE_H		595.28
#define MARGIN		70.0
#define QR_SIZE		118.0
#define QR_QUIET	4	/* white modules around the code (ISO 18004) */

/* The one ink colour of the page and the red of a revocation. */
#define INK		0.11, 0.20, 0.36
#define GREY		0.35, 0.35, 0.38
#define RED		0.75, 0.05, 0.05

/*
 * Draws text centred or left-aligned in a box of the given width at (x, y);
 * at most max_lines lines, the last one ellipsised. Returns its height.
 */
static double
text(cairo_t *cr, const char *s, const char *font, double x, double y,
    double width, int centred, int max_lines)
{
	PangoLayout		*layout;
	PangoFontDescription	*fd;
	int			 w, h;

	layout = pango_cairo_create_layout(cr);
	fd = pango_font_description_from_string(font);
	pango_layout_set_font_description(layout, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_height(layout, -max_lines);
	pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	pango_layout_set_alignment(layout, centred ? PANGO_ALIGN_CENTER :
	    PANGO_ALIGN_LEFT);
	pango_layout_set_text(layout, s, -1);	/* text, never markup */
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, layout);
	pango_layout_get_size(layout, &w, &h);
	g_object_unref(layout);
	return ((double)h / PANGO_SCALE);
}

/* The QR code as one path of dark squares on a white quiet zone. */
static int
qr(cairo_t *cr, const char *payload, double x, double y, double size)
{
	QRcode	*q;
	double	 m;
	int	 i, j;

	q = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (q == NULL)
		return (-1);
	m = size / (q->width + 2 * QR_QUIET);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, size, size);
	cairo_fill(cr);
	for (i = 0; i < q->width; i++)
		for (j = 0; j < q->width; j++)
			if (q->data[i * q->width + j] & 1)
				cairo_rectangle(cr, x + (j + QR_QUIET) * m,
				    y + (i + QR_QUIET) * m, m, m);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_fill(cr);
	QRcode_free(q);
	return (0);
}

/* "REVOKED" across the page, under a plain line that says when. */
static void
revoked_stamp(cairo_t *cr)
{
	PangoLayout		*layout;
	PangoFontDescription	*fd;
	int			 w, h;

	cairo_save(cr);
	cairo_translate(cr, PAGE_W / 2, PAGE_H / 2);
	cairo_rotate(cr, -0.45);
	layout = pango_cairo_create_layout(cr);
	fd = pango_font_description_from_string("DejaVu Sans Bold 120");
	pango_layout_set_font_description(layout, fd);
	pango_font_description_free(fd);
	pango_layout_set_text(layout, "REVOKED", -1);
	pango_layout_get_size(layout, &w, &h);
	cairo_move_to(cr, -(double)w / PANGO_SCALE / 2,
	    -(double)h / PANGO_SCALE / 2);
	cairo_set_source_rgba(cr, RED, 0.30);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	cairo_restore(cr);
}

static cairo_status_t
append(void *closure, const unsigned char *data, unsigned int len)
{
	buf_append(closure, data, len);
	return (CAIRO_STATUS_SUCCESS);
}

int
pdf_certificate(const struct pdf_certificate *c, struct buf *out)
{
	cairo_surface_t	*surface;
	cairo_t		*cr;
	cairo_status_t	 st;
	double		 y, w;
	char		*line;
	int		 rc = 0;

	surface = cairo_pdf_surface_create_for_stream(append, out, PAGE_W,
	    PAGE_H);
	line = xasprintf("Certificate %s", c->code);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, line);
	free(line);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
	    "migtrain");
	cr = cairo_create(surface);

	/* A double frame. */
	cairo_set_source_rgb(cr, INK);
	cairo_set_line_width(cr, 2.5);
	cairo_rectangle(cr, 24, 24, PAGE_W - 48, PAGE_H - 48);
	cairo_stroke(cr);
	cairo_set_line_width(cr, 0.75);
	cairo_rectangle(cr, 31, 31, PAGE_W - 62, PAGE_H - 62);
	cairo_stroke(cr);

	w = PAGE_W - 2 * MARGIN;
	y = 52;
	cairo_set_source_rgb(cr, GREY);
	y += text(cr, c->issuer, "DejaVu Sans 13", MARGIN, y, w, 1, 1) + 14;
	cairo_set_source_rgb(cr, INK);
	y += text(cr, "Certificate of Completion", "DejaVu Serif Bold 34",
	    MARGIN, y, w, 1, 1) + 8;
	if (c->revoked != NULL) {
		cairo_set_source_rgb(cr, RED);
		line = xasprintf("REVOKED on %s: this certificate is no longer "
		    "valid.", c->revoked);
		y += text(cr, line, "DejaVu Sans Bold 13", MARGIN, y, w, 1, 2);
		free(line);
	}
	y += 22;
	cairo_set_source_rgb(cr, GREY);
	y += text(cr, "This certifies that", "DejaVu Sans 14", MARGIN, y, w,
	    1, 1) + 8;
	cairo_set_source_rgb(cr, 0, 0, 0);
	y += text(cr, c->holder, "DejaVu Serif Bold 30", MARGIN, y, w, 1, 2)
	    + 10;
	cairo_set_source_rgb(cr, GREY);
	y += text(cr, "has completed the course", "DejaVu Sans 14", MARGIN, y,
	    w, 1, 1) + 8;
	cairo_set_source_rgb(cr, INK);
	y += text(cr, c->course, "DejaVu Serif Bold 22", MARGIN, y, w, 1, 3)
	    + 14;
	cairo_set_source_rgb(cr, GREY);
	line = xasprintf("Completed on %s", c->completed);
	(void)text(cr, line, "DejaVu Sans 14", MARGIN, y, w, 1, 1);
	free(line);

	/* Bottom left: the code and where to check it; bottom right: QR. */
	y = PAGE_H - MARGIN - QR_SIZE + 18;
	w = PAGE_W - 2 * MARGIN - QR_SIZE - 30;
	cairo_set_source_rgb(cr, GREY);
	line = xasprintf("Issued by %s", c->issuer);
	y += text(cr, line, "DejaVu Sans 11", MARGIN, y, w, 0, 2) + 10;
	free(line);
	y += text(cr, "Certificate code", "DejaVu Sans 10", MARGIN, y, w, 0,
	    1) + 2;
	cairo_set_source_rgb(cr, 0, 0, 0);
	y += text(cr, c->code, "DejaVu Sans Mono Bold 17", MARGIN, y, w, 0,
	    1) + 4;
	cairo_set_source_rgb(cr, GREY);
	(void)text(cr, c->verify, "DejaVu Sans 9", MARGIN, y, w, 0, 2);
	/* Under the QR code, so a revoked certificate still scans. */
	if (c->revoked != NULL)
		revoked_stamp(cr);
	if (qr(cr, c->qr, PAGE_W - MARGIN - QR_SIZE, PAGE_H - MARGIN - QR_SIZE
	    + 18, QR_SIZE) == -1)
		rc = -1;

	cairo_show_page(cr);
	st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	return (st == CAIRO_STATUS_SUCCESS ? rc : -1);
}
