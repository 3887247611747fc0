#ifndef VLGW_CSOXR_SHIM_H
#define VLGW_CSOXR_SHIM_H
#include <soxr.h>
/* Quality recipes are macros built from expressions; expose as functions. */
static inline unsigned long csoxr_hq(void) { return SOXR_HQ; }
static inline unsigned long csoxr_vhq(void) { return SOXR_VHQ; }
#endif
