/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbSseParser: the Server-Sent Events wire format (the "event stream"
 * interpretation of the HTML standard), line by line, without I/O.
 * Fed the lines of a text/event-stream (without their line ends), it
 * gathers "event", "data", "id" and "retry" fields and dispatches one
 * WbSseEvent at each blank line.  Comments (":keep-alive") are skipped.
 * Owned by whoever reads the stream (WbEventStream); plain C, no GObject.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;      /* "message" when the stream named none */
  char *data;      /* the data lines joined with "\n" */
  char *id;        /* the last event id seen on the stream, may be NULL */
} WbSseEvent;

void wb_sse_event_free (WbSseEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbSseEvent, wb_sse_event_free)

typedef struct _WbSseParser WbSseParser;

WbSseParser *wb_sse_parser_new  (void);
void         wb_sse_parser_free (WbSseParser *parser);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbSseParser, wb_sse_parser_free)

/* Feeds one line.  Returns a complete event (transfer full) when @line is
 * the blank line that ends one with data, NULL otherwise. */
WbSseEvent  *wb_sse_parser_feed_line     (WbSseParser *parser,
                                          const char  *line);
/* The last event id seen, for Last-Event-ID on reconnection; may be NULL. */
const char  *wb_sse_parser_get_last_id   (WbSseParser *parser);
/* The reconnection delay the server asked for with "retry:", in ms;
 * 0 when it asked for none. */
guint        wb_sse_parser_get_retry_ms  (WbSseParser *parser);
/* Forgets a half-read event (the stream broke off); keeps the last id. */
void         wb_sse_parser_reset         (WbSseParser *parser);

G_END_DECLS
