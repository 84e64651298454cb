import pytest

from distributions import hooks


@pytest.fixture
def clean_hooks():
    """Register hooks for one test only (the registries are module-level)."""
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
