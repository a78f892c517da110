/* bidsim/bidsim.h - umbrella header for the bidsim engine. */
#ifndef BIDSIM_BIDSIM_H
#define BIDSIM_BIDSIM_H
#include "bidsim/export.h"
#include "bidsim/error.h"
#include "bidsim/alloc.h"
#include "bidsim/rng.h"
#include "bidsim/rules.h"
#include "bidsim/auction.h"
#include "bidsim/market.h"
#include "bidsim/strategy.h"
#endif
