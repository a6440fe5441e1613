/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What one Opus frame costs through libopus' single-stream API (what
 * wbopusdec uses, and Janus) against its multistream API (what GStreamer's
 * opusdec and opusenc use), on this machine, in one run:
 *
 *   bench-opus-api [--frames N] [--output FILE]
 *
 * Mono, 48 kHz, 20 ms, 32 kb/s, in-band FEC with 10 % expected loss, as
 * the hub and the boxes encode.  The signal is two tones under a changing
 * envelope with some noise, so that the encoder does real work.  libopus
 * 1.3 sizes the multistream coder's sub-coders on every call; built with
 * custom modes (as Debian builds it) that asks the CPU its features, and
 * on a virtual machine each CPUID traps to the hypervisor.  The figures
 * say how much that costs here.  A last line times the single-stream
 * encoder without FEC (0 % expected loss, as Janus runs unless told): at
 * 32 kb/s mono, libopus codes voice with CELT then, and with SILK when it
 * must make room for FEC.  Prints a table and writes it to FILE.
 */
#include <glib.h>
#include <math.h>
#include <opus.h>
#include <opus_multistream.h>
#include <stdio.h>

#define RATE 48000
#define FRAME 960
#define MAX_PACKET 1500

static double
now_us (void)
{
  return (double) g_get_monotonic_time ();
}

static void
fill (opus_int16 *pcm, guint frame, GRand *rand)
{
  for (guint k = 0; k < FRAME; k++) {
    double t = (double) (frame * FRAME + k) / RATE;
    double env = 0.5 + 0.4 * sin (2 * G_PI * 2 * t);

    pcm[k] = (opus_int16) (6000 * env * (sin (2 * G_PI * 220 * t) + 0.5 * sin (2 * G_PI * 660 * t)) +
                           g_rand_double_range (rand, -300, 300));
  }
}

