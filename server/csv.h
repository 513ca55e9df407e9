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
 * Appends one cell. A cell that begins with '=', '+', '-', '@', TAB or CR
 * gets a leading single quote, so spreadsheets show it as text instead of
 * evaluating it; a cell holding a comma, a double quote, CR or LF is then
 * enclosed in double quotes with inner quotes doubled. NULL is an empty
 * cell. The bytes are copied as they are (the database gives UTF-8).
 */
void	csv_cell(struct buf *, const char *);
/* Appends n cells separated by commas and ended by CRLF. */
void	csv_row(struct buf *, const char *const *cells, int n);

struct req;
/* Whether the request asks for CSV (format=csv, or Accept: text/csv); 0
 * or -1 with a 400 for another format. In handlers/records.c. */
int	wants_csv(struct req *, int *csv);

#endif
