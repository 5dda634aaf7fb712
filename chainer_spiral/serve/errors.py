"""The one error a request can end in: an HTTP status and a one-line message for the page."""


class RequestError(ValueError):
    """A request the server refuses: the client's input, an unknown name, or a full queue.

    Args:
        status: The HTTP status of the answer (400, 404, 413, 415, 422, 429).
        message: One line that says what was expected and what arrived.
    """

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
