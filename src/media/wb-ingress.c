/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbIngress: source-address, size and version filter in front of rtpbin
 * (see wb-ingress.h).  Owned by WbParticipant; runs on the receiving threads.
 */
#define G_LOG_DOMAIN "wb-ingress"

#include "media/wb-ingress.h"

#include <gst/net/gstnetaddressmeta.h>

GST_DEBUG_CATEGORY_STATIC (wb_ingress_debug);
#define GST_CAT_DEFAULT wb_ingress_debug

/* Drops are logged at most once per this interval per ward and reason:
 * network input must not be able to flood the journal. */
#define LOG_INTERVAL_US (10 * G_USEC_PER_SEC)

struct _WbIngress {
  char *label;

  GMutex lock;                       /* guards everything below */
  GInetAddress *allowed;
  gboolean rtcp_encrypted;           /* SRTCP: only the first header is clear */
  WbIngressCounts counts;
  gint64 last_log_us[WB_INGRESS_N_VERDICTS];   /* 0: never logged */
  guint64 logged_at_count[WB_INGRESS_N_VERDICTS];
};

static void
ensure_debug_category (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (wb_ingress_debug, "wb-ingress", 0,
                             "wardbridge ingress filter");
    g_once_init_leave (&once, 1);
  }
}

WbIngress *
wb_ingress_new (const char   *label,
                GInetAddress *allowed)
{
  WbIngress *ingress = g_new0 (WbIngress, 1);

  ensure_debug_category ();
  ingress->label = g_strdup (label);
  g_mutex_init (&ingress->lock);
  ingress->allowed = allowed ? g_object_ref (allowed) : NULL;

  return ingress;
}

void
wb_ingress_free (WbIngress *ingress)
{
  if (ingress == NULL)
    return;

  g_clear_object (&ingress->allowed);
  g_mutex_clear (&ingress->lock);
  g_free (ingress->label);
  g_free (ingress);
}

void
wb_ingress_set_allowed_address (WbIngress    *ingress,
                                GInetAddress *allowed)
{
  g_mutex_lock (&ingress->lock);
  g_set_object (&ingress->allowed, allowed);
  g_mutex_unlock (&ingress->lock);
}

const char *
wb_ingress_verdict_to_string (WbIngressVerdict verdict)
{
  switch (verdict) {
    case WB_INGRESS_ACCEPT:
      return "accepted";
    case WB_INGRESS_DROP_FOREIGN:
      return "foreign";
    case WB_INGRESS_DROP_RUNT:
      return "runt";
    case WB_INGRESS_DROP_OVERSIZE:
      return "oversize";
    case WB_INGRESS_DROP_MALFORMED:
      return "malformed";
    case WB_INGRESS_N_VERDICTS:
    default:
      break;
  }
  return "unknown";
}

static GInetAddress *
buffer_source_address (GstBuffer *buffer)
{
  GstNetAddressMeta *meta = gst_buffer_get_net_address_meta (buffer);

  if (meta == NULL || !G_IS_INET_SOCKET_ADDRESS (meta->addr))
    return NULL;

  return g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (meta->addr));
}

/* Both RTP and RTCP carry the version in the top two bits of byte 0. */
static gboolean
has_version_2 (GstBuffer *buffer)
{
  guint8 first;

  if (gst_buffer_extract (buffer, 0, &first, 1) != 1)
    return FALSE;

  return (first >> 6) == 2;
}

/*
 * The items of an SDES packet's @chunks chunks (RFC 3550 §6.5) in @body
 * (the packet after its header): every item and every
 * chunk's end must lie inside it, and the chunks must fill it; a PRIV
 * item's prefix must lie inside the item.  GStreamer 1.22's rtpsession copies
 * SDES items by their own length byte without checking it against the
 * packet, so a forged length reads past the datagram.
 */
static gboolean
sdes_is_well_formed (const guint8 *body,
                     gsize         size,
                     guint         chunks)
{
  gsize offset = 0;

  for (guint c = 0; c < chunks; c++) {
    if (size - offset < 4)
      return FALSE;
    offset += 4;   /* SSRC/CSRC */
    for (;;) {
      if (offset >= size)
        return FALSE;   /* no END item */
      if (body[offset] == 0) {
        /* END, then null octets up to the next 32-bit boundary. */
        offset = (offset + 4) & ~(gsize) 3;
        if (offset > size)
          return FALSE;
        break;
      }
      if (size - offset < 2 || size - offset - 2 < body[offset + 1])
        return FALSE;
      /* PRIV (8): a prefix length, then the prefix, inside the item. */
      if (body[offset] == 8 &&
          (body[offset + 1] == 0 || body[offset + 2] > body[offset + 1] - 1))
        return FALSE;
      offset += 2 + body[offset + 1];
    }
  }
  /* Nothing after the last chunk: rtpsession reads on to the packet's end,
   * whatever the chunk count says. */
  return offset == size;
}

