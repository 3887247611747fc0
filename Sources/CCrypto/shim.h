// OpenSSL libcrypto: digests for SIP digest auth (MD5, SHA-256). SIP over TLS uses libssl
// (CSSL), SRTP libsrtp2 (CSRTP), the Voice Live WebSocket swift-nio-ssl.
#include <openssl/evp.h>
#include <openssl/rand.h>
