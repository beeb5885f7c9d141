"""Runs end-to-end test classes and prints the closing line CI reads.

Shared by tests/e2e/test_*.py: picks tests by -k substrings, runs them with unittest, and
prints 'N passed, N failed[, N skipped]' alone on the last line.  Returns the exit status.
"""
import sys
import time
import unittest

# What a sanitizer build prints when it finds something; any of them fails the test.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "ERROR: ThreadSanitizer", "WARNING: ThreadSanitizer")


def check_run(returncode, err, what=""):
    """Fails (AssertionError) when a run of the binary was killed by a signal or printed a
    sanitizer report.  err: its decoded standard error; what: the command, for the message."""
    label = (what + ": ") if what else ""
    if returncode < 0:
        raise AssertionError("%skilled by signal %d\n%s" % (label, -returncode, err[-2000:]))
    for mark in SANITIZER_MARKS:
        if mark in err:
            raise AssertionError("%ssanitizer report (%s):\n%s" % (label, mark, err[-4000:]))


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
