#!/usr/bin/env python3
"""Runs a notebook on a Jupyter server through its REST and kernel websocket
APIs -- what a browser does -- and prints each cell's output.

Usage: run_notebook_via_jupyter.py BASE_URL TOKEN NOTEBOOK_PATH
  BASE_URL       http://127.0.0.1:8889 (the tunnel's local end)
  NOTEBOOK_PATH  path relative to the server's notebook directory

Exits 0 when every code cell ran without error. Needs tornado (Debian's
python3-tornado, which jupyter-notebook brings).
"""
import json
import sys
import urllib.request
import uuid

from tornado import ioloop, websocket


def rest(base, token, method, path, body=None, timeout=30):
    request = urllib.request.Request(
        f"{base}{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read()
        return json.loads(text) if text else None


def message(session, code):
    return {
        "header": {"msg_id": uuid.uuid4().hex, "username": "gpubox", "session": session,
                   "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }


async def run(base, token, path):
    notebook = rest(base, token, "GET", f"/api/contents/{path}")["content"]
    kernel = rest(base, token, "POST", "/api/kernels", {"name": "python3"})
    ws_url = base.replace("http", "ws", 1) + f"/api/kernels/{kernel['id']}/channels"
    connection = await websocket.websocket_connect(
        websocket.httpclient.HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    session = uuid.uuid4().hex
    ok = True
    try:
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            request = message(session, source)
            connection.write_message(json.dumps(request))
            print(f"--- cell {index}")
            while True:
                reply = json.loads(await connection.read_message())
                if reply.get("parent_header", {}).get("msg_id") != request["header"]["msg_id"]:
                    continue
                kind = reply["msg_type"]
                if kind == "stream":
                    sys.stdout.write(reply["content"]["text"])
                elif kind == "error":
                    print("\n".join(reply["content"]["traceback"]))
                    ok = False
                elif kind == "execute_reply":
                    ok = ok and reply["content"]["status"] == "ok"
                    break
            if not ok:
                break
    finally:
        connection.close()
        rest(base, token, "DELETE", f"/api/kernels/{kernel['id']}")
    return ok


def main():
    base, token, path = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    ok = ioloop.IOLoop.current().run_sync(lambda: run(base, token, path), timeout=600)
    print("notebook ran through Jupyter:", "ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
