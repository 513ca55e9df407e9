/*
 * pdf.c: a certificate renders to one PDF page with the fonts embedded,
 * the revoked one too, and an unencodable QR payload is an error rather
 * than a page without its code. The text and the QR code themselves are
 * read back by tests/api/test_learning.py with poppler and zbar.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pdf.h"

static int
has(const struct buf *b, const char *s)
{
	size_t	n = strlen(s), i;

	for (i = 0; i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return (1);
	return (0);
}

int
main(void)
{
	struct pdf_certificate	c = {
		.holder = "Žydrūnė Šalčiūtė", .course = "Schengen border checks",
		.completed = "3 December 2026", .issuer = "Training Unit",
		.code = "7K3M9QX2ZB4T",
		.qr = "https://train.example.org/verify/7K3M9QX2ZB4T",
		.verify = "Verify at https://train.example.org/verify/7K3M9QX2ZB4T",
		.revoked = NULL,
	};
	struct buf	 b = { 0 };
	char		*big;

	CHECK(pdf_certificate(&c, &b) == 0);
	CHECK(b.len > 1000 && memcmp(b.data, "%PDF-", 5) == 0);
	CHECK(has(&b, "%%EOF"));
	CHECK(has(&b, "/FontFile"));		/* embedded, not referenced */
	CHECK(has(&b, "DejaVu"));
	if (getenv("MIGTRAIN_PDF_OUT") != NULL) {	/* to look at it */
		FILE *f = fopen(getenv("MIGTRAIN_PDF_OUT"), "wb");
		if (f != NULL) {
			fwrite(b.data, 1, b.len, f);
			fclose(f);
		}
	}
	CHECK(has(&b, "/MediaBox [ 0 0 841.89 595.28 ]") ||
	    has(&b, "/MediaBox [0 0 841.89 595.28]"));
	buf_free(&b);

	memset(&b, 0, sizeof(b));
	c.revoked = "4 December 2026";
	CHECK(pdf_certificate(&c, &b) == 0);
	if (getenv("MIGTRAIN_PDF_OUT") != NULL) {
		FILE *f = fopen("/tmp/revoked.pdf", "wb");
		if (f != NULL) {
			fwrite(b.data, 1, b.len, f);
			fclose(f);
		}
	}
	CHECK(b.len > 1000 && memcmp(b.data, "%PDF-", 5) == 0);
	buf_free(&b);

	/* More than a version-40 code holds: refused, not drawn blank. */
	big = malloc(8000);
	memset(big, 'A', 7999);
	big[7999] = '\0';
	c.qr = big;
	memset(&b, 0, sizeof(b));
	CHECK(pdf_certificate(&c, &b) == -1);
	buf_free(&b);
	free(big);
	return (check_summary());
}
