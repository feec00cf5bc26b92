"""A cluster's close runs in the background within a command's scope, and the scope waits for it."""
from __future__ import annotations

import threading

import pytest

from crds_batch.batch.closing import close_later, closing_in_background


def test_outside_a_scope_the_close_runs_at_once():
    closed = []
    close_later(lambda: closed.append(threading.current_thread()))
    assert closed == [threading.current_thread()]


def test_inside_a_scope_the_close_runs_meanwhile_and_has_ended_when_the_scope_is_left():
    may_end, ended = threading.Event(), threading.Event()

    def close():
        assert may_end.wait(10)  # would time out if close_later waited for it
        ended.set()

    with closing_in_background():
        close_later(close)
        assert not ended.is_set()  # the caller goes on while the close waits
        may_end.set()
    assert ended.is_set()


def test_a_failed_close_raises_when_the_scope_is_left():
    def close():
        raise OSError("nanny gone")

    with pytest.raises(OSError, match="nanny gone"):
        with closing_in_background():
            close_later(close)


def test_the_scope_s_own_error_is_not_masked_by_a_failed_close():
    def close():
        raise OSError("nanny gone")

    with pytest.raises(KeyError):
        with closing_in_background():
            close_later(close)
            raise KeyError("the job's error")

