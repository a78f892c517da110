/* bidsim/error.h - error codes shared by every layer, and the error record.
 * Functions that can fail return int: BIDSIM_OK or one of the codes below. */
#ifndef BIDSIM_ERROR_H
#define BIDSIM_ERROR_H
#include <stdarg.h>
#include "bidsim/export.h"

/* One list generates the enum and bidsim_strerror(); add codes at the end so
 * the numbers stay stable for plugins built against an older header. */
#define BIDSIM_ERRNO_MAP(X)                                                        \
  X(OK,             "success")                                                   \
  X(ENOMEM,         "out of memory")                                             \
  X(EINVAL,         "invalid argument")                                          \
  X(ENOTFOUND,      "no such object")                                            \
  X(ELIMIT,         "capacity limit exceeded")                                   \
  X(ESTATE,         "operation not allowed in the current state")                \
  X(EBIDRANGE,      "bid outside [0.10, 99.00] yuan")                            \
  X(EBIDUNIT,       "bid is not a whole number of fen (0.01 yuan)")              \
  X(EPREMIUM,       "segment bid outside 110%-400% of the base bid")             \
  X(ECAP,           "daily cap below 100 yuan")                                  \
  X(ESALES,         "product historical sales below 500 units")                  \
  X(ENOTONSALE,     "product is not on sale")                                    \
  X(EDUPPRODUCT,    "product already in the plan")                               \
  X(EDUPNAME,       "plan name already used in this shop")                       \
  X(EQUALITY,       "quality score out of range")                                \
  X(EIO,            "input/output error")                                        \
  X(EPARSE,         "syntax error")                                              \
  X(ESCHEMA,        "invalid scenario")                                          \
  X(EHDF5,          "HDF5 library error")                                        \
  X(EFORMAT,        "not a bidsim result file")                                  \
  X(EVERSION,       "unsupported result format version")                         \
  X(EMISMATCH,      "inputs do not belong together")                             \
  X(EPLUGIN,        "strategy plugin error")                                     \
  X(EMPI,           "MPI error")                                              \
  X(EINTR,          "interrupted")

typedef enum {
#define BIDSIM_ERR_ENUM(name, text) BIDSIM_##name,
  BIDSIM_ERRNO_MAP(BIDSIM_ERR_ENUM)
#undef BIDSIM_ERR_ENUM
  BIDSIM_ERR_COUNT
} bidsim_errno_t;

/* Details of a failure: the code, the field or key path it concerns (may be
 * empty), and a sentence naming the value and the limit. Caller-owned; every
 * API that can fail takes a pointer to one, which may be NULL. */
typedef struct {
  int  code;
  char where[160];   /* field or key path, e.g. "plans[2].bids.similar" */
  char msg[352];     /* "bid 99.01 yuan is above the maximum 99.00 yuan" */
} bidsim_error_t;

/** @brief Static text for an error code; never NULL. */
BIDSIM_API const char *bidsim_strerror(int code);

/** @brief Fill @p err (if not NULL) and return @p code, so callers can write
 *  `return bidsim_error_set(err, BIDSIM_ECAP, "cap", "...", ...);`. */
BIDSIM_API int bidsim_error_set(bidsim_error_t *err, int code, const char *where,
                                const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/** @brief Clear @p err to BIDSIM_OK (NULL-safe). */
BIDSIM_API void bidsim_error_clear(bidsim_error_t *err);

#endif
