/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wbudpsrc: see gstwbudpsrc.h.
 *
 * Threading: the receiver is one process-wide thread, made on first use
 * and kept for the life of the process, like GStreamer's system clock's.
 * Its table of registered sources (fd → element, a strong reference) and
 * the interval are guarded by its lock; the thread looks each ready fd up
 * under the lock and pushes with a reference of its own and without the
 * lock, so that an element can leave (PLAYING → PAUSED) while a push is on
 * its way: that push ends as any in-flight push of a basesrc does.  The
 * element's settings are guarded by its object lock; the address cache
 * and the counters below "receiver thread" belong to the receiver.
 */
#include "gstwbudpsrc.h"

#include <errno.h>
#include <gio/gio.h>
#include <gst/net/gstnetaddressmeta.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

GST_DEBUG_CATEGORY_STATIC (gst_wb_udp_src_debug);
#define GST_CAT_DEFAULT gst_wb_udp_src_debug

#define DEFAULT_BATCH_INTERVAL (5 * GST_MSECOND)
#define MAX_BATCH_INTERVAL GST_SECOND
/* Datagrams read with one recvmmsg(), and the most one socket gives in a
 * pass before the others have their turn. */
#define VLEN 16
#define MAX_PER_PASS 256
/* The largest UDP payload over IPv4, and then some. */
#define MAX_DATAGRAM 65536

enum
{
  PROP_0,
  PROP_SOCKET,
  PROP_CAPS,
  PROP_BATCH_INTERVAL,
};

struct _GstWbUdpSrc
{
  GstElement parent;

  GstPad *srcpad;

  /* object lock */
  GSocket *socket;
  GstCaps *caps;
  GstClockTime batch_interval;

  /* receiver lock */
  gint registered_fd;           /* -1: not registered */

  /* receiver thread */
  struct sockaddr_storage last_native;
  socklen_t last_native_len;
  GSocketAddress *last_address;
  gboolean warned;
  GstClockTime last_pts;        /* NONE: nothing pushed since registering */
};

G_DEFINE_TYPE_WITH_CODE (GstWbUdpSrc, gst_wb_udp_src, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_wb_udp_src_debug, "wbudpsrc", 0,
        "UDP source read by one shared thread"));

GST_ELEMENT_REGISTER_DEFINE (wbudpsrc, "wbudpsrc", GST_RANK_NONE,
    GST_TYPE_WB_UDP_SRC);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- the receiver ----------------------------------------------------- */

typedef struct
{
  GMutex lock;
  int epfd;
  GHashTable *sources;          /* fd → GstWbUdpSrc (strong) */
  GstClockTime interval;        /* the smallest of the sources' */
} Receiver;

/* Scratch space for one recvmmsg(): the receiver thread's alone. */
typedef struct
{
  struct mmsghdr msgs[VLEN];
  struct iovec iov[VLEN];
  struct sockaddr_storage names[VLEN];
  union
  {
    char buf[CMSG_SPACE (sizeof (struct timespec))];
    struct cmsghdr align;
  } control[VLEN];
  guint8 *data[VLEN];
} Scratch;

static void
recompute_interval_locked (Receiver * r)
{
  GHashTableIter iter;
  gpointer value;
  GstClockTime interval = MAX_BATCH_INTERVAL;

  g_hash_table_iter_init (&iter, r->sources);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    GstWbUdpSrc *src = value;
    GstClockTime i;

    GST_OBJECT_LOCK (src);
    i = src->batch_interval;
    GST_OBJECT_UNLOCK (src);
    interval = MIN (interval, i);
  }
  r->interval = interval;
}

static GstClockTime
timespec_to_ns (const struct timespec *ts)
{
  return (GstClockTime) ts->tv_sec * GST_SECOND + (GstClockTime) ts->tv_nsec;
}

static GstClockTime
realtime_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_REALTIME, &ts);
  return timespec_to_ns (&ts);
}

