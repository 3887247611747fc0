// libsrtp2 (Debian's libsrtp2-dev): SRTP and SRTCP protect/unprotect in the media worker.
#include <srtp2/srtp.h>
