#!/usr/bin/env python3
"""Regenerates the hostile-request corpus from the engine's example bundle.

The corpus files are committed and are the source of truth for `tests/it/hostile.rs`; this
script only documents how each was made and can rebuild them (`python3 gen.py`). Cases too big
to keep in git (10 MB bodies, 100k-deep nesting) are described in `manifest.json` as
`generate` entries and built by the test at run time.
"""
import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "..", "engine", "examples", "bundle.json")

with open(EXAMPLE, encoding="utf-8") as f:
    BASE = json.load(f)

cases = []  # manifest entries
HANDOFFS = "/v1/handoffs"


def dump(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def case(name, data, status, code, *, ext="json", path=HANDOFFS, content_type="application/json",
         headers=None, method="POST", why=""):
    file = f"{name}.{ext}"
    write(file, data)
    entry = {"name": name, "file": file, "method": method, "path": path,
             "content_type": content_type, "status": status, "code": code, "why": why}
    if headers:
        entry["headers"] = headers
    cases.append(entry)


def mutated(fn):
    b = copy.deepcopy(BASE)
    fn(b)
    return b


good = dump(BASE)
write("base-bundle.json", good)

# --- not JSON at all -----------------------------------------------------------------------
case("empty-body", b"", 400, "bad_json", why="zero bytes")
case("truncated-half", good[: len(good) // 2], 400, "bad_json", why="cut in the middle")
case("truncated-last-brace", good[:-1], 400, "bad_json", why="missing closing brace")
case("truncated-in-string", b'{"schema":"baton.hand', 400, "bad_json", why="ends inside a string")
case("trailing-garbage", good + b" x", 400, "bad_json", why="a second value after the bundle")
case("two-documents", good + good, 400, "bad_json", why="two bundles back to back")
case("plain-text", b"hello, I want a refund", 400, "bad_json", why="prose")
case("html", b"<html><script>alert(1)</script></html>", 400, "bad_json", why="markup")
case("nan-literal", good.replace(b'"score":0.41', b'"score":NaN'), 400, "bad_json",
     why="NaN is not JSON")
case("single-quotes", b"{'schema':'baton.handoff/v1'}", 400, "bad_json", why="JS, not JSON")
case("comment", b"/* hi */" + good, 400, "bad_json", why="comments are not JSON")
case("number-overflow", good.replace(b'"created_at":1795615442000', b'"created_at":1e400'), 400,
     "bad_json", why="number out of range")
case("bom-prefixed", b"\xef\xbb\xbf" + good, 400, "bad_json", why="UTF-8 BOM before the JSON")
case("utf16-body", good.decode("utf-8").encode("utf-16"), 400, "bad_json", ext="bin",
     why="UTF-16 instead of UTF-8")

# --- invalid UTF-8 and unicode escapes -------------------------------------------------------
case("invalid-utf8-in-text", good.replace(b"charged twice", b"charged \xff\xfe twice"), 400,
     "bad_json", ext="bin", why="bytes that are not UTF-8 inside a string")
case("overlong-utf8", good.replace(b"Dana Reyes", b"Dana \xc0\xaf Reyes"), 400, "bad_json",
     ext="bin", why="overlong encoding of '/'")
case("lone-surrogate", good.replace(b"Dana Reyes", b"Dana \\ud800 Reyes"), 400, "bad_json",
     why="an unpaired UTF-16 surrogate escape")
case("nul-byte-raw", good.replace(b"charged twice", b"charged\x00twice"), 400, "bad_json",
     ext="bin", why="a raw NUL inside a string")

# --- wrong top-level shapes ------------------------------------------------------------------
case("json-null", b"null", 400, "invalid_bundle", why="null instead of an object")
case("json-array", b"[]", 400, "invalid_bundle", why="an array")
case("json-string", b'"baton.handoff/v1"', 400, "invalid_bundle", why="a string")
case("json-number", b"42", 400, "invalid_bundle", why="a number")
case("empty-object", b"{}", 400, "invalid_bundle", why="no fields at all")
case("array-of-bundles", b"[" + good + b"]", 400, "invalid_bundle", why="a batch is not a bundle")

# --- wrong types -----------------------------------------------------------------------------
def set_path(obj, path, value):
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value


def delete_path(obj, path):
    cur = obj
    for k in path[:-1]:
        cur = cur[k]
    del cur[path[-1]]


wrong_types = [
    ("id-number", ["id"], 12345),
    ("id-null", ["id"], None),
    ("site-array", ["site"], ["demo"]),
    ("created-at-string", ["created_at"], "yesterday"),
    ("created-at-negative", ["created_at"], -1),
    ("created-at-float", ["created_at"], 1.5),
    ("transcript-object", ["transcript"], {"0": {"role": "customer"}}),
    ("transcript-text-number", ["transcript", 1, "text"], 42),
    ("transcript-role-unknown", ["transcript", 1, "role"], "admin"),
    ("transcript-at-string", ["transcript", 1, "at"], "now"),
    ("confidence-out-of-range", ["transcript", 2, "confidence"], 7.5),
    ("confidence-string", ["transcript", 2, "confidence"], "high"),
    ("grounded-string", ["transcript", 2, "grounded"], "yes"),
    ("sources-string", ["transcript", 2, "sources"], "kb:x"),
    ("reason-trigger-unknown", ["reasons", 0, "trigger"], "boredom"),
    ("reason-turn-past-end", ["reasons", 0, "evidence", "turn"], 99),
    ("reason-turn-negative", ["reasons", 0, "evidence", "turn"], -3),
    ("route-priority-unknown", ["route", "priority"], "immediately"),
    ("customer-string", ["customer"], "Dana"),
    ("customer-email-number", ["customer", "email"], 7),
    ("customer-attributes-array", ["customer", "attributes"], [1, 2]),
    ("customer-verified-string", ["customer", "verified"], "true"),
    ("page-null", ["page"], None),
    ("page-url-object", ["page", "url"], {"href": "x"}),
    ("summary-array", ["summary"], ["a"]),
    ("attempt-outcome-unknown", ["attempts", 0, "outcome"], "great"),
    ("sentiment-score-string", ["sentiment", 0, "score"], "bad"),
    ("engine-version-number", ["engine", "version"], 1),
]
for name, path, value in wrong_types:
    case(name, dump(mutated(lambda b, p=path, v=value: set_path(b, p, v))), 400, "invalid_bundle",
         why=f"{'.'.join(map(str, path))} = {json.dumps(value)}")

for field in ["id", "site", "conversation_id", "created_at", "transcript", "summary", "page"]:
    case(f"missing-{field.replace('_', '-')}", dump(mutated(lambda b, f=field: delete_path(b, [f]))),
         400, "invalid_bundle", why=f"no `{field}`")
case("missing-schema", dump(mutated(lambda b: delete_path(b, ["schema"]))), 400, "invalid_bundle",
     why="no `schema`")
case("unknown-field", dump(mutated(lambda b: b.update({"is_admin": True}))), 400, "invalid_bundle",
     why="a field v1 does not have")
case("duplicate-key", good.replace(b'"site":"demo"', b'"site":"demo","site":"other"'), 400,
     "invalid_bundle", why="the same key twice")
case("id-not-uuid", dump(mutated(lambda b: b.update({"id": "../../etc/passwd"}))), 400,
     "invalid_bundle", why="a path as an id")
case("id-empty", dump(mutated(lambda b: b.update({"id": ""}))), 400, "invalid_bundle", why="empty id")
case("transcript-empty", dump(mutated(lambda b: b.update({"transcript": []}))), 400,
     "invalid_bundle", why="no turns")

# --- versions --------------------------------------------------------------------------------
for name, schema in [("schema-v2", "baton.handoff/v2"), ("schema-v0", "baton.handoff/v0"),
                     ("schema-empty", ""), ("schema-number", 1), ("schema-null", None),
                     ("schema-other-product", "acme.ticket/v1"),
                     ("schema-long", "baton.handoff/v1" + "x" * 5000)]:
    expect = "invalid_bundle" if schema is None else "unsupported_version"
    case(name, dump(mutated(lambda b, s=schema: b.update({"schema": s}))), 400, expect,
         why=f"schema = {json.dumps(schema)[:40]}")
case("schema-v9-with-new-fields",
     dump(mutated(lambda b: b.update({"schema": "baton.handoff/v9", "v9_only": {"x": 1}}))), 400,
     "unsupported_version", why="a future version with fields v1 lacks")

# --- overlong strings and too many items -----------------------------------------------------
long_cases = [
    ("text-4001-chars", ["transcript", 1, "text"], "x" * 4001),
    ("text-4001-emoji", ["transcript", 1, "text"], "\U0001F600" * 4001),
    ("customer-name-300", ["customer", "name"], "n" * 300),
    ("customer-email-300", ["customer", "email"], "e" * 290 + "@example.com"),
    ("page-url-3000", ["page", "url"], "https://x.example/" + "u" * 3000),
    ("page-title-3000", ["page", "title"], "t" * 3000),
    ("conversation-id-200", ["conversation_id"], "c" * 200),
    ("id-200", ["id"], "0" * 200),
    ("summary-2001", ["summary"], "s" * 2001),
    ("rule-300", ["reasons", 0, "evidence", "rule"], "r" * 300),
]
for name, path, value in long_cases:
    case(name, dump(mutated(lambda b, p=path, v=value: set_path(b, p, v))), 400, "invalid_bundle",
         why=f"{'.'.join(map(str, path))}: {len(value)} characters")
case("turns-201", dump(mutated(lambda b: b.update({"transcript": [b["transcript"][1]] * 201}))), 400,
     "invalid_bundle", why="201 turns (limit 200)")
case("reasons-17", dump(mutated(lambda b: b.update({"reasons": [b["reasons"][0]] * 17}))), 400,
     "invalid_bundle", why="17 reasons (limit 16)")
case("sources-17", dump(mutated(lambda b: set_path(b, ["transcript", 2, "sources"], ["kb:x"] * 17))),
     400, "invalid_bundle", why="17 sources (limit 16)")

# --- control characters ----------------------------------------------------------------------
controls = [
    ("nul-escape-in-text", ["transcript", 1, "text"], "refund\u0000please"),
    ("bell-in-text", ["transcript", 1, "text"], "ding\u0007"),
    ("escape-seq-in-name", ["customer", "name"], "\u001b[31mDana\u001b[0m"),
    ("backspace-in-title", ["page", "title"], "Order\u0008\u0008"),
    ("c1-control-in-summary", ["summary"], "text \u0085 more"),
    ("nul-in-conversation-id", ["conversation_id"], "c\u0000"),
    ("delete-in-url", ["page", "url"], "https://x.example/\u007f"),
    ("nul-in-customer-id", ["customer", "id"], "cus\u0000_1"),
]
for name, path, value in controls:
    case(name, dump(mutated(lambda b, p=path, v=value: set_path(b, p, v))), 400, "invalid_bundle",
         why=f"control character in {'.'.join(map(str, path))}")

# --- content types ---------------------------------------------------------------------------
for name, ct in [("ct-text-plain", "text/plain"), ("ct-form", "application/x-www-form-urlencoded"),
                 ("ct-multipart", "multipart/form-data; boundary=x"), ("ct-xml", "application/xml"),
                 ("ct-missing", None), ("ct-jsonish", "application/jsonp"),
                 ("ct-garbage", "\u00ff\u00fe")]:
    case(name, good, 415, "unsupported_media_type", content_type=ct, why=f"Content-Type: {ct}")

# --- headers, sites, origins -----------------------------------------------------------------
case("idempotency-key-mismatch", good, 400, "idempotency_key_mismatch",
     headers={"Idempotency-Key": "01a21305-4450-7c4e-9a1f-000000000000"},
     why="header names another bundle")
case("idempotency-key-garbage", good, 400, "idempotency_key_mismatch",
     headers={"Idempotency-Key": "'; DROP TABLE handoffs; --"}, why="SQL in the header")
case("unknown-site", dump(mutated(lambda b: b.update({"site": "nosuchsite"}))), 403, "unknown_site",
     why="a site that is not configured")
case("site-sql", dump(mutated(lambda b: b.update({"site": "demo' OR '1'='1"}))), 403, "unknown_site",
     why="SQL in the site id")
case("origin-evil", good, 403, "origin_not_allowed", headers={"Origin": "https://evil.example"},
     why="an origin the site does not allow")
case("origin-null", good, 403, "origin_not_allowed", headers={"Origin": "null"},
     why="a sandboxed iframe / file: page")
case("origin-suffix", good, 403, "origin_not_allowed",
     headers={"Origin": "http://127.0.0.1.evil.example:8080"}, why="allowed host as a prefix")
case("origin-https-downgrade", good, 403, "origin_not_allowed",
     headers={"Origin": "https://127.0.0.1:8080"}, why="other scheme than allowed")

# --- other /v1 endpoints ---------------------------------------------------------------------
start = {"site": "demo", "conversation_id": "c-1", "started_at": 1795615401000,
         "page": {"url": "https://x.example/", "title": "t", "locale": "en"}}
CONV = "/v1/conversations"
case("conv-bad-json", b'{"site":', 400, "bad_json", path=CONV, why="truncated")
case("conv-wrong-type", dump({**start, "started_at": "now"}), 400, "invalid_body", path=CONV,
     why="started_at is a string")
case("conv-unknown-field", dump({**start, "admin": True}), 400, "invalid_body", path=CONV,
     why="unknown field")
case("conv-id-traversal", dump({**start, "conversation_id": "../../x"}), 400, "invalid_body",
     path=CONV, why="path characters in an id")
case("conv-id-long", dump({**start, "conversation_id": "c" * 65}), 400, "invalid_body", path=CONV,
     why="65-character id")
case("conv-title-long", dump({**start, "page": {**start["page"], "title": "t" * 600}}), 400,
     "invalid_body", path=CONV, why="page title over 500")
case("conv-over-16k", dump({**start, "page": {**start["page"], "url": "u" * 20000}}), 413,
     "payload_too_large", path=CONV, why="20 KB body on a 16 KiB endpoint")
case("conv-text-plain", dump(start), 415, "unsupported_media_type", path=CONV,
     content_type="text/plain", why="no JSON content type")
case("conv-unknown-site", dump({**start, "site": "x"}), 403, "unknown_site", path=CONV,
     why="unknown site")
EV = "/v1/conversations/c-1/events"
case("event-kind-unknown", dump({"site": "demo", "kind": "hack", "at": 1}), 400, "invalid_body",
     path=EV, why="kind not in the set")
case("event-at-negative", dump({"site": "demo", "kind": "resolved", "at": -5}), 400,
     "invalid_body", path=EV, why="negative time")
CSAT = "/v1/csat"
case("csat-rating-6", dump({"site": "demo", "conversation_id": "c-1", "rating": 6}), 400,
     "invalid_body", path=CSAT, why="rating out of 1..5")
case("csat-rating-string", dump({"site": "demo", "conversation_id": "c-1", "rating": "5"}), 400,
     "invalid_body", path=CSAT, why="rating as a string")
case("csat-rating-float", dump({"site": "demo", "conversation_id": "c-1", "rating": 4.5}), 400,
     "invalid_body", path=CSAT, why="rating as a float")
MSG = "/v1/conversations/c-1/messages"
case("message-no-token", dump({"token": "", "text": "hi"}), 403, "invalid_token", path=MSG,
     why="empty token")
case("message-forged-token", dump({"token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "text": "hi"}),
     403, "invalid_token", path=MSG, why="a token for no handoff")
case("message-wrong-type", dump({"token": 5, "text": "hi"}), 400, "invalid_body", path=MSG,
     why="token as a number")

# --- methods -----------------------------------------------------------------------------------
case("get-handoffs", b"", 405, "method_not_allowed", method="GET", why="GET on a POST-only path")
case("put-csat", good, 405, "method_not_allowed", method="PUT", path=CSAT, why="PUT on a POST-only path")
case("delete-conversation", b"", 405, "method_not_allowed", method="DELETE", path=CONV,
     why="DELETE on a POST-only path")

# --- generated at run time (too big for git) -------------------------------------------------
generated = [
    {"name": "body-10mb", "generate": {"kind": "json_string", "bytes": 10 * 1024 * 1024},
     "method": "POST", "path": HANDOFFS, "content_type": "application/json", "status": 413,
     "code": "payload_too_large", "why": "a 10 MB JSON string"},
    {"name": "body-10mb-chunked",
     "generate": {"kind": "json_string", "bytes": 10 * 1024 * 1024, "chunked": True},
     "method": "POST", "path": HANDOFFS, "content_type": "application/json", "status": 413,
     "code": "payload_too_large", "why": "10 MB without Content-Length"},
    {"name": "body-300kb-whitespace", "generate": {"kind": "whitespace", "bytes": 300 * 1024},
     "method": "POST", "path": HANDOFFS, "content_type": "application/json", "status": 413,
     "code": "payload_too_large", "why": "just over the 256 KiB limit"},
    {"name": "deep-array-100k", "generate": {"kind": "deep_array", "depth": 100000},
     "method": "POST", "path": HANDOFFS, "content_type": "application/json", "status": 400,
     "code": "invalid_bundle", "why": "100,000 nested arrays (refused at the first level)"},
    {"name": "deep-object-40k", "generate": {"kind": "deep_object", "depth": 40000},
     "method": "POST", "path": HANDOFFS, "content_type": "application/json", "status": 400,
     "code": "invalid_bundle", "why": "40,000 nested objects (unknown field at the first level)"},
    {"name": "deep-schema-value", "generate": {"kind": "deep_schema", "depth": 20000},
     "method": "POST", "path": HANDOFFS, "content_type": "application/json", "status": 400,
     "code": "invalid_bundle", "why": "a 20,000-deep value where schema goes (the version peek parses it)"},
    {"name": "deep-attributes-1000", "generate": {"kind": "deep_attributes", "depth": 1000},
     "method": "POST", "path": HANDOFFS, "content_type": "application/json", "status": 400,
     "code": "bad_json", "why": "customer.attributes nested 1,000 deep in a valid bundle"},
    {"name": "conv-deep-array", "generate": {"kind": "deep_array", "depth": 5000},
     "method": "POST", "path": CONV, "content_type": "application/json", "status": 400,
     "code": "invalid_body", "why": "nesting on a small endpoint"},
]
cases.extend(generated)

manifest = {
    "about": "Hostile requests replayed by crates/server/tests/it/hostile.rs against `baton serve` "
             "with the demo config (crates/server/demo/site.toml). Each must get exactly this status "
             "and error code as a JSON body, and the server must stay up. Regenerate with gen.py.",
    "base": "base-bundle.json",
    "cases": cases,
}
with open(os.path.join(HERE, "manifest.json"), "w", encoding="utf-8") as f:
    json.dump(manifest, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"{len(cases)} cases")
