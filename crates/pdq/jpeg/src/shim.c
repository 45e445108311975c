/*
 * A small C layer between Rust and libjpeg-turbo (as built by mozjpeg-sys): libjpeg reports a
 * fatal error by calling error_exit, which must not return; here it longjmps back to the shim
 * function that called into the library, which returns an error code instead. No Rust frame is
 * ever crossed by the longjmp. Warnings are counted, never printed (no IO).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"

#define PDQJ_MSG_LEN JMSG_LENGTH_MAX

struct pdqj_error {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
};

struct pdqj {
  struct jpeg_decompress_struct cinfo;
  struct pdqj_error err;
  int started;
  long warnings;
  char message[PDQJ_MSG_LEN];
};

static void pdqj_error_exit(j_common_ptr cinfo) {
  struct pdqj_error *err = (struct pdqj_error *)cinfo->err;
  longjmp(err->jump, 1);
}

static void pdqj_emit_message(j_common_ptr cinfo, int level) {
  /* level -1: a warning (corrupt data the library works around); others are traces. */
  if (level < 0) {
    struct pdqj *h = (struct pdqj *)cinfo->client_data;
    h->warnings++;
  }
}

static void pdqj_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void pdqj_save_message(struct pdqj *h) {
  h->message[0] = '\0';
  (*h->cinfo.err->format_message)((j_common_ptr)&h->cinfo, h->message);
}

/* Header info handed to Rust. */
struct pdqj_info {
  unsigned int width;
  unsigned int height;
  int components;
  int color_space; /* J_COLOR_SPACE of the file */
  int progressive;
};

/* Allocates a decoder over buf[0..len) and reads the header. Returns NULL only when out of
 * memory; otherwise check pdqj_failed. max_memory bounds libjpeg's large arrays. */
struct pdqj *pdqj_open(const unsigned char *buf, unsigned long len, long max_memory,
                       struct pdqj_info *info, int *failed) {
  struct pdqj *h = (struct pdqj *)calloc(1, sizeof(struct pdqj));
  if (!h) return NULL;
  *failed = 1;
  h->cinfo.err = jpeg_std_error(&h->err.pub);
  h->err.pub.error_exit = pdqj_error_exit;
  h->err.pub.emit_message = pdqj_emit_message;
  h->err.pub.output_message = pdqj_output_message;
  if (setjmp(h->err.jump)) {
    pdqj_save_message(h);
    return h;
  }
  jpeg_create_decompress(&h->cinfo);
  h->cinfo.client_data = h;
  h->cinfo.mem->max_memory_to_use = max_memory;
  jpeg_mem_src(&h->cinfo, buf, len);
  jpeg_read_header(&h->cinfo, TRUE);
  info->width = h->cinfo.image_width;
  info->height = h->cinfo.image_height;
  info->components = h->cinfo.num_components;
  info->color_space = (int)h->cinfo.jpeg_color_space;
  info->progressive = h->cinfo.progressive_mode ? 1 : 0;
  *failed = 0;
  return h;
}

/* Starts decompression into out_color_space (JCS_GRAYSCALE, JCS_RGB or JCS_CMYK) with the
 * library's defaults (islow IDCT, fancy upsampling), as PIL and the reference use them.
 * Returns 0 on success, 1 on error (see pdqj_message). */
int pdqj_start(struct pdqj *h, int out_color_space, unsigned int *out_width,
               unsigned int *out_height, int *out_components) {
  if (setjmp(h->err.jump)) {
    pdqj_save_message(h);
    return 1;
  }
  h->cinfo.out_color_space = (J_COLOR_SPACE)out_color_space;
  h->cinfo.dct_method = JDCT_ISLOW;
  h->cinfo.do_fancy_upsampling = TRUE;
  jpeg_start_decompress(&h->cinfo);
  h->started = 1;
  *out_width = h->cinfo.output_width;
  *out_height = h->cinfo.output_height;
  *out_components = h->cinfo.output_components;
  return 0;
}

static long pdqj_read_rows(struct pdqj *h, unsigned char *dest, unsigned long stride,
                           unsigned int max_rows) {
  JSAMPROW rows[16];
  long total = 0;
  while (total < (long)max_rows && h->cinfo.output_scanline < h->cinfo.output_height) {
    unsigned int want = max_rows - (unsigned int)total, i;
    for (i = 0; i < want; i++) rows[i] = dest + (unsigned long)(total + i) * stride;
    total += (long)jpeg_read_scanlines(&h->cinfo, rows, want);
  }
  return total;
}

/* Reads up to max_rows (at most 16) scanlines into dest (rows of stride bytes). Returns the
 * number of rows read (0 when done), or -1 on error. */
long pdqj_read(struct pdqj *h, unsigned char *dest, unsigned long stride, unsigned int max_rows) {
  if (max_rows > 16) max_rows = 16;
  if (setjmp(h->err.jump)) {
    pdqj_save_message(h);
    return -1;
  }
  return pdqj_read_rows(h, dest, stride, max_rows);
}

long pdqj_warnings(const struct pdqj *h) { return h->warnings; }

const char *pdqj_message(const struct pdqj *h) { return h->message; }

void pdqj_close(struct pdqj *h) {
  if (!h) return;
  /* jpeg_destroy never calls error_exit. */
  jpeg_destroy_decompress(&h->cinfo);
  free(h);
}
