/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbSseParser: fields of an event stream to events.
 */
#include "wb-sse-parser.h"

#include <string.h>

struct _WbSseParser {
  GString *data;       /* data lines of the event being read, "\n" after each */
  char *name;          /* its event type, NULL: "message" */
  char *last_id;
  guint retry_ms;
  gboolean has_data;
};

void
wb_sse_event_free (WbSseEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->name);
  g_free (event->data);
  g_free (event->id);
  g_free (event);
}

WbSseParser *
wb_sse_parser_new (void)
{
  WbSseParser *parser = g_new0 (WbSseParser, 1);

  parser->data = g_string_new (NULL);
  return parser;
}

void
wb_sse_parser_free (WbSseParser *parser)
{
  if (parser == NULL)
    return;
  g_string_free (parser->data, TRUE);
  g_free (parser->name);
  g_free (parser->last_id);
  g_free (parser);
}

void
wb_sse_parser_reset (WbSseParser *parser)
{
  g_string_truncate (parser->data, 0);
  g_clear_pointer (&parser->name, g_free);
  parser->has_data = FALSE;
}

static WbSseEvent *
dispatch (WbSseParser *parser)
{
  WbSseEvent *event;

  if (!parser->has_data) {
    wb_sse_parser_reset (parser);
    return NULL;
  }
  /* The data buffer ends with the "\n" of its last line: drop it. */
  if (parser->data->len > 0 && parser->data->str[parser->data->len - 1] == '\n')
    g_string_truncate (parser->data, parser->data->len - 1);

  event = g_new0 (WbSseEvent, 1);
  event->name = parser->name != NULL ? g_steal_pointer (&parser->name) : g_strdup ("message");
  event->data = g_strdup (parser->data->str);
  event->id = g_strdup (parser->last_id);
  wb_sse_parser_reset (parser);
  return event;
}

WbSseEvent *
wb_sse_parser_feed_line (WbSseParser *parser,
                         const char  *line)
{
  g_autofree char *field = NULL;
  const char *value;
  const char *colon;

  g_return_val_if_fail (parser != NULL && line != NULL, NULL);

  if (*line == '\0')
    return dispatch (parser);
  if (*line == ':')
    return NULL;

  colon = strchr (line, ':');
  if (colon != NULL) {
    field = g_strndup (line, colon - line);
    value = colon + 1;
    if (*value == ' ')
      value++;
  } else {
    field = g_strdup (line);
    value = "";
  }

  if (g_str_equal (field, "event")) {
    g_free (parser->name);
    parser->name = *value != '\0' ? g_strdup (value) : NULL;
  } else if (g_str_equal (field, "data")) {
    g_string_append (parser->data, value);
    g_string_append_c (parser->data, '\n');
    parser->has_data = TRUE;
  } else if (g_str_equal (field, "id")) {
    /* An id holding NUL is ignored; it cannot reach us through a C string. */
    g_free (parser->last_id);
    parser->last_id = *value != '\0' ? g_strdup (value) : NULL;
  } else if (g_str_equal (field, "retry")) {
    guint64 ms = 0;

    if (*value != '\0' && strspn (value, "0123456789") == strlen (value) &&
        g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &ms, NULL))
      parser->retry_ms = (guint) ms;
  }
  /* Other fields are ignored, as the standard says. */
  return NULL;
}

const char *
wb_sse_parser_get_last_id (WbSseParser *parser)
{
  return parser->last_id;
}

guint
wb_sse_parser_get_retry_ms (WbSseParser *parser)
{
  return parser->retry_ms;
}
