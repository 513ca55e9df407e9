/* `migtrain import-content DIR`: built by the courses issue. */
#include <stdio.h>

#include "commands.h"

int
cmd_import_content(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "import-content: not available yet\n");
	return (1);
}
