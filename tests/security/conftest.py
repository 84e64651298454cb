def pytest_terminal_summary(terminalreporter):
    from tests.security.test_fuzz import STATS

    if STATS["requests"]:
        terminalreporter.write_line(
            "fuzz: {requests} requests into {forms} forms of {pages} pages, "
            "{errors_500} errors 500".format(**STATS)
        )
