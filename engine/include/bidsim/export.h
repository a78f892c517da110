/* bidsim/export.h - symbol visibility for the engine library.
 * The engine is built with -fvisibility=hidden; only BIDSIM_API names leave it. */
#ifndef BIDSIM_EXPORT_H
#define BIDSIM_EXPORT_H
#if defined(__GNUC__)
#define BIDSIM_API __attribute__((visibility("default")))
#else
#define BIDSIM_API
#endif
#endif
