"""The fake Stripe HTTP server (standard library only). See the package's docstring.

Endpoints (the subset Cagette uses): accounts (create, retrieve, update), account links,
Checkout Sessions (create, retrieve, list, expire), refunds (create), payouts (create, on a
connected account), balance (retrieve, on a connected account). Control endpoints under
``/_fake/``: complete or abandon a session, enable an account, settle a payout, make the next
call fail; the hosted pages ``/_fake/pay/<session>`` and ``/_fake/onboard/<account>``.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import os
import re
import secrets
import tempfile
import threading
import time
import urllib.request
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

# Test cards (Stripe's): any other number is refused like a bad number.
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_INSUFFICIENT = "4000000000009995"
DECLINES = {
    CARD_DECLINED: ("card_declined", "Your card was declined."),
    CARD_INSUFFICIENT: ("insufficient_funds", "Your card has insufficient funds."),
}


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send for ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (``a[b][0][c]=x``) back to nested dicts and lists."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = result
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append({})
                if last:
                    node[position] = value
                else:
                    nxt = parts[index + 1]
                    if not isinstance(node[position], (dict, list)) or node[position] == {}:
                        node[position] = [] if nxt.isdigit() else {}
                    node = node[position]
            else:
                if last:
                    node[part] = value
                else:
                    nxt = parts[index + 1]
                    node = node.setdefault(part, [] if nxt.isdigit() else {})
    return result


class FakeError(Exception):
    def __init__(
        self, status: int, message: str, code: str = "", kind: str = "invalid_request_error"
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.kind = status, message, code, kind

    def body(self) -> dict[str, Any]:
        error = {"type": self.kind, "message": self.message}
        if self.code:
            error["code"] = self.code
        return {"error": error}


class FakeStripe:
    """The state of the fake Stripe, and its HTTP server once ``start``\\ ed."""

    def __init__(
        self,
        *,
        webhook_secret: str = "whsec_test_fake",  # noqa: S107 - a test secret
        webhook_url: str = "",
        state_file: str = "",
    ):
        self.webhook_secret = webhook_secret
        # When set, the state is read from this JSON file at start and written back after
        # every call that may change it (the demo: a restart keeps accounts, sessions, refunds).
        self.state_file = state_file
        self.webhook_url = webhook_url  # when set, events are delivered there (the demo)
        self.webhook_delay = 0.0
        self.lock = threading.RLock()
        self.accounts: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.payouts: dict[str, dict[str, Any]] = {}
        self.balances: dict[str, int] = {}  # available, in cents, per connected account
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        self.idempotent: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.fail_next: list[FakeError] = []
        self.delivered: list[tuple[str, int]] = []
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        if state_file:
            self.load()

    # State file -------------------------------------------------------------------------------

    PERSISTED = ("accounts", "sessions", "intents", "refunds", "payouts", "balances", "events")

    def load(self) -> None:
        """Read the state written by ``save`` (nothing when the file does not exist yet)."""
        path = Path(self.state_file)
        if not path.exists():
            return
        data = json.loads(path.read_text(encoding="utf-8"))
        with self.lock:
            for name in self.PERSISTED:
                if name in data:
                    setattr(self, name, data[name])
            self.idempotent = {
                (key, path_): (status, body)
                for key, path_, status, body in data.get("idempotent", [])
            }

    def save(self) -> None:
        """Write the state atomically: a temporary file next to it, then a rename, so a crash
        mid-write leaves the previous state whole."""
        if not self.state_file:
            return
        path = Path(self.state_file)
        with self.lock:
            data: dict[str, Any] = {name: getattr(self, name) for name in self.PERSISTED}
            data["idempotent"] = [
                [key, path_, status, body]
                for (key, path_), (status, body) in self.idempotent.items()
            ]
            text = json.dumps(data)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    # Running ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.server is None:
            raise RuntimeError("The fake Stripe is not started.")
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeStripe:
        fake = self

        class Handler(_Handler):
            stripe = fake

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # Helpers ----------------------------------------------------------------------------------

    @staticmethod
    def new_id(prefix: str) -> str:
        return f"{prefix}_test_{secrets.token_hex(8)}"

    def fail(self, status: int = 500, message: str = "Simulated failure.", code: str = "") -> None:
        """Make the next API call (not a control call) fail with this error."""
        kind = "api_error" if status >= 500 else "invalid_request_error"
        self.fail_next.append(FakeError(status, message, code, kind))

    def emit(self, kind: str, obj: dict[str, Any], *, account: str = "") -> dict[str, Any]:
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "type": kind,
            "livemode": False,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        if account:
            event["account"] = account
        with self.lock:
            self.events.append(event)
        if self.webhook_url:
            threading.Thread(target=self._deliver, args=(event,), daemon=True).start()
        return event

    def payload(self, event: dict[str, Any]) -> bytes:
        return json.dumps(event).encode()

    def signature(self, payload: bytes, *, secret: str | None = None) -> str:
        return sign_payload(payload, secret or self.webhook_secret)

    def _deliver(self, event: dict[str, Any]) -> None:
        if self.webhook_delay:
            time.sleep(self.webhook_delay)
        payload = self.payload(event)
        request = urllib.request.Request(  # noqa: S310 - the URL is the demo's own server
            self.webhook_url,
            data=payload,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": self.signature(payload),
            },
            method="POST",
        )
        status = 0
        for _attempt in range(3):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    status = response.status
                break
            except Exception as exc:  # the demo's server restarting: try again
                status = getattr(exc, "code", 0)
                time.sleep(0.5)
        with self.lock:
            self.delivered.append((event["id"], status))

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [e for e in self.events if e["type"] == kind]

    # Accounts ---------------------------------------------------------------------------------

    def account_create(self, params: dict[str, Any]) -> dict[str, Any]:
        account_id = self.new_id("acct")
        account = {
            "id": account_id,
            "object": "account",
            "type": params.get("type", "express"),
            "country": params.get("country", "FR"),
            "email": params.get("email"),
            "business_profile": params.get("business_profile", {}),
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "requirements": {
                "currently_due": ["external_account", "representative.id_number"],
                "disabled_reason": "requirements.past_due",
            },
            "settings": {"payouts": {"schedule": {"interval": "daily"}}},
            "metadata": params.get("metadata", {}),
        }
        payouts = params.get("settings", {}).get("payouts", {}).get("schedule", {})
        if payouts.get("interval"):
            account["settings"]["payouts"]["schedule"]["interval"] = payouts["interval"]
        self.accounts[account_id] = account
        self.balances[account_id] = 0
        return account

    def account_seed(self, account_id: str) -> dict[str, Any]:
        """An enabled account with a chosen id, with manual payouts (the demo's)."""
        account = self.account_create(
            {"settings": {"payouts": {"schedule": {"interval": "manual"}}}}
        )
        del self.accounts[account["id"]], self.balances[account["id"]]
        account.update(
            id=account_id, charges_enabled=True, payouts_enabled=True, details_submitted=True
        )
        account["requirements"] = {"currently_due": [], "disabled_reason": None}
        self.accounts[account_id] = account
        self.balances[account_id] = 0
        return account

    def account_enable(self, account_id: str, *, verified: bool = True) -> dict[str, Any]:
        """The account's holder submitted their details (and Stripe verified them)."""
        account = self._get(self.accounts, account_id)
        account["details_submitted"] = True
        account["charges_enabled"] = verified
        account["payouts_enabled"] = verified
        account["requirements"] = {
            "currently_due": [],
            "disabled_reason": None if verified else "requirements.pending_verification",
        }
        self.emit("account.updated", account, account=account_id)
        return account

    # Checkout ---------------------------------------------------------------------------------

    def session_create(self, params: dict[str, Any]) -> dict[str, Any]:
        items = params.get("line_items") or []
        amount = 0
        for item in items:
            data = item.get("price_data", {})
            amount += int(data.get("unit_amount", 0)) * int(item.get("quantity", 1))
        intent_data = params.get("payment_intent_data", {})
        destination = intent_data.get("transfer_data", {}).get("destination", "")
        if destination and destination not in self.accounts:
            raise FakeError(400, f"No such destination: '{destination}'", "resource_missing")
        if destination and not self.accounts[destination]["charges_enabled"]:
            raise FakeError(400, "The destination account cannot take charges.")
        session_id = self.new_id("cs")
        now = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode", "payment"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": (items[0].get("price_data", {}).get("currency") if items else "eur"),
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "created": now,
            "expires_at": int(params.get("expires_at") or now + 24 * 3600),
            "url": f"{self.base_url}/_fake/pay/{session_id}",
            "payment_intent_data": intent_data,
        }
        self.sessions[session_id] = session
        return session

    def session_complete(self, session_id: str, *, card: str = CARD_OK) -> dict[str, Any]:
        """The member paid on the hosted page; raises FakeError for a declined card."""
        session = self._get(self.sessions, session_id)
        if session["status"] != "open":
            raise FakeError(400, "This Checkout Session is no longer open.")
        card = re.sub(r"\D", "", card)
        if card in DECLINES:
            code, message = DECLINES[card]
            raise FakeError(402, message, code, "card_error")
        if card != CARD_OK:
            raise FakeError(402, "Your card number is incorrect.", "incorrect_number", "card_error")
        intent_data = session["payment_intent_data"]
        fee = int(intent_data.get("application_fee_amount") or 0)
        destination = intent_data.get("transfer_data", {}).get("destination", "")
        intent_id = self.new_id("pi")
        self.intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_refunded": 0,
            "application_fee_amount": fee,
            "destination": destination,
            "metadata": session["metadata"],
            "status": "succeeded",
            "latest_charge": self.new_id("ch"),
            "application_fee": self.new_id("fee") if fee else None,
            "application_fee_refunded": 0,
        }
        if destination:
            self.balances[destination] = (
                self.balances.get(destination, 0) + session["amount_total"] - fee
            )
        session.update(status="complete", payment_status="paid", payment_intent=intent_id)
        self.emit("checkout.session.completed", session)
        return session

    def session_expire(self, session_id: str) -> dict[str, Any]:
        session = self._get(self.sessions, session_id)
        if session["status"] != "open":
            raise FakeError(
                400,
                f"Only Checkout Sessions with a status of open can be expired (status: {session['status']}).",
            )
        session["status"] = "expired"
        self.emit("checkout.session.expired", session)
        return session

    def sessions_list(self, params: dict[str, Any]) -> dict[str, Any]:
        since = (
            int(params.get("created", {}).get("gte", 0))
            if isinstance(params.get("created"), dict)
            else 0
        )
        status = params.get("status")
        data = [
            s
            for s in sorted(self.sessions.values(), key=lambda s: -s["created"])
            if s["created"] >= since and (not status or s["status"] == status)
        ]
        limit = int(params.get("limit", 100))
        return {
            "object": "list",
            "data": data[:limit],
            "has_more": False,
            "url": "/v1/checkout/sessions",
        }

    # Refunds and payouts ----------------------------------------------------------------------

    def refund_create(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._get(self.intents, params.get("payment_intent", ""))
        left = intent["amount"] - intent["amount_refunded"]
        amount = int(params.get("amount") or left)
        if left <= 0:
            raise FakeError(400, "Charge has already been refunded.", "charge_already_refunded")
        if amount > left:
            raise FakeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            )
        intent["amount_refunded"] += amount
        fee_back = 0
        if params.get("refund_application_fee") in ("true", True):
            fee_back = intent["application_fee_amount"] * amount // intent["amount"]
            intent["application_fee_refunded"] += fee_back
        if intent["destination"] and params.get("reverse_transfer") in ("true", True):
            self.balances[intent["destination"]] -= amount - fee_back
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": "eur",
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
        }
        self.refunds[refund["id"]] = refund
        self.emit(
            "charge.refunded",
            {
                "id": intent["latest_charge"],
                "object": "charge",
                "payment_intent": intent["id"],
                "amount": intent["amount"],
                "amount_refunded": intent["amount_refunded"],
                "refunded": intent["amount_refunded"] >= intent["amount"],
                "metadata": intent["metadata"],
                "refunds": {
                    "object": "list",
                    "data": [
                        r for r in self.refunds.values() if r["payment_intent"] == intent["id"]
                    ],
                },
            },
        )
        return refund

    def charge(self, charge_id: str) -> dict[str, Any]:
        for intent in self.intents.values():
            if intent["latest_charge"] == charge_id:
                return {
                    "id": charge_id,
                    "object": "charge",
                    "amount": intent["amount"],
                    "amount_refunded": intent["amount_refunded"],
                    "application_fee": intent["application_fee"],
                    "payment_intent": intent["id"],
                }
        raise FakeError(404, f"No such charge: '{charge_id}'", "resource_missing")

    def fee_refund(self, fee_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """Give back part of a platform fee to the connected account."""
        intent = next((i for i in self.intents.values() if i["application_fee"] == fee_id), None)
        if intent is None:
            raise FakeError(404, f"No such application fee: '{fee_id}'", "resource_missing")
        left = intent["application_fee_amount"] - intent["application_fee_refunded"]
        amount = int(params.get("amount") or left)
        if amount > left:
            raise FakeError(400, "Refund amount is greater than the unrefunded application fee.")
        intent["application_fee_refunded"] += amount
        if intent["destination"]:
            self.balances[intent["destination"]] += amount
        return {"id": self.new_id("fr"), "object": "fee_refund", "amount": amount, "fee": fee_id}

    def balance(self, account: str) -> dict[str, Any]:
        self._get(self.accounts, account)
        return {
            "object": "balance",
            "available": [{"amount": self.balances.get(account, 0), "currency": "eur"}],
            "pending": [{"amount": 0, "currency": "eur"}],
        }

    def payout_create(self, account: str, params: dict[str, Any]) -> dict[str, Any]:
        self._get(self.accounts, account)
        amount = int(params.get("amount", 0))
        if amount > self.balances.get(account, 0):
            raise FakeError(
                400, "You have insufficient funds in your Stripe account.", "balance_insufficient"
            )
        self.balances[account] -= amount
        payout = {
            "id": self.new_id("po"),
            "object": "payout",
            "amount": amount,
            "currency": params.get("currency", "eur"),
            "status": "pending",
            "statement_descriptor": params.get("statement_descriptor"),
            "metadata": params.get("metadata", {}),
            "failure_message": None,
            "account": account,
        }
        self.payouts[payout["id"]] = payout
        return payout

    def payout_settle(self, payout_id: str, *, paid: bool = True) -> dict[str, Any]:
        payout = self._get(self.payouts, payout_id)
        payout["status"] = "paid" if paid else "failed"
        if not paid:
            payout["failure_message"] = "The bank account has been closed."
            self.balances[payout["account"]] += payout["amount"]
        self.emit("payout.paid" if paid else "payout.failed", payout, account=payout["account"])
        return payout

    @staticmethod
    def _get(table: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
        if key not in table:
            raise FakeError(404, f"No such object: '{key}'", "resource_missing")
        return table[key]

    # Dispatch ---------------------------------------------------------------------------------

    def expire_due(self) -> None:
        """Open sessions past their ``expires_at`` expire, as Stripe does on its own."""
        now = int(time.time())
        for session in list(self.sessions.values()):
            if session["status"] == "open" and session["expires_at"] <= now:
                session["status"] = "expired"
                self.emit("checkout.session.expired", session)

    def api(self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
        account = headers.get("stripe-account", "")
        self.expire_due()
        routes: list[tuple[str, str, Any]] = [
            ("POST", r"/v1/accounts", lambda: self.account_create(params)),
            ("GET", r"/v1/accounts/([\w]+)", lambda a: self._get(self.accounts, a)),
            ("POST", r"/v1/accounts/([\w]+)", lambda a: self._account_update(a, params)),
            ("POST", r"/v1/account_links", lambda: self._account_link(params)),
            ("POST", r"/v1/checkout/sessions", lambda: self.session_create(params)),
            ("GET", r"/v1/checkout/sessions", lambda: self.sessions_list(params)),
            ("GET", r"/v1/checkout/sessions/([\w]+)", lambda s: self._get(self.sessions, s)),
            ("POST", r"/v1/checkout/sessions/([\w]+)/expire", lambda s: self.session_expire(s)),
            ("POST", r"/v1/refunds", lambda: self.refund_create(params)),
            ("GET", r"/v1/payment_intents/([\w]+)", lambda p: self._get(self.intents, p)),
            ("GET", r"/v1/charges/([\w]+)", lambda c: self.charge(c)),
            (
                "POST",
                r"/v1/application_fees/([\w]+)/refunds",
                lambda f: self.fee_refund(f, params),
            ),
            ("GET", r"/v1/balance", lambda: self.balance(account)),
            ("POST", r"/v1/payouts", lambda: self.payout_create(account, params)),
            ("GET", r"/v1/payouts/([\w]+)", lambda p: self._get(self.payouts, p)),
        ]
        for verb, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return handler(*match.groups())
        raise FakeError(404, f"Unrecognized request URL ({method}: {path}).")

    def _account_update(self, account_id: str, params: dict[str, Any]) -> dict[str, Any]:
        account = self._get(self.accounts, account_id)
        interval = params.get("settings", {}).get("payouts", {}).get("schedule", {}).get("interval")
        if interval:
            account["settings"]["payouts"]["schedule"]["interval"] = interval
        account["metadata"].update(params.get("metadata", {}))
        return account

    def _account_link(self, params: dict[str, Any]) -> dict[str, Any]:
        account_id = params.get("account", "")
        self._get(self.accounts, account_id)
        query = urlencode(
            {
                "return_url": params.get("return_url", ""),
                "refresh_url": params.get("refresh_url", ""),
            }
        )
        return {
            "object": "account_link",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
            "url": f"{self.base_url}/_fake/onboard/{account_id}?{query}",
        }


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
input,button{{font-size:1.1rem;padding:.4rem}} .error{{color:#b00020}} small{{color:#555}}</style>
</head><body><p><small>Fake Stripe (local test server)</small></p><h1>{title}</h1>{body}</body></html>"""


class _Handler(BaseHTTPRequestHandler):
    stripe: FakeStripe
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(
            status,
            json.dumps(data).encode(),
            "application/json",
            {"Request-Id": FakeStripe.new_id("req")},
        )

    def _page(self, title: str, body: str, status: int = 200) -> None:
        self._send(
            status,
            PAGE.format(title=html.escape(title), body=body).encode(),
            "text/html; charset=utf-8",
        )

    def _redirect(self, url: str) -> None:
        self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": url})

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        params = decode_form(raw if method == "POST" else url.query)
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake = self.stripe
        try:
            if url.path.startswith("/_fake/"):
                with fake.lock:
                    try:
                        self._control(method, url.path, params, url.query)
                    finally:
                        if method == "POST":
                            fake.save()
                return
            with fake.lock:
                fake.requests.append((method, url.path, params, headers))
                key = headers.get("idempotency-key", "")
                if key and (key, url.path) in fake.idempotent:
                    status, data = fake.idempotent[(key, url.path)]
                    self._json(status, data)
                    return
                if fake.fail_next:
                    raise fake.fail_next.pop(0)
                if not headers.get("authorization", "").startswith("Bearer sk_"):
                    raise FakeError(401, "Invalid API Key provided.", kind="authentication_error")
                try:
                    data = fake.api(method, url.path, params, headers)
                    if key and method == "POST":
                        fake.idempotent[(key, url.path)] = (200, data)
                finally:
                    fake.save()  # a GET may expire sessions too
            self._json(200, data)
        except FakeError as exc:
            if url.path.startswith("/_fake/pay/") or url.path.startswith("/_fake/onboard/"):
                self._page("Error", f'<p class="error">{html.escape(exc.message)}</p>', exc.status)
            else:
                self._json(exc.status, exc.body())

    # Control and hosted pages -----------------------------------------------------------------

    def _control(self, method: str, path: str, params: dict[str, Any], query: str) -> None:
        fake = self.stripe
        parts = path.strip("/").split("/")[1:]
        if parts[0] == "pay" and len(parts) == 2:
            self._pay_page(method, parts[1], params)
        elif parts[0] == "onboard" and len(parts) == 2:
            self._onboard_page(method, parts[1], params, dict(parse_qsl(query)))
        elif parts[0] == "sessions" and len(parts) == 3 and method == "POST":
            if parts[2] == "complete":
                self._json(200, fake.session_complete(parts[1], card=params.get("card", CARD_OK)))
            else:
                self._json(200, fake.session_expire(parts[1]))
        elif parts[0] == "accounts" and len(parts) == 3 and method == "POST":
            self._json(200, fake.account_enable(parts[1], verified=parts[2] == "enable"))
        elif parts[0] == "payouts" and len(parts) == 3 and method == "POST":
            self._json(200, fake.payout_settle(parts[1], paid=parts[2] == "paid"))
        elif parts[0] == "events" and method == "GET":
            self._json(200, {"data": fake.events})
        else:
            raise FakeError(404, "Unknown control call.")

    def _pay_page(self, method: str, session_id: str, params: dict[str, Any]) -> None:
        fake = self.stripe
        session = fake._get(fake.sessions, session_id)
        error = ""
        if method == "POST":
            if params.get("cancel"):
                self._redirect(session["cancel_url"])
                return
            try:
                fake.session_complete(session_id, card=params.get("card", ""))
            except FakeError as exc:
                error = exc.message
            else:
                self._redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))
                return
        if session["status"] != "open":
            self._page("Payment", "<p>This payment page is no longer open.</p>")
            return
        amount = Decimal(session["amount_total"]) / 100
        body = (
            f"<p>Amount: <strong>{amount:.2f} {session['currency'].upper()}</strong></p>"
            + (f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "")
            + f'<form method="post" action="/_fake/pay/{session_id}">'
            '<p><label for="card">Card number</label><br>'
            f'<input id="card" name="card" value="{CARD_OK}" autocomplete="off" inputmode="numeric"></p>'
            "<p><small>Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined.</small></p>"
            '<p><button type="submit">Pay</button> '
            '<button type="submit" name="cancel" value="1">Cancel and go back</button></p></form>'
        )
        self._page("Pay by card", body, 402 if error else 200)

    def _onboard_page(
        self, method: str, account_id: str, params: dict[str, Any], query: dict[str, str]
    ) -> None:
        fake = self.stripe
        account = fake._get(fake.accounts, account_id)
        if method == "POST":
            fake.account_enable(account_id, verified=params.get("verified", "1") == "1")
            self._redirect(params.get("return_url") or query.get("return_url", "/"))
            return
        return_url = html.escape(query.get("return_url", ""))
        body = (
            f"<p>Account {html.escape(account['id'])}: give the organisation's details, its "
            "representative's identity and its bank account (IBAN).</p>"
            f'<form method="post" action="/_fake/onboard/{account_id}">'
            f'<input type="hidden" name="return_url" value="{return_url}">'
            '<p><label for="iban">IBAN</label><br><input id="iban" name="iban" value="FR7630006000011234567890189"></p>'
            '<p><button type="submit" name="verified" value="1">Submit and verify</button> '
            '<button type="submit" name="verified" value="0">Submit (verification pending)</button></p></form>'
        )
        self._page("Set up payments", body)


def main() -> None:  # pragma: no cover - the demo's entry point
    import argparse

    parser = argparse.ArgumentParser(description="Fake Stripe server for the offline demo.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/stripe/webhook/")
    parser.add_argument("--webhook-secret", default="whsec_demo_fake")
    parser.add_argument(
        "--state-file",
        default="",
        help="A JSON file keeping the state across restarts (written after every change).",
    )
    parser.add_argument(
        "--demo-account",
        action="append",
        default=[],
        help="An account id that exists, enabled, from the start (the seeded demo's).",
    )
    args = parser.parse_args()
    fake = FakeStripe(
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        state_file=args.state_file,
    )
    for account_id in args.demo_account:
        if account_id not in fake.accounts:
            fake.account_seed(account_id)
    fake.save()
    fake.start(args.host, args.port)
    print(f"Fake Stripe on {fake.base_url}, webhooks to {args.webhook_url}", flush=True)
    if fake.thread is not None:
        fake.thread.join()


if __name__ == "__main__":  # pragma: no cover
    main()
