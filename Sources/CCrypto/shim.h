// OpenSSL libcrypto: digests for SIP digest auth (MD5, SHA-256), later AES-CM and
// HMAC-SHA1 for SRTP. TLS sockets use swift-nio-ssl instead.
#include <openssl/evp.h>
#include <openssl/rand.h>
