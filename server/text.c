/*
 * Small pure functions on text, kept apart from the I/O so they can be
 * unit tested. Dates are checked against the calendar here, so a bad one
 * is the client's 400/422 before any SQL cast could fail on it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "text.h"

void
cursor_encode(int64_t id, char *out, size_t outlen)
{
	char	plain[24];
	int	n;

	n = snprintf(plain, sizeof(plain), "k%lld", (long long)id);
	sodium_bin2base64(out, outlen, (const unsigned char *)plain, (size_t)n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
cursor_decode(const char *s, int64_t *out)
{
	unsigned char	plain[24];
	char		text[25];
	size_t		len;

	if (s == NULL || strlen(s) > 32 ||
	    sodium_base642bin(plain, sizeof(plain) - 1, s, strlen(s), NULL, &len,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len < 2 || plain[0] != 'k')
		return (-1);
	memcpy(text, plain + 1, len - 1);
	text[len - 1] = '\0';
	return (parse_int64(text, 0, INT64_MAX, out));
}

static int
digits(const char *s, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return (0);
	return (1);
}

static int
two(const char *s)
{
	return ((s[0] - '0') * 10 + (s[1] - '0'));
}

/* A day of the (proleptic Gregorian) calendar, years 1 to 9999. */
static int
date_prefix_valid(const char *s)
{
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };
	int	year, month, day;

	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2))
		return (0);
	year = two(s) * 100 + two(s + 2);
	month = two(s + 5);
	day = two(s + 8);
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
	    day > days[month - 1])
		return (0);
	return (month != 2 || day != 29 ||
	    (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)));
}

int
date_text_valid(const char *s)
{
	return (s != NULL && strlen(s) == 10 && date_prefix_valid(s));
}

int
time_text_valid(const char *s)
{
	const char	*p;

	if (s == NULL)
		return (0);
	if (strlen(s) == 10)
		return (date_text_valid(s));
	if (strlen(s) < 20 || strlen(s) > 40 || !date_prefix_valid(s) ||
	    (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' ||
	    !digits(s + 17, 2) || two(s + 11) > 23 || two(s + 14) > 59 ||
	    two(s + 17) > 60)
		return (0);
	p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return (0);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		return (1);
	return ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' &&
	    digits(p + 4, 2) && p[6] == '\0' && two(p + 1) <= 23 &&
	    two(p + 4) <= 59);
}

int
email_text_valid(const char *s)
{
	const char	*at, *p;
	size_t		 len;

	if (s == NULL || (len = strlen(s)) < 3 || len > 254)
		return (0);
	if ((at = strchr(s, '@')) == NULL || at == s || strchr(at + 1, '@'))
		return (0);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return (0);
	p = strchr(at + 1, '.');
	return (p != NULL && p > at + 1 && p[1] != '\0' && s[len - 1] != '.');
}

int
slug_text_valid(const char *s)
{
	size_t	i, n = strlen(s);

	if (n < 3 || n > 64 || s[0] == '-' || s[n - 1] == '-')
		return (0);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return (0);
	return (1);
}

int
text_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return (0);
	return (1);
}
