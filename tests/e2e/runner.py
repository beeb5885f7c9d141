"""Runs end-to-end test classes and prints the closing line CI reads.

Shared by tests/e2e/test_*.py: picks tests by -k substrings, runs them with unittest, and
prints 'N passed, N failed[, N skipped]' alone on the last line.  Returns the exit status.
"""
import sys
import time
import unittest


def run_suite(classes, patterns, verbose, label):
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for cls in classes:
        for t in loader.loadTestsFromTestCase(cls):
            if not patterns or any(k in t.id() for k in patterns):
                suite.addTest(t)
    t0 = time.monotonic()
    res = unittest.TextTestRunner(verbosity=2 if verbose else 1, stream=sys.stdout).run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped - len(res.expectedFailures)
    print("%s run took %.1f s" % (label, time.monotonic() - t0))
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed else 0
