"""A small client for the Hub's REST API and a student server's kernels, used by the tests."""

from __future__ import annotations

import json
import time
import uuid

import httpx
from tornado.websocket import websocket_connect


class HubClient:
    def __init__(self, url: str, token: str, verify=True):
        self.url = url
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"token {token}"}, timeout=30, verify=verify)

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.http.request(method, "/hub/api" + path, **kwargs)

    def create_user(self, name: str, groups: tuple[str, ...] = ("students",)) -> None:
        resp = self.api("POST", f"/users/{name}")
        assert resp.status_code in (201, 409), resp.text
        for group in groups:
            self.api("POST", f"/groups/{group}/users", json={"users": [name]}).raise_for_status()

    def user_token(self, name: str) -> str:
        resp = self.api("POST", f"/users/{name}/tokens", json={"note": "test", "expires_in": 3600})
        resp.raise_for_status()
        return resp.json()["token"]

    def spawn(self, name: str, timeout: float = 90) -> float:
        """Start a user's server and wait until it is ready; returns the seconds it took."""
        started = time.monotonic()
        resp = self.api("POST", f"/users/{name}/server")
        assert resp.status_code in (201, 202, 400), resp.text
        while time.monotonic() - started < timeout:
            server = self.api("GET", f"/users/{name}").json().get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - started
            time.sleep(0.25)
        raise TimeoutError(f"the server of {name} was not ready after {timeout} s")

    def stop(self, name: str) -> None:
        self.api("DELETE", f"/users/{name}/server")

    def server(self, name: str) -> httpx.Client:
        """An HTTP client for the user's own server (jupyter-server REST API)."""
        return httpx.Client(base_url=f"{self.url}/user/{name}", headers=self.http.headers, timeout=30)


class Kernel:
    """A kernel on a student server, driven over its websocket like JupyterLab does."""

    def __init__(self, ws, kernel_id: str):
        self.ws = ws
        self.kernel_id = kernel_id
        self.session = uuid.uuid4().hex

    @classmethod
    async def for_notebook(cls, hub: HubClient, user: str, path: str) -> "Kernel":
        server = hub.server(user)
        resp = server.post("/api/sessions", json={"path": path, "name": path.rsplit("/", 1)[-1], "type": "notebook", "kernel": {"name": "python3"}})
        resp.raise_for_status()
        kernel_id = resp.json()["kernel"]["id"]
        ws_url = f"{hub.url.replace('http', 'ws')}/user/{user}/api/kernels/{kernel_id}/channels"
        from tornado.httpclient import HTTPRequest

        ws = await websocket_connect(HTTPRequest(ws_url, headers=dict(hub.http.headers)))
        return cls(ws, kernel_id)

    async def execute(self, code: str, cell_id: str | None = None, timeout: float = 60) -> dict:
        """Run code; return {"status", "outputs": [text...], "error": ename or None}."""
        msg_id = uuid.uuid4().hex
        msg = {
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session, "username": "test", "version": "5.3", "date": ""},
            "parent_header": {},
            "metadata": {"cellId": cell_id} if cell_id else {},
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False},
            "channel": "shell",
            "buffers": [],
        }
        await self.ws.write_message(json.dumps(msg))
        outputs, updates, error, status, idle = [], [], None, None, False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            raw = await self.ws.read_message()
            if raw is None:
                raise ConnectionError("kernel websocket closed")
            if isinstance(raw, bytes):
                continue
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "stream":
                outputs.append(content["text"])
            elif kind in ("display_data", "execute_result"):
                outputs.append(content["data"].get("text/plain", ""))
            elif kind == "update_display_data":
                updates.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                error = content["ename"] + ": " + content["evalue"]
            elif kind == "execute_reply":
                status = content["status"]
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            if idle and status is not None:
                break
        return {"status": status, "outputs": outputs, "updates": updates, "text": "".join(outputs), "error": error}

    def close(self):
        self.ws.close()


def written(path) -> bool:
    """The notebook file is all there: a student's server writes notebooks in place (jupyter-server
    keeps a copy of the old file aside meanwhile), so a file that just appeared may still be empty."""
    try:
        return isinstance(json.loads(path.read_text()), dict)
    except (OSError, ValueError):
        return False