/* A BYE (RFC 3550 §6.6): @count SSRCs, then an optional reason inside it. */
static gboolean
bye_is_well_formed (const guint8 *body,
                    gsize         size,
                    guint         count)
{
  gsize offset = (gsize) count * 4;

  if (offset > size)
    return FALSE;
  return offset == size || size - offset - 1 >= body[offset];
}

/* The fixed part a packet of @type with @count (RC/FMT) must carry. */
static gsize
rtcp_min_body (guint8 type,
               guint  count)
{
  switch (type) {
    case 200:   /* SR: sender SSRC and info, then report blocks */
      return 24 + (gsize) count * 24;
    case 201:   /* RR: sender SSRC, then report blocks */
      return 4 + (gsize) count * 24;
    case 204:   /* APP: SSRC and name */
    case 205:   /* RTPFB: sender and media SSRC */
    case 206:   /* PSFB */
      return 8;
    default:
      return 0;
  }
}

gboolean
wb_ingress_rtcp_is_well_formed (const guint8 *data,
                                gsize         size)
{
  gsize offset = 0;

  if (size < 4)
    return FALSE;
  while (offset < size) {
    const guint8 *p = data + offset;
    gsize length, body;

    if (size - offset < 4 || (p[0] >> 6) != 2)
      return FALSE;
    length = ((gsize) ((p[2] << 8) | p[3]) + 1) * 4;
    if (length > size - offset)
      return FALSE;
    body = length - 4;
    /* Padding is there for encryption (RFC 3550 §6.4.1): plain RTCP has
     * none, and rtpsession would parse SDES items into it. */
    if (p[0] & 0x20)
      return FALSE;
    if (body < rtcp_min_body (p[1], p[0] & 0x1f))
      return FALSE;
    if (p[1] == 202 && !sdes_is_well_formed (p + 4, body, p[0] & 0x1f))
      return FALSE;
    if (p[1] == 203 && !bye_is_well_formed (p + 4, body, p[0] & 0x1f))
      return FALSE;
    offset += length;
  }
  return TRUE;
}

/* RTCP multiplexed on the RTP port (RFC 5761 §4): packet types 192-223
 * where RTP has its marker bit and payload type.  rtpsession parses these
 * as RTCP, so they must pass RTCP's checks too. */
static gboolean
looks_like_rtcp (GstBuffer *buffer)
{
  guint8 second;

  return gst_buffer_extract (buffer, 1, &second, 1) == 1 && second >= 192 && second <= 223;
}

static gboolean
rtcp_is_well_formed (GstBuffer *buffer)
{
  GstMapInfo map;
  gboolean ok;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  ok = wb_ingress_rtcp_is_well_formed (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  return ok;
}

void
wb_ingress_set_rtcp_encrypted (WbIngress *ingress,
                               gboolean   encrypted)
{
  g_return_if_fail (ingress != NULL);

  g_mutex_lock (&ingress->lock);
  ingress->rtcp_encrypted = encrypted;
  g_mutex_unlock (&ingress->lock);
}

/* Called with the lock held. */
static void
log_drop_locked (WbIngress        *ingress,
                 WbIngressVerdict  verdict,
                 GInetAddress     *from,
                 gsize             size)
{
  gint64 now = g_get_monotonic_time ();
  guint64 total = ingress->counts.dropped[verdict];
  g_autofree char *from_str = NULL;
  g_autofree char *line = NULL;

  if (ingress->last_log_us[verdict] != 0 &&
      now - ingress->last_log_us[verdict] < LOG_INTERVAL_US)
    return;

  from_str = from ? g_inet_address_to_string (from) : g_strdup ("(unknown)");
  line = g_strdup_printf ("%s: dropped %s datagram of %" G_GSIZE_FORMAT " bytes from %s "
                          "(%" G_GUINT64_FORMAT " %s drops so far, %" G_GUINT64_FORMAT
                          " since the last report)",
                          ingress->label, wb_ingress_verdict_to_string (verdict), size,
                          from_str, total, wb_ingress_verdict_to_string (verdict),
                          total - ingress->logged_at_count[verdict]);
  /* Once in GStreamer's debug log, and once in the hub's own log (the
   * journal), where IT staff look: GStreamer's log is off by default. */
  GST_WARNING ("%s", line);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "WB_WARD", ingress->label,
                    "WB_DROP_REASON", wb_ingress_verdict_to_string (verdict),
                    "MESSAGE", "%s", line);
  ingress->last_log_us[verdict] = now;
  ingress->logged_at_count[verdict] = total;
}

