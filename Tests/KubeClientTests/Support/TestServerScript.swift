/// The canned API server the HTTP tests talk to: Python 3 standard library only
/// (http.server + ssl). Kept in a Swift string so the test target has no
/// resource files; `TestServer` writes it to a temporary directory and runs it.
let testServerScript = #"""
# Canned Kubernetes API answers for KubeClient tests. Prints "PORT <n>" once
# listening on 127.0.0.1, and exits when its stdin closes (the test process ended).
import argparse, http.server, json, os, ssl, sys, threading, time, urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--client-ca")
parser.add_argument("--require-client-cert", action="store_true")
args = parser.parse_args()

counts = {}
counts_lock = threading.Lock()

def bump(key):
    with counts_lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]

def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body

CANNED = {
    "401": status(401, "Unauthorized", "Unauthorized"),
    "403": status(403, "Forbidden",
                  'trainjobs.trainer.kubeflow.org is forbidden: User "system:serviceaccount:team-a:bot" cannot '
                  'create resource "trainjobs" in API group "trainer.kubeflow.org" in the namespace "team-b"',
                  {"group": "trainer.kubeflow.org", "kind": "trainjobs"}),
    "404": status(404, "NotFound", 'trainjobs.trainer.kubeflow.org "missing" not found',
                  {"name": "missing", "group": "trainer.kubeflow.org", "kind": "trainjobs"}),
    "404-unserved": status(404, "NotFound", "the server could not find the requested resource"),
    "409": status(409, "AlreadyExists", 'trainjobs.trainer.kubeflow.org "job-1" already exists',
                  {"name": "job-1", "kind": "trainjobs"}),
    "409-conflict": status(409, "Conflict",
                           'Operation cannot be fulfilled on trainjobs.trainer.kubeflow.org "job-1": '
                           'the object has been modified; please apply your changes to the latest version and try again',
                           {"name": "job-1", "kind": "trainjobs"}),
    "422": status(422, "Invalid", 'TrainJob.trainer.kubeflow.org "job-1" is invalid: [spec.runtimeRef.name: Required value, spec.trainer.numNodes: Invalid value: -1]',
                  {"name": "job-1", "group": "trainer.kubeflow.org", "kind": "TrainJob",
                   "causes": [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.runtimeRef.name"},
                              {"reason": "FieldValueInvalid", "message": "Invalid value: -1: must be greater than or equal to 1",
                               "field": "spec.trainer.numNodes"}]}),
    "410": status(410, "Expired", "too old resource version: 1 (5)"),
}

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *unused):
        pass

    def send_json(self, code, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def client_common_name(self):
        try:
            cert = self.connection.getpeercert()
        except (AttributeError, ValueError):
            return None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = [p for p in url.path.split("/") if p]
        if parts and parts[0] == "prefix":
            parts = parts[1:]
        route = parts[0] if parts else ""

        if route == "echo":
            self.send_json(200, {
                "method": self.command, "path": url.path, "rawQuery": url.query, "query": query,
                "authorization": self.headers.get("Authorization"),
                "contentType": self.headers.get("Content-Type"), "accept": self.headers.get("Accept"),
                "host": self.headers.get("Host"), "body": body.decode("utf-8", "replace"),
                "clientPort": self.client_address[1], "clientCert": self.client_common_name()})
        elif route == "count":
            with counts_lock:
                value = counts.get(parts[1], 0)
            self.send_json(200, {"count": value})
        elif route == "status":
            name = parts[1]
            self.send_json(CANNED[name]["code"], CANNED[name])
        elif route == "bearer":
            # 401 unless the bearer token is the expected one.
            n = bump(query.get("key", "bearer"))
            if self.headers.get("Authorization") == "Bearer " + query["expect"]:
                self.send_json(200, {"ok": True, "requests": n})
            else:
                self.send_json(401, CANNED["401"])
        elif route == "flaky":
            # The first `fail` requests get `code`, then 200.
            n = bump(parts[1])
            if n <= int(query.get("fail", "1")):
                code = int(query.get("code", "429"))
                headers = [("Retry-After", query["retryAfter"])] if "retryAfter" in query else []
                reason = "TooManyRequests" if code == 429 else "InternalError"
                self.send_json(code, status(code, reason, "try later"), headers)
            else:
                self.send_json(200, {"ok": True, "attempts": n})
        elif route == "always":
            n = bump(parts[1])
            code = int(query.get("code", "500"))
            self.send_json(code, status(code, "InternalError", "etcd is unhappy (attempt %d)" % n))
        elif route == "vanish":
            # Read the request, count it, and close the connection without a byte of answer.
            bump(parts[1])
            self.close_connection = True
        elif route == "slow":
            time.sleep(float(query.get("seconds", "2")))
            self.send_json(200, {"ok": True})
        elif route == "stream":
            self.stream(int(query.get("lines", "5")), float(query.get("delay", "0")))
        else:
            self.send_json(404, CANNED["404-unserved"])

    def stream(self, lines, delay):
        # Chunk boundaries deliberately fall inside lines; the last line has no newline.
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for i in range(lines):
                text = '{"type":"ADDED","n":%d}' % i
                ending = "\n" if i < lines - 1 else ""
                half = len(text) // 2
                for piece in (text[:half], text[half:] + ending):
                    data = piece.encode()
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    self.wfile.flush()
                if delay:
                    time.sleep(delay)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # failed TLS handshakes are part of the tests


server = Server(("127.0.0.1", 0), Handler)
if args.cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        context.load_verify_locations(args.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED if args.require_client_cert else ssl.CERT_OPTIONAL
    # Handshake in the handler thread, so one bad client cannot stall accept().
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)

def exit_when_parent_goes():
    sys.stdin.buffer.read()
    os._exit(0)

threading.Thread(target=exit_when_parent_goes, daemon=True).start()
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
"""#
