#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ctypes_smoke.py: proof that libloopmsg's ABI is usable with no C compiler.

Loads libloopmsg.so with ctypes (standard library only), initialises the option and
parameter structs through their _init() functions (not the C macros), sends one message
through the sandbox given as LOOP_BASE_URL, then provokes a validation error and reads the
error fields. Exits 0 on success; any mismatch raises.
"""
import ctypes
import os
import sys

lib = ctypes.CDLL(sys.argv[1])

# Layouts as include/loopmsg/{client,message,error}.h declare them (client options: version 3; the others: version 1).
LOG_CB = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)


class LogEvent(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("level", ctypes.c_int), ("kind", ctypes.c_int),
                ("operation", ctypes.c_char_p), ("method", ctypes.c_char_p),
                ("path", ctypes.c_char_p), ("http_status", ctypes.c_int),
                ("api_code", ctypes.c_int), ("status", ctypes.c_int), ("attempt", ctypes.c_uint),
                ("duration_ms", ctypes.c_uint64), ("delay_ms", ctypes.c_uint64),
                ("request_id", ctypes.c_uint64)]


LOG_EVENT_CB = ctypes.CFUNCTYPE(None, ctypes.POINTER(LogEvent), ctypes.c_void_p)


class ClientOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("api_key", ctypes.c_char_p),
                ("default_sender", ctypes.c_char_p), ("base_url", ctypes.c_char_p),
                ("timeout_ms", ctypes.c_uint), ("connect_timeout_ms", ctypes.c_uint),
                ("max_retries", ctypes.c_int), ("retry_delay_ms", ctypes.c_uint),
                ("deadline_ms", ctypes.c_uint), ("retry_maybe_delivered", ctypes.c_bool),
                ("ca_bundle_path", ctypes.c_char_p), ("user_agent_suffix", ctypes.c_char_p),
                ("log_cb", LOG_CB), ("log_user_data", ctypes.c_void_p),
                ("max_concurrent", ctypes.c_uint), ("rate_limit_per_second", ctypes.c_double),
                # version 2
                ("ca_path", ctypes.c_char_p), ("max_connections", ctypes.c_uint),
                ("http_version", ctypes.c_int), ("proxy", ctypes.c_char_p),
                # version 3
                ("wire_cb", ctypes.c_void_p), ("wire_user_data", ctypes.c_void_p),
                ("log_event_cb", LOG_EVENT_CB), ("log_event_user_data", ctypes.c_void_p),
                ("lookup_api_key", ctypes.c_char_p), ("lookup_base_url", ctypes.c_char_p)]


class SendParams(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("contact", ctypes.c_char_p),
                ("text", ctypes.c_char_p), ("subject", ctypes.c_char_p),
                ("sender", ctypes.c_char_p), ("attachments", ctypes.POINTER(ctypes.c_char_p)),
                ("attachment_count", ctypes.c_size_t), ("effect", ctypes.c_int),
                ("reply_to_id", ctypes.c_char_p), ("passthrough", ctypes.c_char_p),
                ("channel", ctypes.c_int), ("contact_file", ctypes.c_bool)]


class SendResult(ctypes.Structure):
    _fields_ = [("message_id", ctypes.c_char_p), ("contact", ctypes.c_char_p),
                ("text", ctypes.c_char_p), ("group", ctypes.c_void_p),
                ("raw", ctypes.c_char_p), ("raw_len", ctypes.c_size_t)]


class Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("http_status", ctypes.c_int),
                ("api_code", ctypes.c_int), ("transport_code", ctypes.c_int),
                ("flags", ctypes.c_uint), ("retry_after_ms", ctypes.c_uint),
                ("attempts", ctypes.c_uint), ("message", ctypes.c_char * 256),
                ("reserved_", ctypes.c_void_p * 4)]


CLIENT_OPTIONS_VERSION = 3
SEND_PARAMS_VERSION = 1
LOOPMSG_OK = 0
LOOPMSG_E_INVALID_ARG = -1

lib.loopmsg_version_string.restype = ctypes.c_char_p
lib.loopmsg_status_name.restype = ctypes.c_char_p
lib.loopmsg_client_options_init.argtypes = [ctypes.POINTER(ClientOptions), ctypes.c_uint]
lib.loopmsg_send_params_init.argtypes = [ctypes.POINTER(SendParams), ctypes.c_uint]
lib.loopmsg_client_new.argtypes = [ctypes.POINTER(ClientOptions),
                                   ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(Error)]
lib.loopmsg_client_free.argtypes = [ctypes.c_void_p]
lib.loopmsg_message_send.argtypes = [ctypes.c_void_p, ctypes.POINTER(SendParams),
                                     ctypes.POINTER(ctypes.POINTER(SendResult)),
                                     ctypes.POINTER(Error)]
lib.loopmsg_send_result_free.argtypes = [ctypes.POINTER(SendResult)]


def check(cond, what):
    if not cond:
        raise SystemExit("ctypes smoke: " + what)


version = lib.loopmsg_version_string().decode()
check(version.count(".") == 2, "version string " + version)

opts = ClientOptions()
check(lib.loopmsg_client_options_init(ctypes.byref(opts), CLIENT_OPTIONS_VERSION) == LOOPMSG_OK,
      "client_options_init")
check(opts.version == CLIENT_OPTIONS_VERSION and opts.api_key is None, "options not initialised")
check(lib.loopmsg_client_options_init(ctypes.byref(opts), 999) == LOOPMSG_E_INVALID_ARG,
      "an unknown version must be refused")
opts.api_key = os.environ["LOOP_API_KEY"].encode()
opts.base_url = os.environ["LOOP_BASE_URL"].encode()
opts.default_sender = b"sender-1"
events = []


def on_event(ev, user_data):
    e = ev.contents
    events.append((e.kind, e.method, e.path, e.http_status, e.attempt))


event_cb = LOG_EVENT_CB(on_event)  # kept alive as long as the client
opts.log_event_cb = event_cb

client = ctypes.c_void_p()
err = Error()
st = lib.loopmsg_client_new(ctypes.byref(opts), ctypes.byref(client), ctypes.byref(err))
check(st == LOOPMSG_OK, "client_new: " + err.message.decode())

params = SendParams()
check(lib.loopmsg_send_params_init(ctypes.byref(params), SEND_PARAMS_VERSION) == LOOPMSG_OK,
      "send_params_init")
params.contact = b"+13231112233"
params.text = "Hello from ctypes \u2764".encode()
result = ctypes.POINTER(SendResult)()
st = lib.loopmsg_message_send(client, ctypes.byref(params), ctypes.byref(result),
                              ctypes.byref(err))
check(st == LOOPMSG_OK, "send: %d %s" % (st, err.message.decode()))
check(err.status == LOOPMSG_OK, "err.status after success")
check(bool(result.contents.message_id), "no message_id")
check(result.contents.raw_len == len(ctypes.string_at(result.contents.raw)), "raw_len")
lib.loopmsg_send_result_free(result)
# The structured log: a request, then its response (kinds 0 and 1).
check(events == [(0, b"POST", b"/api/v1/message/send/", 0, 1),
                 (1, b"POST", b"/api/v1/message/send/", 200, 1)], "log events: %r" % events)

# A validation error: nothing sent, every field readable.
params.text = None
st = lib.loopmsg_message_send(client, ctypes.byref(params), ctypes.byref(result),
                              ctypes.byref(err))
check(st == LOOPMSG_E_INVALID_ARG, "missing text gave %d" % st)
check(err.status == st and err.http_status == 0 and err.attempts == 0, "error fields")
check(b"text" in err.message, "message does not name the field: " + err.message.decode())
check(lib.loopmsg_status_name(st) == b"LOOPMSG_E_INVALID_ARG", "status name")
check(not result, "result set on failure")

lib.loopmsg_client_free(client)
print("ctypes smoke: 1 passed, 0 failed")
