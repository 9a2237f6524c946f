#!/usr/bin/env python3
"""A browser tab on a box's notebook, for the idle auto-stop test (issue 10): it opens a
kernel over the forwarded Jupyter port, runs one cell that keeps the kernel busy for BUSY_S
seconds, then stays open doing nothing but what an idle tab does (polling /api/kernels every
few seconds) until the server stops answering (the box stopped) or LIMIT_S passes.

Usage: notebook_tab_check.py BASE_URL TOKEN BUSY_S LIMIT_S OUT_DIR
Writes OUT_DIR/cell-started, OUT_DIR/cell-done and OUT_DIR/gone, each holding the epoch
milliseconds of that moment. Exits 0 when the cell ran to its end (status ok), 1 otherwise.
Needs tornado (Debian's python3-tornado, which Jupyter brings).
"""
import asyncio
import json
import os
import sys
import time
import uuid

from tornado import websocket

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from run_notebook_via_jupyter import rest  # noqa: E402  (the REST call a browser makes)

POLL_S = 5  # an idle JupyterLab tab asks for the kernels about this often


def mark(out_dir, name):
    with open(f"{out_dir}/{name}", "w") as out:
        out.write(str(int(time.time() * 1000)))


async def poll_until_gone(base, token, out_dir, deadline):
    """What an open tab does: asks for the kernels now and then, until nobody answers."""
    failures = 0
    while time.time() < deadline:
        try:
            kernels = await asyncio.get_running_loop().run_in_executor(
                None, lambda: rest(base, token, "GET", "/api/kernels", timeout=10))
            print(time.strftime("%H:%M:%S"), "kernels:",
                  [k.get("execution_state") for k in kernels], flush=True)
            failures = 0
        except OSError:
            failures += 1
            print(time.strftime("%H:%M:%S"), "no answer", flush=True)
            if failures >= 2:
                mark(out_dir, "gone")
                return
        await asyncio.sleep(POLL_S)


async def run(base, token, busy_s, limit_s, out_dir):
    deadline = time.time() + limit_s
    kernel = rest(base, token, "POST", "/api/kernels", {"name": "python3"})
    ws_url = base.replace("http", "ws", 1) + f"/api/kernels/{kernel['id']}/channels"
    connection = await websocket.websocket_connect(
        websocket.httpclient.HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    poller = asyncio.ensure_future(poll_until_gone(base, token, out_dir, deadline))
    session = uuid.uuid4().hex

    def send(msg_type, content):
        msg_id = uuid.uuid4().hex
        connection.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": "gpubox", "session": session,
                       "msg_type": msg_type, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "content": content}))
        return msg_id

    # As a browser does: the kernel answers kernel_info before the cell is sent (a message
    # sent while its channels still connect can be lost, the kernel left idle).
    messages = asyncio.Queue()  # one reader: a read cancelled by a timeout could lose one

    async def read_all():
        while True:
            text = await connection.read_message()
            await messages.put(text)
            if text is None:
                return
    reader = asyncio.ensure_future(read_all())
    ready = False
    while not ready and time.time() < deadline:
        info_id = send("kernel_info_request", {})
        try:
            while not ready:
                text = await asyncio.wait_for(messages.get(), 2)
                if text is None:
                    raise SystemExit("the server closed the kernel's websocket")
                reply = json.loads(text)
                ready = (reply.get("parent_header", {}).get("msg_id") == info_id
                         and reply["msg_type"] == "kernel_info_reply")
        except asyncio.TimeoutError:
            continue
    print(time.strftime("%H:%M:%S"), "kernel ready", flush=True)
    msg_id = send("execute_request", {
        "code": f"import time\ntime.sleep({busy_s})\nprint('cell done')", "silent": False,
        "store_history": True, "user_expressions": {}, "allow_stdin": False,
        "stop_on_error": True})
    mark(out_dir, "cell-started")
    ok = False
    while True:
        text = await messages.get()
        if text is None:  # the server went away mid-cell
            break
        reply = json.loads(text)
        if (reply.get("parent_header", {}).get("msg_id") == msg_id
                and reply["msg_type"] == "execute_reply"):
            ok = reply["content"]["status"] == "ok"
            break
    if ok:
        mark(out_dir, "cell-done")
    await poller  # the tab stays open, idle, with its websocket connected
    connection.close()
    reader.cancel()
    return ok


def main():
    base, token = sys.argv[1].rstrip("/"), sys.argv[2]
    busy_s, limit_s, out_dir = float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
    ok = asyncio.run(run(base, token, busy_s, limit_s, out_dir))
    print("notebook tab: cell", "ran to its end" if ok else "did NOT finish")
    sys.exit(0 if ok else 1)


main()
