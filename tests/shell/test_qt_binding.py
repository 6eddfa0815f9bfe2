"""Guards against a Qt binding that corrupts the interpreter. PySide6 6.12.0's
Signal.emit() drops a reference to True on every call; after a few thousand signals
the process aborts ("bool_dealloc"). pyproject excludes that release; this catches
any other release with the same fault before it ships."""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(int)


def test_emitting_signals_does_not_leak_or_steal_references():
    emitter = _Emitter()
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for i in range(2000):
        emitter.fired.emit(i)
    after = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    assert all(abs(a - b) < 50 for a, b in zip(after, before)), (before, after)
