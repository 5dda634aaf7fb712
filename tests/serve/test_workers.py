"""The workers' order: the least advanced painting first, ties first come first served."""
import threading

from chainer_spiral.serve.workers import FIRST, Workers


def test_a_new_paintings_first_jobs_go_before_the_later_steps_of_others():
    workers = Workers(workers=1, queue_size=4)
    gate, done = threading.Event(), []
    workers.submit(-100, gate.wait)  # holds the one thread while the jobs below queue up
    jobs = [(5, 'A step 5'), (5, 'B step 5'), (FIRST, 'C first'), (0, 'C step 0'),
            (6, 'A step 6')]
    futures = [workers.submit(priority, done.append, name) for priority, name in jobs]
    gate.set()
    for future in futures:
        future.result(timeout=30)
    workers.close()
    assert done == ['C first', 'C step 0', 'A step 5', 'B step 5', 'A step 6']


def test_a_failing_job_hands_its_error_to_its_caller():
    workers = Workers(workers=1, queue_size=1)
    future = workers.submit(0, int, 'not a number')
    assert isinstance(future.exception(timeout=30), ValueError)
    assert workers.submit(0, int, '7').result(timeout=30) == 7
    workers.close()
