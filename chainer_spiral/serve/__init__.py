"""``chainer-spiral serve``: a local web page where a person draws or drops a picture and watches
a shipped painter paint it, each stroke sent as the agent decides it (docs/serve.md).

Modules, from the bottom up: ``limits`` (what is accepted), ``errors`` (the one refusal),
``uploads`` (a picture checked, decoded and made a target), ``drawings`` (finished drawings and
their downloads), ``painting`` (the painters loaded once; one episode stepped a stroke at a time),
``workers`` (the bounded pool and queue), ``events`` (the stream's wire format), ``app`` (the
routes), ``command`` (the CLI).
"""
