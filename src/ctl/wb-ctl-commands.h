/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commands of wardbridgectl, one function each, in a table that main()
 * and --help read.  A command calls the hub through WbClient, prints a
 * table (or the hub's JSON with --json) on stdout, and returns FALSE with a
 * GError on failure: WB_CLIENT_ERROR_REFUSED is the hub saying no (exit
 * code 1), anything else a usage or connection problem (exit code 2).
 */
#pragma once

#include "client/wb-client.h"

G_BEGIN_DECLS

#define WB_CTL_ERROR (wb_ctl_error_quark ())
GQuark wb_ctl_error_quark (void);

typedef enum {
  WB_CTL_ERROR_USAGE,
} WbCtlError;

/* Options shared by the commands; owned by main(). */
typedef struct {
  WbClient *client;
  gboolean json;
  char *title;
  char *layout;
  char *presenter;
  gboolean record;
  char *start;
  char *end;
  char *from;
  char *to;
  char *idempotency_key;
} WbCtlOptions;

typedef gboolean (*WbCtlCommandFunc) (WbCtlOptions  *options,
                                      char         **args,
                                      GError       **error);

typedef struct {
  const char *name;
  const char *usage;       /* arguments and options, for --help */
  const char *summary;
  guint min_args;
  guint max_args;          /* G_MAXUINT: any number */
  WbCtlCommandFunc func;
} WbCtlCommand;

const WbCtlCommand *wb_ctl_find_command (const char *name);
/* The commands for --help: "  endpoints  ...\n" lines. */
char *wb_ctl_describe_commands (void);

G_END_DECLS
