"""Records what the Kubeflow SDK 0.5.0 sends for one `client.train(...)` call,
as the other goldens in this folder were recorded: the SDK runs against a fake
API server that serves the v2.3.0 runtimes (fake_cluster_runtimes.json) and
answers a TrainJob POST with 201; job names are deterministic (mabcdef01234).

Run it with the SDK installed outside the checkout, e.g.
    python3 -m venv /tmp/sdk-venv && /tmp/sdk-venv/bin/pip install kubeflow==0.5.0
    /tmp/sdk-venv/bin/python Tests/Fixtures/sdk-reference/record.py CASE_NAME 'job = client.train(...)' ['note']
It writes CASE_NAME.json next to itself. Tests never run this file."""
import json
import random
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).parent
RUNTIMES = json.loads((HERE / "fake_cluster_runtimes.json").read_text())
NAMESPACE = "team-a"
PREAMBLE = """from kubernetes import client as k8s_client
from kubeflow.common.types import KubernetesBackendConfig
from kubeflow.trainer import *
from kubeflow.trainer.options import *
cfg = k8s_client.Configuration(); cfg.host = "{host}"
client = TrainerClient(KubernetesBackendConfig(namespace="team-a", client_configuration=cfg))
"""
recorded = []


class FakeAPI(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, status, raw):
        path, _, query = self.path.partition("?")
        recorded.append({"method": self.command, "path": path, "query": None, "query_string": query or None,
                         "content_type": self.headers.get("Content-Type"), "accept": self.headers.get("Accept"),
                         "body": json.loads(raw) if raw else None, "raw_body": raw, "response_status": status})

    def do_GET(self):
        path = self.path.partition("?")[0]
        prefix = "/apis/trainer.kubeflow.org/v1alpha1/clustertrainingruntimes/"
        if path.startswith(prefix) and path[len(prefix):] in RUNTIMES:
            status, body = 200, RUNTIMES[path[len(prefix):]]
        else:
            status, body = 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                                 "code": 404, "message": f"{path} not found"}
        if "/configmaps/" not in path:  # the constructor's version probe is golden 00
            self.record(status, None)
        self.answer(status, body)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        self.record(201, raw)
        self.answer(201, json.loads(raw))


def main():
    case, call = sys.argv[1], sys.argv[2]
    notes = sys.argv[3] if len(sys.argv) > 3 else None
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{server.server_port}"
    random.choice = lambda seq: "m"
    uuid.uuid4 = lambda: uuid.UUID("abcdef01-2345-6789-abcd-ef0123456789")
    scope = {}
    exec(PREAMBLE.format(host=host), scope)
    recorded.clear()
    exec(call, scope)
    server.shutdown()
    out = {"case": case, "sdk_version": "kubeflow==0.5.0", "namespace": NAMESPACE,
           "sdk_call": PREAMBLE.format(host="https://k8s.fake:6443") + "\n" + call, "requests": recorded,
           "result": scope.get("job")}
    if notes:
        out["notes"] = notes
    (HERE / f"{case}.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"{case}: {len(recorded)} requests")


if __name__ == "__main__":
    main()
