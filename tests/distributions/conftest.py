import pytest

from distributions import hooks


@pytest.fixture(autouse=True)
def clean_hooks():
    """Each test starts with no hook registered and may register its own for itself only (the
    registries are module-level). The orders app's real hooks are tested in tests/orders."""
    saved = {
        name: list(getattr(hooks, name))
        for name in (
            "_order_counters",
            "_order_cancellers",
            "_customer_providers",
            "_open_orders_checks",
        )
    }
    # Start blank: other apps (orders, catalogs) register their hooks at start-up.
    for name in saved:
        getattr(hooks, name).clear()
    yield hooks
    for name, value in saved.items():
        getattr(hooks, name)[:] = value
