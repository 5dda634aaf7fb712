"""`chainer-spiral serve`'s command line: its errors, and the hosts it answers."""
import pytest

from chainer_spiral import cli
from chainer_spiral.serve.command import allowed_hosts


def test_an_unknown_painter_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(['serve', '--painters', 'toy', 'no_such_painter'])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("chainer-spiral serve: error: no_such_painter: expected a shipped "
                           "painter's name (")


@pytest.mark.parametrize('argv, message', [
    (['--workers', '0'], "argument --workers: expected a positive int, got '0'"),
    (['--queue', 'many'], "argument --queue: expected a positive int, got 'many'"),
])
def test_bad_limits_are_refused(capsys, argv, message):
    with pytest.raises(SystemExit):
        cli.main(['serve', *argv])
    assert capsys.readouterr().err.strip().endswith(message)


def test_the_usage_names_serve(capsys):
    assert cli.main(['--help']) == 0
    assert 'serve [--host 127.0.0.1] [--port 8000]' in capsys.readouterr().out


@pytest.mark.parametrize('host, hosts', [
    ('127.0.0.1', ('127.0.0.1', 'localhost')),
    ('192.168.1.5', ('127.0.0.1', 'localhost', '192.168.1.5')),
    ('0.0.0.0', ('*',)),
])
def test_the_host_headers_answered_follow_the_address(host, hosts):
    assert allowed_hosts(host) == hosts
