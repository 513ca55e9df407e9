/* Printable certificates: one A4 landscape PDF page drawn with cairo and
 * pango, with a QR code from libqrencode. Pure: no database, no request. */
#ifndef MIGTRAIN_PDF_H
#define MIGTRAIN_PDF_H

#include "util.h"

/* What the page shows; every string is UTF-8 and borrowed. */
struct pdf_certificate {
	const char	*holder;	/* the holder's name */
	const char	*course;	/* the course title */
	const char	*completed;	/* completion date, as printed */
	const char	*issuer;	/* the issuer's name */
	const char	*code;		/* the certificate code */
	const char	*qr;		/* what the QR code holds */
	const char	*verify;	/* the line under the code */
	const char	*revoked;	/* revocation date; NULL: valid */
};

/*
 * Renders the certificate and appends the PDF to *out (fonts embedded, as
 * subsets, by cairo). 0, or -1 when cairo, pango or libqrencode failed.
 * Safe to call from several threads at once (pango's font map is
 * per thread).
 */
int	pdf_certificate(const struct pdf_certificate *, struct buf *out)
	    WARN_UNUSED;

#endif