/* The kernel's receive time of a datagram (CLOCK_REALTIME), or NONE. */
static GstClockTime
arrival_realtime (struct msghdr *msg)
{
  for (struct cmsghdr * c = CMSG_FIRSTHDR (msg); c != NULL; c = CMSG_NXTHDR (msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;

      memcpy (&ts, CMSG_DATA (c), sizeof ts);
      return timespec_to_ns (&ts);
    }
  }
  return GST_CLOCK_TIME_NONE;
}

static GSocketAddress *
sender_address (GstWbUdpSrc * src, const struct sockaddr_storage *native, socklen_t len)
{
  if (src->last_address == NULL || len != src->last_native_len ||
      memcmp (native, &src->last_native, len) != 0) {
    g_clear_object (&src->last_address);
    src->last_address = g_socket_address_new_from_native ((gpointer) native, len);
    memcpy (&src->last_native, native, len);
    src->last_native_len = len;
  }
  return src->last_address;
}

/*
 * Reads what is waiting on @fd, up to MAX_PER_PASS datagrams, and pushes
 * each.  TRUE when it stopped at the limit with more perhaps waiting.
 */
static gboolean
drain (GstWbUdpSrc * src, int fd, Scratch * s)
{
  GstClock *clock;
  GstClockTime base_time = 0, clock_now = GST_CLOCK_TIME_NONE, real_now = 0;
  guint total = 0;

  GST_OBJECT_LOCK (src);
  clock = GST_ELEMENT_CLOCK (src) ? gst_object_ref (GST_ELEMENT_CLOCK (src)) : NULL;
  base_time = GST_ELEMENT_CAST (src)->base_time;
  GST_OBJECT_UNLOCK (src);

  while (total < MAX_PER_PASS) {
    int n;

    for (guint i = 0; i < VLEN; i++) {
      s->iov[i].iov_base = s->data[i];
      s->iov[i].iov_len = MAX_DATAGRAM;
      s->msgs[i].msg_hdr = (struct msghdr) {
        .msg_name = &s->names[i],
        .msg_namelen = sizeof s->names[i],
        .msg_iov = &s->iov[i],
        .msg_iovlen = 1,
        .msg_control = s->control[i].buf,
        .msg_controllen = sizeof s->control[i].buf,
      };
      s->msgs[i].msg_len = 0;
    }
    n = recvmmsg (fd, s->msgs, VLEN, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK && !src->warned) {
        GST_WARNING_OBJECT (src, "recvmmsg: %s", g_strerror (errno));
        src->warned = TRUE;
      }
      break;
    }
    if (clock != NULL) {
      /* One reading of both clocks per recvmmsg() maps the kernel's
       * receive times of what it returned to the pipeline clock.  The
       * realtime reading is bracketed by two of the pipeline clock and
       * paired with their midpoint, so that a preemption between the
       * readings errs by half its length, not by all of it. */
      GstClockTime before = gst_clock_get_time (clock), after;

      real_now = realtime_now ();
      after = gst_clock_get_time (clock);
      clock_now = after >= before ? before + (after - before) / 2 : after;
    }
    for (int i = 0; i < n; i++) {
      struct msghdr *msg = &s->msgs[i].msg_hdr;
      /* An empty datagram is an empty buffer, for the filter downstream
       * to count (gst_buffer_new_memdup() wants data). */
      GstBuffer *buffer = s->msgs[i].msg_len > 0 ?
          gst_buffer_new_memdup (s->data[i], s->msgs[i].msg_len) : gst_buffer_new ();
      GstFlowReturn flow;

      if (clock != NULL) {
        GstClockTime arrival = arrival_realtime (msg), at = clock_now, running;

        /* Not before the clock started, not in the future. */
        if (arrival != GST_CLOCK_TIME_NONE && arrival <= real_now &&
            real_now - arrival <= clock_now)
          at = clock_now - (real_now - arrival);
        running = at > base_time ? at - base_time : 0;
        /* The times of one socket's datagrams never go back.  Two
         * mappings differ by the error of their readings; and Linux turns
         * receive stamping on for the whole system a moment after the
         * first socket asks for it (a deferred work item), stamping
         * until then at reading, so a datagram read early in a process's
         * life can carry a later time than the next one. */
        if (src->last_pts != GST_CLOCK_TIME_NONE && running < src->last_pts)
          running = src->last_pts;
        src->last_pts = running;
        GST_BUFFER_PTS (buffer) = GST_BUFFER_DTS (buffer) = running;
      }
      if (msg->msg_namelen > 0 && msg->msg_namelen <= sizeof (struct sockaddr_storage)) {
        GSocketAddress *from = sender_address (src, msg->msg_name, msg->msg_namelen);

        if (from != NULL)
          gst_buffer_add_net_address_meta (buffer, from);
      }
      flow = gst_pad_push (src->srcpad, buffer);
      if (flow != GST_FLOW_OK)
        GST_LOG_OBJECT (src, "push: %s", gst_flow_get_name (flow));
    }
    total += (guint) n;
    if (n < VLEN)
      break;
  }
  if (clock != NULL)
    gst_object_unref (clock);

  return total >= MAX_PER_PASS;
}

