/*
 * RFC 4180 CSV encoding of cells and rows, with spreadsheet formula
 * injection neutralised. Pure: no I/O, no database; the streaming of an
 * export lives in handlers/records.c.
 */
#ifndef MIGTRAIN_CSV_H
#define MIGTRAIN_CSV_H

#include <stddef.h>

#include "util.h"

/*
 * Appends one cell. A cell that csv_formula_like gets a leading single
 * quote, so spreadsheets show it as text instead of evaluating it, and so
 * does every part of it after a comma, semicolon, TAB, CR or LF whose first
 * visible character is a formula sign: a reader splitting on ';' (or a
 * paste splitting on TAB and lines) would start a cell there. A cell
 * holding any of those or a double quote is enclosed in double quotes with
 * inner quotes doubled. NULL is an empty cell. The bytes are copied as
 * they are (the database gives UTF-8).
 */
void	csv_cell(struct buf *, const char *);
/* Non-zero when s starts with TAB or CR, or when its first character past
 * blanks, invisible ones (NBSP, zero-width, BOM, ...) and double quotes is
 * a formula sign:
 * = + - @, their fullwidth and small forms, or the minus sign U+2212. */
int	csv_formula_like(const char *);
/* Appends n cells separated by commas and ended by CRLF. */
void	csv_row(struct buf *, const char *const *cells, int n);

struct req;
/* Whether the request asks for CSV (format=csv, or Accept: text/csv); 0
 * or -1 with a 400 for another format. In handlers/records.c. */
int	wants_csv(struct req *, int *csv);

#endif
