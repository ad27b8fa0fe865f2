/* SPDX-License-Identifier: MIT */
/**
 * @file loopmsg/error.h
 * @brief Status codes, the caller-owned error struct and the error classification flags.
 *
 * Every fallible function returns a ::loopmsg_status (0 is success, negative is an
 * error) and, when given one, writes a ::loopmsg_error on every call, success
 * included. The library never allocates for errors and keeps no "last error".
 */
#ifndef LOOPMSG_ERROR_H
#define LOOPMSG_ERROR_H

#include "common.h"

LOOPMSG_BEGIN_DECL

/**
 * @defgroup errors Errors
 * @brief Status codes, the caller-owned error struct, the classification flags.
 *
 * A failed request is classified by flags: LOOPMSG_ERRF_RETRYABLE (the same request may
 * succeed later), LOOPMSG_ERRF_MAYBE_DELIVERED (the server may have acted on it),
 * LOOPMSG_ERRF_FATAL (nothing succeeds without human action), LOOPMSG_ERRF_SENT (its bytes
 * left). The flags of each Loop API error code are given by loopmsg_api_code_flags().
 * @{
 */

/** Result of every fallible call. Append-only: values are never renumbered. @since 0.1 */
typedef enum loopmsg_status {
    LOOPMSG_OK = 0,               /**< Success. */
    LOOPMSG_E_INVALID_ARG = -1,   /**< Caller error: missing field, limit exceeded, bad value. */
    LOOPMSG_E_NOMEM = -2,         /**< Allocation failed. */
    LOOPMSG_E_STATE = -3,         /**< Not allowed now (e.g. re-entrant call from a callback). */
    LOOPMSG_E_TRANSPORT = -4,     /**< Connect/TLS/send/receive failure; see transport_code. */
    LOOPMSG_E_TIMEOUT = -5,       /**< The per-attempt timeout or the overall deadline expired. */
    LOOPMSG_E_AUTH = -6,          /**< 401/403 or an API credentials error (110, 130). */
    LOOPMSG_E_RATE_LIMITED = -7,  /**< 429; see retry_after_ms. */
    LOOPMSG_E_API = -8,           /**< The API rejected the request; see api_code and message. */
    LOOPMSG_E_HTTP = -9,          /**< Unexpected HTTP status with no API error code. */
    LOOPMSG_E_PROTOCOL = -10,     /**< Response malformed or missing required fields. */
    LOOPMSG_E_WEBHOOK_AUTH = -11, /**< Webhook authorization did not match. */
    LOOPMSG_E_CANCELLED = -12,    /**< Request cancelled, or client freed with it pending. */
    LOOPMSG_E_PARTIAL = -13,      /**< Batch finished; at least one item failed. */
    LOOPMSG_E_NOT_FOUND = -14,    /**< 404; api_code and message kept when the body has them. */
    LOOPMSG_E_TOO_LARGE = -15,    /**< Input exceeds a size limit (e.g. a webhook body). */
    LOOPMSG_E_INTERNAL = -99      /**< Library bug. Please report. */
} loopmsg_status;

/** Size of loopmsg_error::message, terminating NUL included. @since 0.1 */
#define LOOPMSG_ERROR_MESSAGE_SIZE 256

/** The same request may succeed later (possibly after retry_after_ms). @since 0.1 */
#define LOOPMSG_ERRF_RETRYABLE 0x1u
/** The server may have acted on the request: resending may duplicate a message. @since 0.1 */
#define LOOPMSG_ERRF_MAYBE_DELIVERED 0x2u
/** Nothing will succeed without human action (credentials, account). @since 0.1 */
#define LOOPMSG_ERRF_FATAL 0x4u
/** The request bytes were sent to the server before the failure. @since 0.1 */
#define LOOPMSG_ERRF_SENT 0x8u

/**
 * Details of the outcome of a call. Owned by the caller (usually on the stack).
 * The library writes it on every call that takes one, success included; it never
 * contains the API key.
 * @since 0.1
 */
typedef struct loopmsg_error {
    loopmsg_status status;       /**< The value the function returned. */
    int http_status;             /**< 0 when no HTTP response was received. */
    int api_code;                /**< Loop "code" (else "error_code") from the body; 0 if none. */
    int transport_code;          /**< CURLcode (as int) for E_TRANSPORT/E_TIMEOUT; else 0. */
    unsigned int flags;          /**< LOOPMSG_ERRF_* bits. */
    unsigned int retry_after_ms; /**< From Retry-After; 0 if absent. */
    unsigned int attempts;       /**< HTTP attempts made (0 when nothing was sent). */
    char message[LOOPMSG_ERROR_MESSAGE_SIZE]; /**< NUL-terminated English text. */
    void *reserved_[4];                       /**< ABI room. Do not touch. */
} loopmsg_error;

/**
 * A short English description of a status ("invalid argument"). Thread-safe.
 * @param[in] status  Any value.
 * @return a static string, never NULL; unknown values give "unknown status".
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_status_str(loopmsg_status status);

/**
 * The enum name of a status ("LOOPMSG_E_AUTH"). Thread-safe.
 * @param[in] status  Any value.
 * @return a static string, never NULL; unknown values give "LOOPMSG_E_UNKNOWN".
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_status_name(loopmsg_status status);

/**
 * The documented meaning of a Loop API error code (one of the 49 codes the Loop API
 * documents), e.g. 140 -> "text parameter is missing". Thread-safe.
 * @param[in] api_code  A Loop code (loopmsg_error::api_code).
 * @return a static string; NULL for a code Loop does not document.
 * @since 0.1
 */
LOOPMSG_API const char *loopmsg_api_code_description(int api_code);

/**
 * The LOOPMSG_ERRF_* flags the library attaches to a Loop API error code
 * (e.g. 1010 -> RETRYABLE, 1020 -> RETRYABLE, 1030 -> RETRYABLE|MAYBE_DELIVERED,
 * 130 -> FATAL). Of these, only 1010 is resent automatically; 1020 (sent, reported not
 * delivered: retry only after a long delay) and 1030 (no delivery confirmation) only with
 * loopmsg_client_options::retry_maybe_delivered. Thread-safe.
 * @param[in] api_code  A Loop code (loopmsg_error::api_code).
 * @return the flags; 0 for a code with none or one Loop does not document.
 * @since 0.1
 */
LOOPMSG_API unsigned int loopmsg_api_code_flags(int api_code);

/**
 * Whether the same request may succeed later (possibly after err->retry_after_ms).
 * @param[in] err  An error written by the library; NULL gives false.
 * @return true when err is non-NULL and carries LOOPMSG_ERRF_RETRYABLE.
 * @since 0.1
 */
LOOPMSG_API bool loopmsg_error_is_retryable(const loopmsg_error *err);
/**
 * Whether the server may have acted on the failed request (resending may duplicate it).
 * @param[in] err  An error written by the library; NULL gives false.
 * @return true when err is non-NULL and carries LOOPMSG_ERRF_MAYBE_DELIVERED.
 * @since 0.1
 */
LOOPMSG_API bool loopmsg_error_is_maybe_delivered(const loopmsg_error *err);
/**
 * Whether nothing will succeed without human action (credentials, account).
 * @param[in] err  An error written by the library; NULL gives false.
 * @return true when err is non-NULL and carries LOOPMSG_ERRF_FATAL.
 * @since 0.1
 */
LOOPMSG_API bool loopmsg_error_is_fatal(const loopmsg_error *err);

/** @} */

LOOPMSG_END_DECL

#endif /* LOOPMSG_ERROR_H */
