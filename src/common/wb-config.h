/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * WbConfig: the hub's configuration, loaded from one GKeyFile and validated
 * as a whole (DESIGN.md §5).  A WbConfig is immutable once loaded; a reload
 * (SIGHUP) loads a new one and the daemon swaps the parts that may change at
 * run time.  Reference counted: whoever keeps one holds a reference.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WB_CONFIG_ERROR (wb_config_error_quark ())
GQuark wb_config_error_quark (void);

typedef enum {
  WB_CONFIG_ERROR_INVALID,   /* one or more problems; see the problem list */
} WbConfigError;

typedef enum {
  WB_ENDPOINT_KIND_PHUONG,
  WB_ENDPOINT_KIND_XA,
} WbEndpointKind;

typedef enum {
  WB_ENDPOINT_MODE_AGENT,
  WB_ENDPOINT_MODE_STATIC,
} WbEndpointMode;

typedef enum {
  WB_AUDIO_CODEC_OPUS,
  WB_AUDIO_CODEC_PCMA,
  WB_AUDIO_CODEC_PCMU,
} WbAudioCodec;

typedef enum {
  WB_VIDEO_CODEC_H264,
  WB_VIDEO_CODEC_VP8,
} WbVideoCodec;

typedef enum {
  WB_LAYOUT_GRID,
  WB_LAYOUT_SPEAKER,
  WB_LAYOUT_PRESENTER,
  WB_LAYOUT_SINGLE,
} WbLayoutKind;

/* [media] audio-jitter: what times a ward's incoming audio. */
typedef enum {
  WB_AUDIO_JITTER_INLINE,           /* wbrtpjitter, in the receiving thread */
  WB_AUDIO_JITTER_RTPJITTERBUFFER,  /* rtpbin's own, a thread per ward */
} WbAudioJitter;

/* [media] receive: what reads the hub's sockets. */
typedef enum {
  WB_RECEIVE_SHARED,       /* wbudpsrc: one thread for every socket, in batches */
  WB_RECEIVE_PER_SOCKET,   /* udpsrc: a thread per socket, woken per datagram */
} WbReceive;

/* One ward's box: [endpoint ID] */
typedef struct {
  char *id;                 /* "ward-01": the group name after "endpoint " */
  char *name;               /* "Phường Cam Giá", UTF-8 */
  WbEndpointKind kind;
  WbEndpointMode mode;
  char *token;              /* agent mode: required; static: optional */
  char *address;            /* static: required; agent: NULL */
  guint audio_port;         /* static: required; 0 otherwise */
  guint video_port;
  WbAudioCodec audio_codec;
  WbVideoCodec video_codec;
  gboolean srtp;
} WbEndpointConfig;

typedef struct {
  /* [hub] */
  char *public_address;     /* may be NULL: the address the API was reached on */
  guint rtp_port_min;
  guint rtp_port_max;

  /* [http] */
  char *http_address;
  guint http_port;
  char *tls_certificate;    /* NULL when TLS is off */
  char *tls_key;
  gsize max_body_bytes;
  GStrv metrics_allow;      /* who may read /metrics: "address/prefix" masks */

  /* [media] */
  guint width;
  guint height;
  guint framerate;
  guint video_bitrate_kbps;
  guint audio_bitrate_kbps;
  guint audio_expected_loss_percent;  /* Opus in-band FEC plans for it; 0: no FEC;
                                       * WB_AUDIO_EXPECTED_LOSS_AUTO: reported loss */
  guint jitter_ms;
  WbAudioJitter audio_jitter;
  WbReceive receive;
  guint receive_batch_ms;     /* the shared receiving thread's least wake-up interval */
  WbLayoutKind layout;
  gboolean mix_gate;          /* only talking wards enter the mix */
  gboolean paced_output;      /* mixer and compositor always wait their full latency */

  /* [store] */
  char *state_dir;

  /* [auth] */
  GStrv admin_tokens;       /* never NULL, may be empty */
  GStrv scheduler_tokens;

  /* [endpoint *], in file order */
  GPtrArray *endpoints;     /* element-type WbEndpointConfig */

  /* Where it came from */
  char *path;
} WbConfig;

