/* analysis/sha256.h - SHA-256 (FIPS 180-4) of a byte string, for recording
 * which input file a result came from (the calibrated scenario names its
 * history by hash). Not for anything secret. */
#ifndef BIDSIM_ANALYSIS_SHA256_H
#define BIDSIM_ANALYSIS_SHA256_H
#include <stddef.h>
#include <stdint.h>

/** @brief The digest of @p len bytes at @p data as 64 lowercase hex digits
 *  and a NUL in @p hex. */
void bidsim_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
