/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbCtlTable: aligned tables in terminal columns.
 */
#include "wb-ctl-table.h"

#include <stdarg.h>
#include <string.h>

typedef struct {
  char *title;
  WbCtlAlign align;
} Column;

struct _WbCtlTable {
  GArray *columns;     /* Column */
  GPtrArray *rows;     /* GStrv, sanitized */
};

char *
wb_ctl_sanitize (const char *text)
{
  g_autofree char *nfc = NULL;
  GString *out;

  if (text == NULL)
    return g_strdup ("");
  if (!g_utf8_validate (text, -1, NULL))
    nfc = g_utf8_make_valid (text, -1);
  else
    nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);

  out = g_string_sized_new (strlen (nfc));
  for (const char *p = nfc; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iscntrl (c))
      g_string_append_unichar (out, 0xFFFD);
    else
      g_string_append_unichar (out, c);
  }
  return g_string_free (out, FALSE);
}

gsize
wb_ctl_display_width (const char *text)
{
  g_autofree char *nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  gsize width = 0;

  if (nfc == NULL)
    return strlen (text);
  for (const char *p = nfc; *p != '\0'; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_iszerowidth (c))
      continue;
    width += g_unichar_iswide (c) ? 2 : 1;
  }
  return width;
}

static void
column_clear (gpointer data)
{
  g_free (((Column *) data)->title);
}

WbCtlTable *
wb_ctl_table_new (void)
{
  WbCtlTable *table = g_new0 (WbCtlTable, 1);

  table->columns = g_array_new (FALSE, TRUE, sizeof (Column));
  g_array_set_clear_func (table->columns, column_clear);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return table;
}

void
wb_ctl_table_free (WbCtlTable *table)
{
  if (table == NULL)
    return;
  g_array_unref (table->columns);
  g_ptr_array_unref (table->rows);
  g_free (table);
}

void
wb_ctl_table_add_column (WbCtlTable *table,
                         const char *title,
                         WbCtlAlign  align)
{
  Column column = { g_strdup (title), align };

  g_return_if_fail (table->rows->len == 0);
  g_array_append_val (table->columns, column);
}

void
wb_ctl_table_add_rowv (WbCtlTable        *table,
                       const char *const *cells)
{
  GStrv row = g_new0 (char *, table->columns->len + 1);
  gboolean ended = FALSE;

  for (guint i = 0; i < table->columns->len; i++) {
    if (!ended && cells[i] == NULL)
      ended = TRUE;
    row[i] = wb_ctl_sanitize (ended ? "" : cells[i]);
  }
  g_ptr_array_add (table->rows, row);
}

void
wb_ctl_table_add_row (WbCtlTable *table,
                      ...)
{
  g_autoptr (GPtrArray) cells = g_ptr_array_new ();
  va_list args;
  const char *cell;

  va_start (args, table);
  while ((cell = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (cells, (gpointer) cell);
  va_end (args);
  g_ptr_array_add (cells, NULL);
  wb_ctl_table_add_rowv (table, (const char *const *) cells->pdata);
}

guint
wb_ctl_table_get_n_rows (WbCtlTable *table)
{
  return table->rows->len;
}

static void
append_padded (GString    *out,
               const char *text,
               gsize       width,
               WbCtlAlign  align,
               gboolean    last)
{
  gsize used = wb_ctl_display_width (text);
  gsize pad = width > used ? width - used : 0;

  if (align == WB_CTL_ALIGN_RIGHT)
    for (gsize i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
  g_string_append (out, text);
  if (align == WB_CTL_ALIGN_LEFT && !last)
    for (gsize i = 0; i < pad; i++)
      g_string_append_c (out, ' ');
}

static void
append_line (WbCtlTable        *table,
             GString           *out,
             const gsize       *widths,
             const char *const *cells)
{
  for (guint i = 0; i < table->columns->len; i++) {
    const Column *column = &g_array_index (table->columns, Column, i);

    if (i > 0)
      g_string_append (out, "  ");
    append_padded (out, cells[i], widths[i], column->align, i + 1 == table->columns->len);
  }
  /* A left-aligned last cell may be empty: no trailing spaces. */
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  g_string_append_c (out, '\n');
}

char *
wb_ctl_table_render (WbCtlTable *table)
{
  g_autofree gsize *widths = g_new0 (gsize, table->columns->len);
  g_autoptr (GPtrArray) titles = g_ptr_array_new ();
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < table->columns->len; i++) {
    const Column *column = &g_array_index (table->columns, Column, i);

    widths[i] = wb_ctl_display_width (column->title);
    g_ptr_array_add (titles, column->title);
  }
  g_ptr_array_add (titles, NULL);
  for (guint r = 0; r < table->rows->len; r++) {
    GStrv row = g_ptr_array_index (table->rows, r);

    for (guint i = 0; i < table->columns->len; i++)
      widths[i] = MAX (widths[i], wb_ctl_display_width (row[i]));
  }

  append_line (table, out, widths, (const char *const *) titles->pdata);
  for (guint r = 0; r < table->rows->len; r++)
    append_line (table, out, widths, g_ptr_array_index (table->rows, r));
  return g_string_free (out, FALSE);
}