int
main (int argc, char **argv)
{
  int frames = 4000;
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames, "frames per measurement (4000 = 80 s of audio)", "N" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "also write the table here", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- libopus single-stream against multistream");
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) table = g_string_new (NULL);
  const unsigned char mapping[1] = { 0 };
  g_autofree opus_int16 *pcm = NULL;
  g_autofree unsigned char *packets = NULL;
  g_autofree opus_int32 *lengths = NULL;
  GRand *rand = g_rand_new_with_seed (42);
  OpusEncoder *enc, *nofec_enc;
  OpusMSEncoder *ms_enc;
  OpusDecoder *dec;
  OpusMSDecoder *ms_dec;
  opus_int16 out[FRAME];
  double t0, enc_us, ms_enc_us, dec_us, ms_dec_us, nofec_enc_us;
  int err = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || frames <= 0) {
    g_printerr ("bench-opus-api: %s\n", error ? error->message : "--frames must be positive");
    return 2;
  }

  pcm = g_new (opus_int16, (gsize) frames * FRAME);
  packets = g_new (unsigned char, (gsize) frames * MAX_PACKET);
  lengths = g_new (opus_int32, frames);
  for (int i = 0; i < frames; i++)
    fill (pcm + (gsize) i * FRAME, (guint) i, rand);

  enc = opus_encoder_create (RATE, 1, OPUS_APPLICATION_VOIP, &err);
  nofec_enc = enc != NULL ? opus_encoder_create (RATE, 1, OPUS_APPLICATION_VOIP, &err) : NULL;
  ms_enc = opus_multistream_encoder_create (RATE, 1, 1, 0, mapping, OPUS_APPLICATION_VOIP, &err);
  dec = opus_decoder_create (RATE, 1, &err);
  ms_dec = opus_multistream_decoder_create (RATE, 1, 1, 0, mapping, &err);
  if (enc == NULL || nofec_enc == NULL || ms_enc == NULL || dec == NULL || ms_dec == NULL) {
    g_printerr ("bench-opus-api: libopus: %s\n", opus_strerror (err));
    return 1;
  }
  opus_encoder_ctl (enc, OPUS_SET_BITRATE (32000));
  opus_encoder_ctl (enc, OPUS_SET_INBAND_FEC (1));
  opus_encoder_ctl (enc, OPUS_SET_PACKET_LOSS_PERC (10));
  opus_multistream_encoder_ctl (ms_enc, OPUS_SET_BITRATE (32000));
  opus_multistream_encoder_ctl (ms_enc, OPUS_SET_INBAND_FEC (1));
  opus_multistream_encoder_ctl (ms_enc, OPUS_SET_PACKET_LOSS_PERC (10));
  opus_encoder_ctl (nofec_enc, OPUS_SET_BITRATE (32000));
  opus_encoder_ctl (nofec_enc, OPUS_SET_INBAND_FEC (1));
  opus_encoder_ctl (nofec_enc, OPUS_SET_PACKET_LOSS_PERC (0));

  t0 = now_us ();
  for (int i = 0; i < frames; i++)
    lengths[i] = opus_encode (enc, pcm + (gsize) i * FRAME, FRAME,
                              packets + (gsize) i * MAX_PACKET, MAX_PACKET);
  enc_us = (now_us () - t0) / frames;

  t0 = now_us ();
  for (int i = 0; i < frames; i++) {
    unsigned char scratch[MAX_PACKET];

    if (opus_multistream_encode (ms_enc, pcm + (gsize) i * FRAME, FRAME, scratch, MAX_PACKET) < 0)
      return 1;
  }
  ms_enc_us = (now_us () - t0) / frames;

  t0 = now_us ();
  for (int i = 0; i < frames; i++) {
    unsigned char scratch[MAX_PACKET];

    if (opus_encode (nofec_enc, pcm + (gsize) i * FRAME, FRAME, scratch, MAX_PACKET) < 0)
      return 1;
  }
  nofec_enc_us = (now_us () - t0) / frames;

  for (int i = 0; i < frames; i++) {
    if (lengths[i] < 0) {
      g_printerr ("bench-opus-api: encode: %s\n", opus_strerror (lengths[i]));
      return 1;
    }
  }

  t0 = now_us ();
  for (int i = 0; i < frames; i++)
    if (opus_decode (dec, packets + (gsize) i * MAX_PACKET, lengths[i], out, FRAME, 0) != FRAME)
      return 1;
  dec_us = (now_us () - t0) / frames;

  t0 = now_us ();
  for (int i = 0; i < frames; i++)
    if (opus_multistream_decode (ms_dec, packets + (gsize) i * MAX_PACKET, lengths[i], out, FRAME, 0) != FRAME)
      return 1;
  ms_dec_us = (now_us () - t0) / frames;

  g_string_append_printf (table, "# %s, %d frames of 20 ms, mono 48 kHz 32 kb/s, FEC 10 %%\n",
                          opus_get_version_string (), frames);
  g_string_append_printf (table, "%-8s %14s %14s %8s\n", "work", "single us/fr", "multi us/fr", "ratio");
  g_string_append_printf (table, "%-8s %14.1f %14.1f %8.2f\n", "encode", enc_us, ms_enc_us, ms_enc_us / enc_us);
  g_string_append_printf (table, "%-8s %14.1f %14.1f %8.2f\n", "decode", dec_us, ms_dec_us, ms_dec_us / dec_us);
  g_string_append_printf (table, "%-8s %14.1f %14s %8s   (single-stream, 0 %% expected loss: no FEC; "
                          "FEC 10 %% costs %.1fx)\n", "encode", nofec_enc_us, "-", "-", enc_us / nofec_enc_us);
  fputs (table->str, stdout);
  if (output != NULL && !g_file_set_contents (output, table->str, -1, &error)) {
    g_printerr ("bench-opus-api: %s\n", error->message);
    return 1;
  }

  opus_encoder_destroy (enc);
  opus_encoder_destroy (nofec_enc);
  opus_multistream_encoder_destroy (ms_enc);
  opus_decoder_destroy (dec);
  opus_multistream_decoder_destroy (ms_dec);
  g_rand_free (rand);
  return 0;
}
