// Loaded into configurable-http-proxy with `node --require` (NODE_OPTIONS, set by
// jupyterhub_config.py): a request whose path is not valid percent-encoding (`/%zz`, a cut
// UTF-8 sequence) gets 400 before the proxy routes it. The proxy decodes the path to find its
// route and answered such a request with a 500 and the Hub's HTML error page. Requests to the
// CodeMentor API get the API's JSON error envelope; others a line of plain text.
"use strict";

const http = require("http");
const https = require("https");
const crypto = require("crypto");

const API_PREFIX = "/services/codementor/api/";

function badPath(url) {
  try {
    decodeURIComponent(new URL(url, "http://proxy.invalid").pathname);
    return false;
  } catch (err) {
    return true;
  }
}

function refuse(req, res) {
  const message = "the request's path is not valid percent-encoding (UTF-8 bytes as %XX)";
  let body, type;
  if ((req.url || "").startsWith(API_PREFIX)) {
    const requestId = crypto.randomBytes(16).toString("hex");
    body = JSON.stringify({ error: { code: "invalid_request", message, details: {}, request_id: requestId } });
    type = "application/json; charset=utf-8";
    res.setHeader("X-Request-Id", requestId);
  } else {
    body = message + "\n";
    type = "text/plain; charset=utf-8";
  }
  res.writeHead(400, {
    "Content-Type": type, "Content-Length": Buffer.byteLength(body), "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

for (const mod of [http, https]) {
  const createServer = mod.createServer;
  mod.createServer = function (...args) {
    const at = args.findIndex((arg) => typeof arg === "function");
    if (at >= 0) {
      const handler = args[at];
      args[at] = function (req, res) {
        if (badPath(req.url)) return refuse(req, res);
        return handler.call(this, req, res);
      };
    }
    return createServer.apply(this, args);
  };
}
