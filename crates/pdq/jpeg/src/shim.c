/*
 * A small C layer between Rust and libjpeg-turbo (as built by mozjpeg-sys): libjpeg reports a
 * fatal error by calling error_exit, which must not return; here it longjmps back to the shim
 * function that called into the library, which returns an error code instead. No Rust frame is
 * ever crossed by the longjmp. Warnings are counted, never printed (no IO).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JPEG_INTERNALS
#include "jpeglib.h"
#include "jerror.h"
#include "jmemsys.h"

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

/*
 * libjpeg's system-dependent memory manager (jmemsys.h), in place of the library's jmemnobs.c:
 * the same as it (malloc, no backing store, max_memory_to_use honoured), except that large
 * blocks freed by one image are kept in a small per-thread cache for the next one. A
 * progressive JPEG needs its whole coefficient array (several MB); malloc hands such blocks
 * back to the kernel when they are freed, so every image paid again to have fresh pages
 * faulted in and zeroed (about a tenth of the decoding time of a megapixel progressive file).
 * The cache keeps at most PDQJ_CACHE_SLOTS blocks and PDQJ_CACHE_BYTES bytes per thread and
 * is freed when the thread exits. Defining every function of jmemsys.h here keeps the
 * library's jmemnobs.o out of the link (a link error, not a silent mix, if it ever came in).
 */
#define PDQJ_CACHE_SLOTS 8
#define PDQJ_CACHE_BYTES ((size_t)64 << 20)
#define PDQJ_CACHE_MIN ((size_t)128 << 10)
/* Each large block starts with its capacity; 32 bytes keep malloc's alignment. */
#define PDQJ_HEADER 32

struct pdqj_cache {
  void *blocks[PDQJ_CACHE_SLOTS]; /* the header's address; NULL: empty slot */
  size_t bytes;
};

static pthread_key_t pdqj_cache_key;
static pthread_once_t pdqj_cache_once = PTHREAD_ONCE_INIT;
static int pdqj_cache_ok;

static void pdqj_cache_destroy(void *p) {
  struct pdqj_cache *cache = (struct pdqj_cache *)p;
  int i;
  for (i = 0; i < PDQJ_CACHE_SLOTS; i++) free(cache->blocks[i]);
  free(cache);
}

static void pdqj_cache_init(void) {
  pdqj_cache_ok = pthread_key_create(&pdqj_cache_key, pdqj_cache_destroy) == 0;
}

static struct pdqj_cache *pdqj_cache_get(int create) {
  struct pdqj_cache *cache;
  pthread_once(&pdqj_cache_once, pdqj_cache_init);
  if (!pdqj_cache_ok) return NULL;
  cache = (struct pdqj_cache *)pthread_getspecific(pdqj_cache_key);
  if (!cache && create) {
    cache = (struct pdqj_cache *)calloc(1, sizeof(struct pdqj_cache));
    if (cache && pthread_setspecific(pdqj_cache_key, cache) != 0) {
      free(cache);
      cache = NULL;
    }
  }
  return cache;
}

static size_t pdqj_capacity(void *block) { return *(size_t *)block; }

GLOBAL(void *) jpeg_get_large(j_common_ptr cinfo, size_t sizeofobject) {
  struct pdqj_cache *cache = sizeofobject >= PDQJ_CACHE_MIN ? pdqj_cache_get(0) : NULL;
  unsigned char *block;
  (void)cinfo;
  if (cache) {
    /* The smallest cached block that fits without wasting more than half of it. */
    int i, best = -1;
    for (i = 0; i < PDQJ_CACHE_SLOTS; i++) {
      size_t cap = cache->blocks[i] ? pdqj_capacity(cache->blocks[i]) : 0;
      if (cap >= sizeofobject && cap / 2 <= sizeofobject &&
          (best < 0 || cap < pdqj_capacity(cache->blocks[best])))
        best = i;
    }
    if (best >= 0) {
      block = (unsigned char *)cache->blocks[best];
      cache->blocks[best] = NULL;
      cache->bytes -= pdqj_capacity(block);
      return block + PDQJ_HEADER;
    }
  }
  if (sizeofobject > (size_t)-1 - PDQJ_HEADER) return NULL;
  block = (unsigned char *)malloc(sizeofobject + PDQJ_HEADER);
  if (!block) return NULL;
  *(size_t *)block = sizeofobject;
  return block + PDQJ_HEADER;
}

GLOBAL(void) jpeg_free_large(j_common_ptr cinfo, void *object, size_t sizeofobject) {
  unsigned char *block;
  size_t cap;
  struct pdqj_cache *cache;
  (void)cinfo;
  (void)sizeofobject;
  if (!object) return;
  block = (unsigned char *)object - PDQJ_HEADER;
  cap = pdqj_capacity(block);
  cache = cap >= PDQJ_CACHE_MIN ? pdqj_cache_get(1) : NULL;
  if (cache && cap <= PDQJ_CACHE_BYTES - cache->bytes) {
    int i;
    for (i = 0; i < PDQJ_CACHE_SLOTS; i++) {
      if (!cache->blocks[i]) {
        cache->blocks[i] = block;
        cache->bytes += cap;
        return;
      }
    }
  }
  free(block);
}

GLOBAL(void *) jpeg_get_small(j_common_ptr cinfo, size_t sizeofobject) {
  (void)cinfo;
  return malloc(sizeofobject);
}

GLOBAL(void) jpeg_free_small(j_common_ptr cinfo, void *object, size_t sizeofobject) {
  (void)cinfo;
  (void)sizeofobject;
  free(object);
}

GLOBAL(size_t) jpeg_mem_available(j_common_ptr cinfo, size_t min_bytes_needed,
                                  size_t max_bytes_needed, size_t already_allocated) {
  (void)min_bytes_needed;
  if (cinfo->mem->max_memory_to_use) {
    if ((size_t)cinfo->mem->max_memory_to_use > already_allocated)
      return cinfo->mem->max_memory_to_use - already_allocated;
    return 0;
  }
  return max_bytes_needed;
}

GLOBAL(void) jpeg_open_backing_store(j_common_ptr cinfo, backing_store_ptr info,
                                     long total_bytes_needed) {
  (void)info;
  (void)total_bytes_needed;
  ERREXIT(cinfo, JERR_NO_BACKING_STORE);
}

GLOBAL(long) jpeg_mem_init(j_common_ptr cinfo) {
  (void)cinfo;
  return 0;
}

GLOBAL(void) jpeg_mem_term(j_common_ptr cinfo) { (void)cinfo; }

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
