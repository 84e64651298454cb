"""Profile the checkout of ``make bench`` in process: where one request's CPU goes.

Seeds the data of ``scripts/bench.py`` (checkout part only, its own ``…_bench`` database), then
posts the checkout form through Django's test client, one buyer after another (the middleware,
the view, the services, the commit and the queueing of the confirmation e-mail: what a gunicorn
thread does, without the HTTP parsing). The first buyers warm up (imports, connections); then
``PROFILE_BUYERS`` (default 40) buyers are timed, half of them served and half refused for stock,
as in the bench where 150 of 200 find the product gone. Prints the process CPU per checkout
(placed and refused apart), the SQL queries of each kind of request, and the top functions of
cProfile by cumulative time (``PROFILE_TOP``, default 40; ``PROFILE_SORT``, default
``cumulative``); ``PROFILE_OUT`` saves the profile to a file (for ``pstats`` or snakeviz),
``PROFILE_OFF=1`` measures the CPU without the profiler (whose overhead doubles it),
``PROFILE_SQL=1`` prints the SQL of one placed and one refused checkout.

Run it on two commits back to back to see which code got heavier::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cagette_me \\
        .venv/bin/python scripts/bench_checkout_profile.py
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

BUYERS = int(os.environ.get("PROFILE_BUYERS", "40"))
WARM = 8
PROFILING = os.environ.get("PROFILE_OFF") != "1"
os.environ["BENCH_ONLY"] = "checkout"
os.environ["BENCH_BUYERS"] = str(BUYERS + WARM)
os.environ["BENCH_STOCK"] = str(BUYERS // 2 + WARM)

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # noqa: E402


def main() -> int:
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="cagette-profile-"))
    (workdir / "bench_settings.py").write_text(bench.SETTINGS, encoding="utf-8")
    env, where = bench._prepare_database(workdir)
    bench._setup_django(env)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    print(f"Database: {where}; Celery broker: {env.get('CELERY_BROKER_URL') or 'eager'}")
    call_command("migrate", verbosity=0)
    data = bench.seed()
    path = f"/g/banc/shop/{data['checkout']}/checkout/"
    sessions = data["sessions"]
    client = Client()

    def post(session: str):
        client.cookies["sessionid"] = session
        return client.post(path, {"payment_type": "onthespot"}, HTTP_HOST="127.0.0.1")

    for session in sessions[:WARM]:
        post(session)
    import gc

    gc_spent = [0.0, 0, 0]  # seconds, collections, full collections

    def gc_timer(phase: str, info: dict) -> None:
        if phase == "start":
            gc_spent.append(time.process_time())
        else:
            gc_spent[0] += time.process_time() - gc_spent.pop()
            gc_spent[1] += 1
            gc_spent[2] += info["generation"] == 2

    if os.environ.get("PROFILE_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()  # what a server that freezes its start-up objects would do
    gc.callbacks.append(gc_timer)
    profile = cProfile.Profile()
    cpu = {"placed": 0.0, "refused": 0.0}
    count = {"placed": 0, "refused": 0}
    queries: dict[str, list[str]] = {}
    for session in sessions[WARM:]:
        with CaptureQueriesContext(connection) as captured:
            start = time.process_time()
            if PROFILING:
                profile.enable()
            response = post(session)
            if PROFILING:
                profile.disable()
            spent = time.process_time() - start
        kind = "placed" if "/orders/" in response.get("Location", "") else "refused"
        cpu[kind] += spent
        count[kind] += 1
        queries.setdefault(kind, [q["sql"] for q in captured.captured_queries])
    for kind in ("placed", "refused"):
        if count[kind]:
            print(
                f"{kind}: {count[kind]} checkouts, {cpu[kind] * 1000 / count[kind]:.1f} ms CPU "
                f"each (profiler {'on' if PROFILING else 'off'}), {len(queries[kind])} queries"
            )
    if os.environ.get("PROFILE_SQL"):
        for kind, sqls in queries.items():
            print(f"\n{kind} queries:")
            for sql in sqls:
                print("  ", sql[:200])
    gc.callbacks.remove(gc_timer)
    print(
        f"garbage collector: {gc_spent[0] * 1000 / BUYERS:.1f} ms CPU per checkout, "
        f"{gc_spent[1]} collections ({gc_spent[2]} full) for {BUYERS} checkouts"
    )
    if not PROFILING:
        connection.close()
        bench._purge_queue(env)
        return 0
    print()
    if os.environ.get("PROFILE_OUT"):
        profile.dump_stats(os.environ["PROFILE_OUT"])
    stats = pstats.Stats(profile)
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
    stats.print_stats(int(os.environ.get("PROFILE_TOP", "40")))
    connection.close()
    bench._purge_queue(env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
