"""Posts bodies over kembed's body limit with Python's urllib and (when installed) requests, and
prints one JSON line per request: what each client saw (a status it could read, or the error it
raised). Used by QueryApiUnderAttackIntegrationTest; never a dependency of kembed."""
import json
import sys
import urllib.error
import urllib.request

url, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]


def body(size):
    return b'{"inputs":"' + b"a" * (size - 13) + b'"}'


def urllib_post(data):
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return {"status": r.status}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "connection": e.headers.get("Connection"), "error": json.loads(e.read()).get("error")}


def requests_post(data):
    import requests
    r = requests.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=60)
    return {"status": r.status_code, "connection": r.headers.get("Connection"), "error": r.json().get("error")}


clients = {"urllib": urllib_post}
try:
    import requests  # noqa: F401
    clients["requests"] = requests_post
except ImportError:
    print(json.dumps({"client": "requests", "skipped": "not installed"}))

for size in sizes:
    data = body(size)
    for name, post in clients.items():
        try:
            out = post(data)
        except Exception as e:  # what the issue saw: a broken pipe instead of the 413
            out = {"exception": repr(e)[:300]}
        out.update({"client": name, "size": size})
        print(json.dumps(out), flush=True)
