// libopus, seen by Swift only through this shim (AudioCodecs wraps it).
#include <opus/opus.h>
