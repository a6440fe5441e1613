/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbAuth: who a bearer token belongs to.  Built from a WbConfig ([auth]
 * admin-tokens and scheduler-tokens, [endpoint ID] token) and replaced as a
 * whole when the configuration is reloaded.  Only SHA-256 digests of the
 * tokens are kept, and a presented token is compared with every one of them
 * in constant time, so neither the answer's timing nor a memory dump gives
 * a token away.  Identities name a token ("admin#1", "scheduler#2",
 * "endpoint:ward-03") without revealing it; they go to the audit log.
 *
 * Owned by WbApi; immutable once built.
 */
#pragma once

#include <glib.h>
#include <libsoup/soup.h>

#include "common/wb-config.h"
#include "store/wb-store.h"

G_BEGIN_DECLS

typedef enum {
  WB_ROLE_NONE      = 0,
  WB_ROLE_ADMIN     = 1 << 0,
  WB_ROLE_SCHEDULER = 1 << 1,
  WB_ROLE_ENDPOINT  = 1 << 2,
} WbRole;

#define WB_ROLE_ANY (WB_ROLE_ADMIN | WB_ROLE_SCHEDULER | WB_ROLE_ENDPOINT)

const char *wb_role_to_string (WbRole role);

typedef struct {
  WbRole role;
  char *id;        /* "admin#1", "scheduler#1", "endpoint:ward-03" */
  char *ward_id;   /* endpoint role: the ward; NULL otherwise */
  char *name;      /* endpoint role: the ward's name; NULL otherwise */
} WbIdentity;

WbIdentity *wb_identity_copy (const WbIdentity *identity);
void        wb_identity_free (WbIdentity *identity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbIdentity, wb_identity_free)

/* The actor for the store's audit rows; borrows @identity's strings. */
void wb_identity_to_actor (const WbIdentity *identity,
                           WbActor          *actor);

typedef struct _WbAuth WbAuth;

WbAuth *wb_auth_new   (const WbConfig *config);
WbAuth *wb_auth_ref   (WbAuth *auth);
void    wb_auth_unref (WbAuth *auth);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbAuth, wb_auth_unref)

/* The identity that @token belongs to, or NULL. */
const WbIdentity *wb_auth_lookup (WbAuth     *auth,
                                  const char *token);

/* The token of a request: "Authorization: Bearer TOKEN", or, when
 * @query_token is not NULL and there is no Authorization header, that. */
const char *wb_auth_token_from_headers (SoupMessageHeaders *headers,
                                        const char         *query_token);

G_END_DECLS
