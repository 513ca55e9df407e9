/* Files compiled into the binary by server/embed.cmake, in name order. */
#ifndef MIGTRAIN_EMBEDDED_H
#define MIGTRAIN_EMBEDDED_H

struct embedded_file {
	const char	*name;
	const char	*text;
};

/* Both tables end with a { NULL, NULL } sentinel. */
extern const struct embedded_file embedded_schema[];
extern const struct embedded_file embedded_openapi[];

#endif
