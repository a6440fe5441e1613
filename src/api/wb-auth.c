/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbAuth: token digests and constant-time lookup.
 */
#include "wb-auth.h"

#include <string.h>

#define DIGEST_LEN 32   /* SHA-256 */

typedef struct {
  guint8 digest[DIGEST_LEN];
  WbIdentity identity;
} Entry;

struct _WbAuth {
  gatomicrefcount ref_count;
  GArray *entries;    /* Entry */
};

const char *
wb_role_to_string (WbRole role)
{
  switch (role) {
  case WB_ROLE_ADMIN: return "admin";
  case WB_ROLE_SCHEDULER: return "scheduler";
  case WB_ROLE_ENDPOINT: return "endpoint";
  case WB_ROLE_NONE:
  default: return "none";
  }
}

WbIdentity *
wb_identity_copy (const WbIdentity *identity)
{
  WbIdentity *copy = g_new0 (WbIdentity, 1);

  copy->role = identity->role;
  copy->id = g_strdup (identity->id);
  copy->ward_id = g_strdup (identity->ward_id);
  copy->name = g_strdup (identity->name);
  return copy;
}

static void
identity_clear (WbIdentity *identity)
{
  g_clear_pointer (&identity->id, g_free);
  g_clear_pointer (&identity->ward_id, g_free);
  g_clear_pointer (&identity->name, g_free);
}

void
wb_identity_free (WbIdentity *identity)
{
  if (identity == NULL)
    return;
  identity_clear (identity);
  g_free (identity);
}

void
wb_identity_to_actor (const WbIdentity *identity, WbActor *actor)
{
  actor->role = wb_role_to_string (identity->role);
  actor->id = identity->id;
  actor->name = identity->name;
}

static void
digest (const char *token, guint8 out[DIGEST_LEN])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = DIGEST_LEN;

  g_checksum_update (sum, (const guchar *) token, strlen (token));
  g_checksum_get_digest (sum, out, &len);
  g_assert (len == DIGEST_LEN);
}

static void
add_entry (WbAuth *auth, const char *token, WbRole role, char *id, const char *ward_id, const char *name)
{
  Entry entry = { 0 };

  digest (token, entry.digest);
  entry.identity.role = role;
  entry.identity.id = id;
  entry.identity.ward_id = g_strdup (ward_id);
  entry.identity.name = g_strdup (name);
  g_array_append_val (auth->entries, entry);
}

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  identity_clear (&entry->identity);
  memset (entry->digest, 0, sizeof entry->digest);
}

WbAuth *
wb_auth_new (const WbConfig *config)
{
  WbAuth *auth = g_new0 (WbAuth, 1);

  g_atomic_ref_count_init (&auth->ref_count);
  auth->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (auth->entries, entry_clear);

  for (guint i = 0; config->admin_tokens[i] != NULL; i++)
    add_entry (auth, config->admin_tokens[i], WB_ROLE_ADMIN,
               g_strdup_printf ("admin#%u", i + 1), NULL, NULL);
  for (guint i = 0; config->scheduler_tokens[i] != NULL; i++)
    add_entry (auth, config->scheduler_tokens[i], WB_ROLE_SCHEDULER,
               g_strdup_printf ("scheduler#%u", i + 1), NULL, NULL);
  for (guint i = 0; i < config->endpoints->len; i++) {
    const WbEndpointConfig *ep = g_ptr_array_index (config->endpoints, i);
    if (ep->token != NULL)
      add_entry (auth, ep->token, WB_ROLE_ENDPOINT,
                 g_strdup_printf ("endpoint:%s", ep->id), ep->id, ep->name);
  }
  return auth;
}

WbAuth *
wb_auth_ref (WbAuth *auth)
{
  g_atomic_ref_count_inc (&auth->ref_count);
  return auth;
}

void
wb_auth_unref (WbAuth *auth)
{
  if (!g_atomic_ref_count_dec (&auth->ref_count))
    return;
  g_array_unref (auth->entries);
  g_free (auth);
}

const WbIdentity *
wb_auth_lookup (WbAuth *auth, const char *token)
{
  guint8 presented[DIGEST_LEN];
  const WbIdentity *found = NULL;

  g_return_val_if_fail (auth != NULL, NULL);

  if (token == NULL || *token == '\0')
    return NULL;
  digest (token, presented);

  /* Every entry is compared, in full, whatever matched before: the time
   * taken does not depend on which token (if any) matched, nor where. */
  for (guint i = 0; i < auth->entries->len; i++) {
    const Entry *entry = &g_array_index (auth->entries, Entry, i);
    volatile guint8 diff = 0;

    for (guint k = 0; k < DIGEST_LEN; k++)
      diff |= entry->digest[k] ^ presented[k];
    /* Branch-free select of the matching entry. */
    {
      guintptr mask = (guintptr) 0 - (guintptr) (diff == 0);
      found = (const WbIdentity *) (((guintptr) &entry->identity & mask) |
                                    ((guintptr) found & ~mask));
    }
  }
  return found;
}

const char *
wb_auth_token_from_headers (SoupMessageHeaders *headers, const char *query_token)
{
  const char *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL)
    return query_token;
  if (g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;
  value += 7;
  while (*value == ' ')
    value++;
  return *value != '\0' ? value : NULL;
}
