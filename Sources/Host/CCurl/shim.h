#include <curl/curl.h>

/*
 * Typed wrappers around libcurl's variadic calls: Swift cannot call C variadic
 * functions, so each argument type gets its own non-variadic entry point.
 */

static inline CURLcode kfcurl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode kfcurl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* Strings, objects (curl_slist *, struct curl_blob *, callback user data). */
static inline CURLcode kfcurl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION. */
static inline CURLcode kfcurl_setopt_write_callback(CURL *handle, CURLoption option,
                                                    curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode kfcurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode kfcurl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
