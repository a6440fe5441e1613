/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbCtlTable: the aligned text tables of wardbridgectl.  Columns are as
 * wide as their widest cell in terminal columns, not bytes: the text is
 * taken in NFC, combining marks take no column and East Asian wide
 * characters take two, so "Phường Đồng Bẩm" lines up whether the hub sent
 * it composed or decomposed.  Control characters from the hub are shown
 * as U+FFFD so that no cell can drive the terminal.  Owned by the command
 * that prints it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  WB_CTL_ALIGN_LEFT,
  WB_CTL_ALIGN_RIGHT,
} WbCtlAlign;

typedef struct _WbCtlTable WbCtlTable;

/* Terminal columns that @text (UTF-8) takes once in NFC. */
gsize wb_ctl_display_width (const char *text);
/* @text in NFC with control characters replaced (newly allocated). */
char *wb_ctl_sanitize (const char *text);

WbCtlTable *wb_ctl_table_new  (void);
void        wb_ctl_table_free (WbCtlTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbCtlTable, wb_ctl_table_free)

/* Columns first, then rows; a row has one cell per column. */
void  wb_ctl_table_add_column (WbCtlTable *table,
                               const char *title,
                               WbCtlAlign  align);
void  wb_ctl_table_add_row    (WbCtlTable *table,
                               ...) G_GNUC_NULL_TERMINATED;
void  wb_ctl_table_add_rowv   (WbCtlTable        *table,
                               const char *const *cells);
guint wb_ctl_table_get_n_rows (WbCtlTable *table);
/* The table as text: a title line, then one line per row, two spaces
 * between columns, no trailing spaces. */
char *wb_ctl_table_render     (WbCtlTable *table);

G_END_DECLS