static void
sleep_until (gint64 deadline_us)
{
  struct timespec ts = {
    .tv_sec = deadline_us / G_USEC_PER_SEC,
    .tv_nsec = (deadline_us % G_USEC_PER_SEC) * 1000,
  };

  /* g_get_monotonic_time() is CLOCK_MONOTONIC on Linux. */
  while (clock_nanosleep (CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
    ;
}

static gpointer
receiver_thread (gpointer data)
{
  Receiver *r = data;
  Scratch *s = g_new0 (Scratch, 1);
  struct epoll_event events[64];

  for (guint i = 0; i < VLEN; i++)
    s->data[i] = g_malloc (MAX_DATAGRAM);

  for (;;) {
    int n = epoll_wait (r->epfd, events, G_N_ELEMENTS (events), -1);
    gint64 woke = g_get_monotonic_time ();
    gboolean more = FALSE;
    GstClockTime interval;

    if (n < 0) {
      if (errno != EINTR)
        g_error ("wbudpsrc: epoll_wait: %s", g_strerror (errno));
      continue;
    }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      GstWbUdpSrc *src;

      g_mutex_lock (&r->lock);
      src = g_hash_table_lookup (r->sources, GINT_TO_POINTER (fd));
      if (src != NULL)
        gst_object_ref (src);
      g_mutex_unlock (&r->lock);
      if (src == NULL)
        continue;               /* left since epoll_wait() returned */
      more |= drain (src, fd, s);
      gst_object_unref (src);
    }

    g_mutex_lock (&r->lock);
    interval = r->interval;
    g_mutex_unlock (&r->lock);
    if (!more && interval > 0)
      sleep_until (woke + (gint64) (interval / GST_USECOND));
  }

  return NULL;
}

static Receiver *
receiver_get (void)
{
  static gsize once;
  static Receiver *receiver;

  if (g_once_init_enter (&once)) {
    Receiver *r = g_new0 (Receiver, 1);

    g_mutex_init (&r->lock);
    r->sources = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, gst_object_unref);
    r->interval = DEFAULT_BATCH_INTERVAL;
    r->epfd = epoll_create1 (EPOLL_CLOEXEC);
    if (r->epfd < 0)
      g_error ("wbudpsrc: epoll_create1: %s", g_strerror (errno));
    /* Lives as long as the process: never joined. */
    g_thread_unref (g_thread_new ("wb-udp-recv", receiver_thread, r));
    receiver = r;
    g_once_init_leave (&once, 1);
  }
  return receiver;
}

