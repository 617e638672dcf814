"""The one client of the CodeMentor API, shared by the kernel extension, the server extension
and the dashboards (standard library only, so it stays light in every kernel).

- `envelope`: the API's error envelope, read in one place, and the request id header
- `http`: `APIClient` (urllib): JSON calls, bytes, server-sent events, timeouts, bounded
  retries on transport errors only
- `notebook`: the notebook metadata schema (key, version, read and write helpers)
"""

from .envelope import GATEWAY_DOWN, REQUEST_ID, APIError, ClientError, Unreachable, error_message
from .http import APIClient, parse_events
from .notebook import METADATA_KEY, SCHEMA_VERSION, read_notebook

__all__ = [
    "GATEWAY_DOWN", "REQUEST_ID", "APIError", "ClientError", "Unreachable", "error_message",
    "APIClient", "parse_events", "METADATA_KEY", "SCHEMA_VERSION", "read_notebook",
]
