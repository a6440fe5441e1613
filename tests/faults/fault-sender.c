/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * FaultSender: a misbehaving or impaired ward's audio sender (see
 * fault-sender.h).
 */
#include "fault-sender.h"

#include <string.h>

#include "test-ward.h"

struct _FaultSender {
  FaultSenderOptions options;
  char *bind_address;

  GSocket *send_socket;      /* the box's source address and port */
  GSocket *receive_socket;   /* the box's even receive port */
  guint receive_port;

  GstElement *pipeline;      /* NULL while stopped */

  /* Written by streaming threads, read by the test: atomics. */
  gint made;
  gint passed;

  GMutex lock;               /* guards the window below (netsim's threads) */
  gboolean seen;
  gint64 last_ext;           /* extended sequence numbers passed */
  gint64 min_ext;
  gint64 max_ext;
  guint64 window_passed;

  guint64 received;
  guint64 received_at_send;
};

static GSocket *
bind_udp (const char *address,
          guint       port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr (GSocketAddress) where = NULL;
  g_autoptr (GSocket) socket = NULL;

  g_assert_nonnull (inet);
  where = g_inet_socket_address_new (inet, port);
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, where, FALSE, &error);
  g_assert_no_error (error);
  /* Blocking: udpsink must never see EAGAIN (it would drop the packet
   * behind netsim's back); the test polls with non-blocking reads. */
  return g_steal_pointer (&socket);
}

FaultSender *
fault_sender_new (const FaultSenderOptions *options)
{
  FaultSender *sender = g_new0 (FaultSender, 1);

  sender->options = *options;
  sender->bind_address = g_strdup (options->bind_address ? options->bind_address : "127.0.0.1");
  sender->options.bind_address = sender->bind_address;
  g_mutex_init (&sender->lock);
  sender->send_socket = bind_udp (sender->bind_address, 0);
  sender->receive_socket = test_bind_even_port (&sender->receive_port);

  return sender;
}

void
fault_sender_free (FaultSender *sender)
{
  if (sender == NULL)
    return;

  fault_sender_stop (sender);
  g_socket_close (sender->send_socket, NULL);
  g_socket_close (sender->receive_socket, NULL);
  g_clear_object (&sender->send_socket);
  g_clear_object (&sender->receive_socket);
  g_mutex_clear (&sender->lock);
  g_free (sender->bind_address);
  g_free (sender);
}

guint
fault_sender_get_receive_port (FaultSender *sender)
{
  return sender->receive_port;
}

static GstPadProbeReturn
count_buffer (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

/* On netsim's src pad: counts the packet and widens the window of
 * sequence numbers, unwrapped against the previous one. */
static GstPadProbeReturn
note_passed (GstPad          *pad,
             GstPadProbeInfo *info,
             gpointer         user_data)
{
  FaultSender *sender = user_data;
  guint8 header[4];
  guint16 seq;

  if (gst_buffer_extract (GST_PAD_PROBE_INFO_BUFFER (info), 0, header, 4) != 4)
    return GST_PAD_PROBE_OK;
  seq = (guint16) ((header[2] << 8) | header[3]);

  g_mutex_lock (&sender->lock);
  if (!sender->seen) {
    sender->seen = TRUE;
    sender->last_ext = sender->min_ext = sender->max_ext = seq;
  } else {
    sender->last_ext += (gint16) (seq - (guint16) sender->last_ext);
    sender->min_ext = MIN (sender->min_ext, sender->last_ext);
    sender->max_ext = MAX (sender->max_ext, sender->last_ext);
  }
  sender->window_passed++;
  g_mutex_unlock (&sender->lock);

  return GST_PAD_PROBE_OK;
}

double
fault_sender_get_injected_loss_pct (FaultSender *sender)
{
  double pct = 0.0;

  g_mutex_lock (&sender->lock);
  if (sender->seen) {
    double span = (double) (sender->max_ext - sender->min_ext + 1);

    pct = 100.0 * (span - (double) sender->window_passed) / span;
  }
  g_mutex_unlock (&sender->lock);
  return pct;
}

static void
add_counter (GstElement *element,
             const char *pad_name,
             gint       *counter)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, pad_name);

  g_assert_nonnull (pad);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, counter, NULL);
}

