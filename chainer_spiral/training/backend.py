"""Backend: how the workers of a run are started and fed; the Supervisor runs one.

Two implement it, each in its own module: the processes backend (training/processes.py: the
worker loop in the main process with ``processes: 1``, forked workers that share the agent's
memory otherwise) and the Ray backend (training/ray_backend.py: worker actors around a learner
actor on a cluster), which the trainer imports only when ``train.backend: ray`` chooses it.
"""

# Seconds between two looks at the workers (their messages, their liveness, the snapshot gate).
POLL_SECONDS = 0.05


class Backend:
    """Runs the workers of a run until its SharedState says training is over.

    A backend opens the Supervisor's outputs (`open_outputs`) once its workers are started,
    passes every worker message to `handle`, has it take the periodic snapshots, and calls
    `refresh` between updates. When `run` returns, the Supervisor's agent holds the final
    parameters, its SharedState the final counters and its `summaries` one entry per worker.
    """

    def run(self, supervisor):
        """Train until the claims run out or a stop is requested.

        Args:
            supervisor: the run's Supervisor (training/supervisor.py).

        Returns:
            dict of the backend's own statistics, or None.

        Raises:
            TrainingError: a worker failed or died.
        """
        raise NotImplementedError