static gboolean
receiver_add (GstWbUdpSrc * src, GError ** error)
{
  Receiver *r = receiver_get ();
  struct epoll_event event = { .events = EPOLLIN };
  int one = 1, fd;
  GSocket *socket;

  GST_OBJECT_LOCK (src);
  socket = src->socket ? g_object_ref (src->socket) : NULL;
  GST_OBJECT_UNLOCK (src);
  if (socket == NULL) {
    g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "no \"socket\" set");
    return FALSE;
  }
  fd = g_socket_get_fd (socket);
  g_object_unref (socket);      /* the element holds it while registered */

  /* The kernel's receive time: a datagram may wait in the socket up to
   * the batch interval before this thread reads it. */
  if (setsockopt (fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) < 0)
    GST_WARNING_OBJECT (src, "SO_TIMESTAMPNS: %s", g_strerror (errno));

  g_mutex_lock (&r->lock);
  if (src->registered_fd >= 0) {
    g_mutex_unlock (&r->lock);
    return TRUE;
  }
  if (g_hash_table_contains (r->sources, GINT_TO_POINTER (fd))) {
    g_mutex_unlock (&r->lock);
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
        "socket %d is read by another wbudpsrc", fd);
    return FALSE;
  }
  event.data.fd = fd;
  if (epoll_ctl (r->epfd, EPOLL_CTL_ADD, fd, &event) < 0) {
    int saved = errno;

    g_mutex_unlock (&r->lock);
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
        "epoll_ctl (ADD, %d): %s", fd, g_strerror (saved));
    return FALSE;
  }
  /* The thread reads this only after finding @src in the table. */
  src->last_pts = GST_CLOCK_TIME_NONE;
  g_hash_table_insert (r->sources, GINT_TO_POINTER (fd), gst_object_ref (src));
  src->registered_fd = fd;
  recompute_interval_locked (r);
  g_mutex_unlock (&r->lock);

  GST_DEBUG_OBJECT (src, "reading socket %d", fd);
  return TRUE;
}

static void
receiver_remove (GstWbUdpSrc * src)
{
  Receiver *r = receiver_get ();
  int fd;

  g_mutex_lock (&r->lock);
  fd = src->registered_fd;
  if (fd < 0) {
    g_mutex_unlock (&r->lock);
    return;
  }
  src->registered_fd = -1;
  if (epoll_ctl (r->epfd, EPOLL_CTL_DEL, fd, NULL) < 0)
    GST_WARNING_OBJECT (src, "epoll_ctl (DEL, %d): %s", fd, g_strerror (errno));
  /* Drops the table's reference: not the last, the caller holds one. */
  g_hash_table_remove (r->sources, GINT_TO_POINTER (fd));
  recompute_interval_locked (r);
  g_mutex_unlock (&r->lock);

  GST_DEBUG_OBJECT (src, "no longer reading socket %d", fd);
}

/* ---- the element ------------------------------------------------------ */

static gboolean
gst_wb_udp_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstWbUdpSrc *src = GST_WB_UDP_SRC (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:
      /* Live, and nothing of its own: see the header. */
      gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
      return TRUE;
    case GST_QUERY_CAPS:{
      GstCaps *filter, *caps;

      gst_query_parse_caps (query, &filter);
      GST_OBJECT_LOCK (src);
      caps = src->caps ? gst_caps_ref (src->caps) : gst_caps_new_any ();
      GST_OBJECT_UNLOCK (src);
      if (filter != NULL) {
        GstCaps *both = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);

        gst_caps_unref (caps);
        caps = both;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* stream-start, caps, segment: stored on the pad, sent before its first
 * datagram (or at once where it is linked). */
static void
push_sticky_events (GstWbUdpSrc * src)
{
  g_autofree char *stream_id = gst_pad_create_stream_id (src->srcpad, GST_ELEMENT_CAST (src), NULL);
  GstEvent *event = gst_event_new_stream_start (stream_id);
  GstCaps *caps;
  GstSegment segment;

  gst_event_set_group_id (event, gst_util_group_id_next ());
  gst_pad_push_event (src->srcpad, event);

  GST_OBJECT_LOCK (src);
  caps = src->caps ? gst_caps_ref (src->caps) : NULL;
  GST_OBJECT_UNLOCK (src);
  if (caps != NULL) {
    gst_pad_push_event (src->srcpad, gst_event_new_caps (caps));
    gst_caps_unref (caps);
  }

  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (src->srcpad, gst_event_new_segment (&segment));
}

static GstStateChangeReturn
gst_wb_udp_src_change_state (GstElement * element, GstStateChange transition)
{
  GstWbUdpSrc *src = GST_WB_UDP_SRC (element);
  GstStateChangeReturn ret;
  g_autoptr (GError) error = NULL;

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      if (!receiver_add (src, &error)) {
        GST_ELEMENT_ERROR (src, RESOURCE, OPEN_READ, (NULL), ("%s", error->message));
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      receiver_remove (src);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_wb_udp_src_parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING)
      receiver_remove (src);
    return ret;
  }

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      push_sticky_events (src);
      return GST_STATE_CHANGE_NO_PREROLL;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      return GST_STATE_CHANGE_NO_PREROLL;
    default:
      break;
  }
  return ret;
}

