#!/usr/bin/env python3
"""Send signals to the funding-arbitrage platform and follow them: a research program's side.

Standard library only. A source registered by an admin (POST /api/v1/signal-sources) signs
each request with its secret:

    X-Source:    <source name>
    X-Timestamp: <unix ms>
    X-Signature: hex(HMAC-SHA256(secret, "<X-Timestamp>\\n<exact body bytes>"))

The platform answers 202 with the signal's record at once and works it in the background;
this client then polls the record until it is final. Polling re-sends the same signed body:
the signal id is the idempotency key, so the platform answers the same record, as it is now,
and never acts twice. With ARB_TOKEN set (an API token of the viewer role or above) it reads
GET /api/v1/signals/{id} instead.

    export ARB_URL=http://127.0.0.1:8080 ARB_SOURCE=research ARB_SECRET=sig_...
    python3 signal_client.py open --strategy carry-1 --symbol ETH \\
        --direction long_lighter_short_binance --notional 3000
    python3 signal_client.py close --strategy carry-1 --symbol ETH
    python3 signal_client.py demo --strategy carry-1 --symbol ETH --notional 3000   # both

Each command prints the final record as JSON and exits 0 when the signal is done.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

PENDING = ("received", "executing")


class Client:
    def __init__(self, url, source, secret, token=None):
        self.url = url.rstrip("/")
        self.source = source
        self.secret = secret.encode()
        self.token = token

    def sign(self, timestamp, body):
        """hex(HMAC-SHA256(secret, "<timestamp>\\n<body>")) over the exact bytes sent."""
        return hmac.new(self.secret, timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()

    def send(self, signal):
        """POST the signal, signed; the platform's record of it (202), or an error naming the field."""
        body = json.dumps(signal, separators=(",", ":")).encode()
        timestamp = str(int(time.time() * 1000))
        request = urllib.request.Request(
            self.url + "/api/v1/signals",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Source": self.source,
                "X-Timestamp": timestamp,
                "X-Signature": self.sign(timestamp, body),
            },
        )
        return self._call(request)

    def get(self, record_id):
        request = urllib.request.Request(
            "%s/api/v1/signals/%d" % (self.url, record_id), headers={"Authorization": "Bearer " + self.token}
        )
        return self._call(request)

    def follow(self, signal, record, timeout_s=120.0):
        """Poll until the signal is final: done, failed, expired, cancelled or rejected."""
        deadline = time.time() + timeout_s
        while record["status"] in PENDING:
            if time.time() > deadline:
                raise TimeoutError("signal %s still %s" % (record["signal_id"], record["status"]))
            time.sleep(0.5)
            record = self.get(record["id"]) if self.token else self.send(signal)
        return record

    @staticmethod
    def _call(request):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            raise SystemExit("HTTP %d: %s" % (e.code, detail)) from None


def run(client, signal):
    record = client.send(signal)
    print("accepted: id %d, %s" % (record["id"], record["status"]), file=sys.stderr)
    record = client.follow(signal, record)
    print(json.dumps(record, indent=2))
    return record


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=["open", "close", "demo"])
    p.add_argument("--strategy", required=True)
    p.add_argument("--symbol", required=True)
    p.add_argument("--direction", default="long_lighter_short_binance")
    p.add_argument("--notional", default="1000")
    p.add_argument("--percent", help="close only this percentage (default: all)")
    p.add_argument("--slices", type=int)
    p.add_argument("--id", help="the signal id (default: a new UUID); sending it again is safe")
    args = p.parse_args(argv)
    client = Client(
        os.environ.get("ARB_URL", "http://127.0.0.1:8080"),
        os.environ["ARB_SOURCE"],
        os.environ["ARB_SECRET"],
        os.environ.get("ARB_TOKEN"),
    )

    def signal_id(kind):
        if args.id:
            return args.id if args.command != "demo" else "%s-%s" % (args.id, kind)
        return "%s-%s" % (kind, uuid.uuid4().hex[:12])

    def open_signal():
        s = {"signal_id": signal_id("open"), "strategy": args.strategy, "action": "open", "symbol": args.symbol,
             "direction": args.direction, "notional": args.notional}
        if args.slices:
            s["slices"] = args.slices
        return s

    def close_signal():
        s = {"signal_id": signal_id("close"), "strategy": args.strategy, "action": "close", "symbol": args.symbol}
        if args.percent:
            s["percent"] = args.percent
        return s

    plan = {"open": [open_signal], "close": [close_signal], "demo": [open_signal, close_signal]}[args.command]
    for make in plan:
        if run(client, make())["status"] != "done":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