WbIngressVerdict
wb_ingress_check (WbIngress *ingress,
                  GstBuffer *buffer,
                  gboolean   rtcp)
{
  GInetAddress *from = buffer_source_address (buffer);
  gsize size = gst_buffer_get_size (buffer);
  gsize min_size = rtcp ? WB_INGRESS_MIN_RTCP_SIZE : WB_INGRESS_MIN_RTP_SIZE;
  WbIngressVerdict verdict;

  g_mutex_lock (&ingress->lock);

  /* Who sent it comes first: a foreign runt is counted as foreign. */
  if (from == NULL)
    verdict = WB_INGRESS_DROP_MALFORMED;
  else if (ingress->allowed == NULL || !g_inet_address_equal (from, ingress->allowed))
    verdict = WB_INGRESS_DROP_FOREIGN;
  else if (size < min_size)
    verdict = WB_INGRESS_DROP_RUNT;
  else if (size > WB_INGRESS_MAX_DATAGRAM)
    verdict = WB_INGRESS_DROP_OVERSIZE;
  else if (!has_version_2 (buffer))
    verdict = WB_INGRESS_DROP_MALFORMED;
  else if ((rtcp || looks_like_rtcp (buffer)) && !ingress->rtcp_encrypted &&
           !rtcp_is_well_formed (buffer))
    verdict = WB_INGRESS_DROP_MALFORMED;
  else
    verdict = WB_INGRESS_ACCEPT;

  if (verdict == WB_INGRESS_ACCEPT) {
    ingress->counts.accepted_packets++;
    ingress->counts.accepted_bytes += size;
  } else {
    ingress->counts.dropped[verdict]++;
    log_drop_locked (ingress, verdict, from, size);
  }

  g_mutex_unlock (&ingress->lock);

  return verdict;
}

typedef struct {
  WbIngress *ingress;
  gboolean rtcp;
} ProbeData;

static gboolean
filter_list_item (GstBuffer **buffer,
                  guint       idx,
                  gpointer    user_data)
{
  ProbeData *data = user_data;

  if (wb_ingress_check (data->ingress, *buffer, data->rtcp) != WB_INGRESS_ACCEPT)
    gst_clear_buffer (buffer);   /* removes it from the list */

  return TRUE;
}

static GstPadProbeReturn
ingress_probe (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  ProbeData *data = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

    if (wb_ingress_check (data->ingress, buffer, data->rtcp) != WB_INGRESS_ACCEPT)
      return GST_PAD_PROBE_DROP;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

    gst_buffer_list_foreach (list, filter_list_item, data);
    GST_PAD_PROBE_INFO_DATA (info) = list;
    if (gst_buffer_list_length (list) == 0)
      return GST_PAD_PROBE_DROP;
  }

  return GST_PAD_PROBE_OK;
}

gulong
wb_ingress_attach (WbIngress *ingress,
                   GstPad    *pad,
                   gboolean   rtcp)
{
  ProbeData *data = g_new0 (ProbeData, 1);

  data->ingress = ingress;
  data->rtcp = rtcp;

  return gst_pad_add_probe (pad,
                            GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                            ingress_probe, data, g_free);
}

void
wb_ingress_get_counts (WbIngress       *ingress,
                       WbIngressCounts *out)
{
  g_mutex_lock (&ingress->lock);
  *out = ingress->counts;
  g_mutex_unlock (&ingress->lock);
}

guint64
wb_ingress_counts_total_dropped (const WbIngressCounts *counts)
{
  guint64 total = 0;

  for (guint i = WB_INGRESS_DROP_FOREIGN; i < WB_INGRESS_N_VERDICTS; i++)
    total += counts->dropped[i];

  return total;
}
