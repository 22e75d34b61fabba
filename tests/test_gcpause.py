import gc

from pipeline.gcpause import collector_paused


def test_records_made_while_paused_are_left_to_full_collections():
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        with collector_paused():
            assert not gc.isenabled()
            records = [[i] for i in range(50_000)]  # lists: tracked by the collector
        assert gc.isenabled()
        # None of them waits in the youngest generation for the next young collection to walk it.
        assert gc.get_count()[0] < 1_000
        assert any(records[-1] is r for r in gc.get_objects(generation=2))
    finally:
        if not was_enabled:
            gc.disable()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
