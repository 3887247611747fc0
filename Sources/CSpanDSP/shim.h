#ifndef VLGW_CSPANDSP_SHIM_H
#define VLGW_CSPANDSP_SHIM_H
/* <spandsp.h> pulls in <tiffio.h> (fax support) which is not installed and
   not needed; include only the telephony base plus the G.722 and PLC parts. */
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <spandsp/plc.h>
#endif
