// OpenSSL for the cluster simulator's TLS front door and the host's signed tokens (libssl-dev).
// Swift cannot call C macros, and some OpenSSL calls are macros in some
// versions: the small inline functions below give them a stable name.
#ifndef KFSIM_COPENSSL_SHIM_H
#define KFSIM_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/// TLS 1.2 is the oldest version Kubernetes API servers accept.
static inline int kfsim_ctx_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// Modes for a non-blocking pump: without AUTO_RETRY, SSL_read returns
/// WANT_READ after a non-data record instead of waiting for the next one (so the
/// poll() loop never stalls); a retried SSL_write may pass a moved buffer.
static inline void kfsim_ctx_set_pump_modes(SSL_CTX *ctx) {
    SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// OPENSSL_free is a macro.
static inline void kfsim_free(void *pointer) {
    OPENSSL_free(pointer);
}

/// The client's certificate, or NULL (a reference the caller frees with X509_free).
static inline X509 *kfsim_peer_certificate(const SSL *ssl) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    return SSL_get1_peer_certificate(ssl);
#else
    return SSL_get_peer_certificate(ssl);
#endif
}

#endif
