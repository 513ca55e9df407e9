/* `migtrain rotate-key`: built by the certificates issue. */
#include <stdio.h>

#include "commands.h"

int
cmd_rotate_key(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "rotate-key: not available yet\n");
	return (1);
}