/* Defaults, shared with config/wardbridged.conf and the tests. */
#define WB_DEFAULT_RTP_PORT_MIN      40000
#define WB_DEFAULT_RTP_PORT_MAX      40999
#define WB_DEFAULT_HTTP_ADDRESS      "0.0.0.0"
#define WB_DEFAULT_HTTP_PORT         8080
#define WB_DEFAULT_MAX_BODY_BYTES    65536
#define WB_DEFAULT_METRICS_ALLOW     "127.0.0.0/8;::1/128"
#define WB_DEFAULT_WIDTH             1280
#define WB_DEFAULT_HEIGHT            720
#define WB_DEFAULT_FRAMERATE         25
#define WB_DEFAULT_VIDEO_KBPS        1500
#define WB_DEFAULT_AUDIO_KBPS        32
/* What the hub's Opus encoders plan for: libopus puts in-band FEC in its
 * packets only for an expected loss above 0, and then codes 32 kb/s mono
 * voice with SILK or hybrid instead of CELT, about 5x the CPU per encode.
 * WB_AUDIO_EXPECTED_LOSS_AUTO (`auto`, the default): each encoder follows
 * the loss that the boxes it sends to report in their RTCP receiver
 * reports, up to WB_AUDIO_EXPECTED_LOSS_MAX (see wb_fec_plan_update()). */
#define WB_AUDIO_EXPECTED_LOSS_AUTO  G_MAXUINT
#define WB_AUDIO_EXPECTED_LOSS_MAX   20
#define WB_DEFAULT_AUDIO_EXPECTED_LOSS_PERCENT WB_AUDIO_EXPECTED_LOSS_AUTO

/* "auto" or a whole number from 0 to WB_AUDIO_EXPECTED_LOSS_MAX into
 * @percent; else FALSE and @reason (free it) says why.  The hub's [media]
 * and the agent's [capture] audio-expected-loss-percent. */
gboolean wb_config_parse_expected_loss (const char  *text,
                                        guint       *percent,
                                        char       **reason);
#define WB_DEFAULT_JITTER_MS         40
#define WB_DEFAULT_RECEIVE_BATCH_MS  5
/* Each ward uses four hub ports: audio RTP+RTCP, video RTP+RTCP. */
#define WB_PORTS_PER_ENDPOINT        4
#define WB_MIN_ENDPOINT_CAPACITY     32

/*
 * Loads and validates PATH.  On failure returns NULL, sets @error to
 * WB_CONFIG_ERROR_INVALID and, if @problems is not NULL, stores there every
 * problem found as a "FILE: [group] key: reason" line (array of char*).
 * Warnings (unknown groups and keys) go to @warnings in the same form, on
 * success and on failure; pass NULL to ignore them.
 */
WbConfig *wb_config_load (const char  *path,
                          GPtrArray  **problems,
                          GPtrArray  **warnings,
                          GError     **error);

/* Same, from memory; @path only names the source in messages. */
WbConfig *wb_config_load_from_data (const char  *path,
                                    const char  *data,
                                    gssize       length,
                                    GPtrArray  **problems,
                                    GPtrArray  **warnings,
                                    GError     **error);

WbConfig *wb_config_ref   (WbConfig *config);
void      wb_config_unref (WbConfig *config);

const WbEndpointConfig *wb_config_find_endpoint (const WbConfig *config,
                                                 const char     *id);

/* TRUE when @address may read /metrics ([http] metrics-allow). */
gboolean wb_config_metrics_allowed (const WbConfig *config,
                                    const char     *address);

/* One-paragraph summary for --check-config. */
char *wb_config_summary (const WbConfig *config);

/* Enum <-> config string ("opus", "pcma", "grid", ...).  from_string returns
 * FALSE for an unknown value. */
const char *wb_endpoint_kind_to_string (WbEndpointKind kind);
const char *wb_endpoint_mode_to_string (WbEndpointMode mode);
const char *wb_audio_codec_to_string   (WbAudioCodec codec);
const char *wb_video_codec_to_string   (WbVideoCodec codec);
const char *wb_layout_kind_to_string   (WbLayoutKind layout);
gboolean    wb_layout_kind_from_string (const char *str, WbLayoutKind *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WbConfig, wb_config_unref)

G_END_DECLS
