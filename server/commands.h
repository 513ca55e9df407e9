/* The subcommands of the migtrain executable (API §1). Each returns the
 * process exit status. */
#ifndef MIGTRAIN_COMMANDS_H
#define MIGTRAIN_COMMANDS_H

int	cmd_migrate(int, char **);
int	cmd_import_content(int, char **);
int	cmd_create_user(int, char **);
int	cmd_rotate_key(int, char **);
int	cmd_serve(int, char **);
int	cmd_routes(int, char **);
int	cmd_openapi(int, char **);

/* The merged OpenAPI document (handlers/ops.c). */
const char *ops_openapi_text(void);

/* Applies the embedded migrations; used by `migrate`. 0 or -1. */
int	migrate_apply(const char *conninfo, int quiet);

#endif
