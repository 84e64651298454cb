"""The fake Stripe keeps its state in a JSON file (``--state-file``): a restart of the demo's
server keeps accounts, sessions and refunds (issue 17, item 4)."""

from __future__ import annotations

import json
import urllib.request

from payments.fake_stripe import FakeStripe


def _get(fake: FakeStripe, path: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the local fake server
        fake.base_url + path, headers={"Authorization": "Bearer sk_test_fake"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _post(fake: FakeStripe, path: str, data: bytes = b"", key: str = "") -> dict:
    headers = {
        "Authorization": "Bearer sk_test_fake",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(  # noqa: S310
        fake.base_url + path,
        data=data,
        method="POST",
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def test_restart_keeps_a_completed_session_and_its_refund(tmp_path):
    """A paid session and a refund made through the HTTP API survive a restart of the server
    on the same state file; a session completed through a control call too."""
    state = tmp_path / "var" / "fake_stripe.json"
    first = FakeStripe(webhook_secret="whsec_x", state_file=str(state)).start()
    try:
        first.account_seed("acct_demo_cagette")
        first.save()
        created = _post(
            first,
            "/v1/checkout/sessions",
            b"mode=payment&line_items[0][price_data][currency]=eur"
            b"&line_items[0][price_data][unit_amount]=1250"
            b"&line_items[0][price_data][product_data][name]=Order&line_items[0][quantity]=1"
            b"&payment_intent_data[transfer_data][destination]=acct_demo_cagette"
            b"&payment_intent_data[application_fee_amount]=45"
            b"&success_url=http://x/ok&cancel_url=http://x/no",
        )
        completed = _post(first, f"/_fake/sessions/{created['id']}/complete")
        assert completed["status"] == "complete"
        refund_body = f"payment_intent={completed['payment_intent']}&amount=250".encode()
        refund = _post(first, "/v1/refunds", refund_body, key="refund-1")
    finally:
        first.stop()
    # Written atomically: no temporary file left next to it, the JSON whole.
    assert [p.name for p in state.parent.iterdir()] == ["fake_stripe.json"]
    saved = json.loads(state.read_text())
    assert created["id"] in saved["sessions"]

    second = FakeStripe(webhook_secret="whsec_x", state_file=str(state)).start()
    try:
        session = _get(second, f"/v1/checkout/sessions/{created['id']}")
        assert session["status"] == "complete"
        assert session["payment_status"] == "paid"
        assert session["amount_total"] == 1250
        assert "acct_demo_cagette" in second.accounts
        assert second.refunds[refund["id"]]["amount"] == 250
        assert [e["type"] for e in second.events].count("checkout.session.completed") == 1
        # Idempotency keys survive too: the same key answers the same refund, not a new one.
        again = _post(second, "/v1/refunds", refund_body, key="refund-1")
        assert again["id"] == refund["id"]
        assert len(second.refunds) == 1
    finally:
        second.stop()


def test_without_a_state_file_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fake = FakeStripe().start()
    try:
        fake.account_seed("acct_x")
        fake.save()
    finally:
        fake.stop()
    assert list(tmp_path.iterdir()) == []