static void
gst_wb_udp_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWbUdpSrc *src = GST_WB_UDP_SRC (object);

  switch (prop_id) {
    case PROP_SOCKET:
      /* Read when the element starts playing. */
      GST_OBJECT_LOCK (src);
      g_clear_object (&src->socket);
      src->socket = g_value_dup_object (value);
      GST_OBJECT_UNLOCK (src);
      break;
    case PROP_CAPS:
      GST_OBJECT_LOCK (src);
      gst_clear_caps (&src->caps);
      src->caps = g_value_dup_boxed (value);
      GST_OBJECT_UNLOCK (src);
      break;
    case PROP_BATCH_INTERVAL:
      GST_OBJECT_LOCK (src);
      src->batch_interval = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (src);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_wb_udp_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstWbUdpSrc *src = GST_WB_UDP_SRC (object);

  GST_OBJECT_LOCK (src);
  switch (prop_id) {
    case PROP_SOCKET:
      g_value_set_object (value, src->socket);
      break;
    case PROP_CAPS:
      g_value_set_boxed (value, src->caps);
      break;
    case PROP_BATCH_INTERVAL:
      g_value_set_uint64 (value, src->batch_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (src);
}

static void
gst_wb_udp_src_finalize (GObject * object)
{
  GstWbUdpSrc *src = GST_WB_UDP_SRC (object);

  g_clear_object (&src->socket);
  gst_clear_caps (&src->caps);
  g_clear_object (&src->last_address);

  G_OBJECT_CLASS (gst_wb_udp_src_parent_class)->finalize (object);
}

static void
gst_wb_udp_src_class_init (GstWbUdpSrcClass * klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->set_property = gst_wb_udp_src_set_property;
  object_class->get_property = gst_wb_udp_src_get_property;
  object_class->finalize = gst_wb_udp_src_finalize;

  g_object_class_install_property (object_class, PROP_SOCKET,
      g_param_spec_object ("socket", "Socket",
          "A bound UDP socket to read (not closed by the element)",
          G_TYPE_SOCKET, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PROP_CAPS,
      g_param_spec_boxed ("caps", "Caps", "The caps of what the socket receives",
          GST_TYPE_CAPS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (object_class, PROP_BATCH_INTERVAL,
      g_param_spec_uint64 ("batch-interval", "Batch interval",
          "Least time (ns) between two wake-ups of the shared receiving thread "
          "(the smallest of all registered sources' counts; 0: wake for every datagram)",
          0, MAX_BATCH_INTERVAL, DEFAULT_BATCH_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  element_class->change_state = gst_wb_udp_src_change_state;
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "UDP source on a shared thread", "Source/Network",
      "Reads a bound UDP socket from one thread shared by every wbudpsrc, "
      "waking once per batch interval for whatever arrived",
      "wardbridge");
}

static void
gst_wb_udp_src_init (GstWbUdpSrc * src)
{
  src->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (src->srcpad, gst_wb_udp_src_query);
  gst_pad_use_fixed_caps (src->srcpad);
  gst_element_add_pad (GST_ELEMENT_CAST (src), src->srcpad);

  src->batch_interval = DEFAULT_BATCH_INTERVAL;
  src->registered_fd = -1;
  src->last_pts = GST_CLOCK_TIME_NONE;
  GST_OBJECT_FLAG_SET (src, GST_ELEMENT_FLAG_SOURCE);
}