void
fault_sender_start (FaultSender *sender,
                    guint        hub_audio_port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pay = NULL;
  g_autoptr (GstElement) sim = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autofree char *desc = NULL;
  const FaultSenderOptions *o = &sender->options;

  g_assert_null (sender->pipeline);
  desc = g_strdup_printf (
      "audiotestsrc is-live=true wave=sine freq=%f volume=%f samplesperbuffer=960 ! "
      "audio/x-raw,format=S16LE,rate=48000,channels=1 ! opusenc bitrate=32000 ! "
      "rtpopuspay name=pay pt=111 seqnum-offset=%d ! netsim name=sim ! "
      "udpsink name=out host=127.0.0.1 port=%u sync=false async=false",
      o->tone_hz, o->volume, o->seqnum_offset, hub_audio_port);
  sender->pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);

  pay = gst_bin_get_by_name (GST_BIN (sender->pipeline), "pay");
  sim = gst_bin_get_by_name (GST_BIN (sender->pipeline), "sim");
  sink = gst_bin_get_by_name (GST_BIN (sender->pipeline), "out");
  if (o->fixed_ssrc)
    g_object_set (pay, "ssrc", o->ssrc, NULL);
  g_object_set (sim,
                "drop-probability", (gfloat) o->drop_probability,
                "delay-probability", (gfloat) o->delay_probability,
                "min-delay", o->min_delay_ms,
                "max-delay", o->max_delay_ms,
                "allow-reordering", TRUE,
                NULL);
  g_object_set (sink, "socket", sender->send_socket, "close-socket", FALSE, NULL);
  add_counter (sim, "sink", &sender->made);
  add_counter (sim, "src", &sender->passed);
  {
    g_autoptr (GstPad) src = gst_element_get_static_pad (sim, "src");

    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, note_passed, sender, NULL);
  }

  g_assert_cmpint (gst_element_set_state (sender->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

void
fault_sender_stop (FaultSender *sender)
{
  if (sender->pipeline == NULL)
    return;
  gst_element_set_state (sender->pipeline, GST_STATE_NULL);
  g_clear_pointer (&sender->pipeline, gst_object_unref);
}

guint64
fault_sender_get_packets_made (FaultSender *sender)
{
  return (guint64) g_atomic_int_get (&sender->made);
}

guint64
fault_sender_get_packets_passed (FaultSender *sender)
{
  return (guint64) g_atomic_int_get (&sender->passed);
}

/* Bounded: a socket cannot keep the test here for ever. */
static guint64
drain (GSocket *socket)
{
  guint64 n = 0;
  char buffer[2048];

  for (guint i = 0; i < 100000; i++) {
    gssize got = g_socket_receive_with_blocking (socket, buffer, sizeof buffer, FALSE, NULL, NULL);

    if (got < 0)
      break;
    n++;
  }
  return n;
}

guint64
fault_sender_poll_received (FaultSender *sender)
{
  sender->received += drain (sender->receive_socket);
  return sender->received;
}

guint64
fault_sender_poll_received_at_send (FaultSender *sender)
{
  sender->received_at_send += drain (sender->send_socket);
  return sender->received_at_send;
}

/* Datagrams the kernel dropped at the UDP sockets bound to @port and
 * @port + 1 (the last column of /proc/net/udp): a flood can overflow a
 * socket's buffer before the filter ever sees a datagram. */
guint64
fault_udp_kernel_drops (guint port)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint64 drops = 0;

  g_assert_true (g_file_get_contents ("/proc/self/net/udp", &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++) {
    g_auto (GStrv) cols = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
    g_autoptr (GPtrArray) fields = g_ptr_array_new ();
    const char *colon;
    guint64 local_port;

    for (guint k = 0; cols[k] != NULL; k++) {
      if (cols[k][0] != '\0')
        g_ptr_array_add (fields, cols[k]);
    }
    if (fields->len < 13)
      continue;
    colon = strchr (g_ptr_array_index (fields, 1), ':');
    if (colon == NULL)
      continue;
    local_port = g_ascii_strtoull (colon + 1, NULL, 16);
    if (local_port == port || local_port == port + 1)
      drops += g_ascii_strtoull (g_ptr_array_index (fields, fields->len - 1), NULL, 10);
  }
  return drops;
}
