def retry(action, attempts):
    """Call action() up to attempts times, retrying only on ConnectionError."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for _ in range(attempts - 1):
        try:
            return action()
        except ConnectionError:
            pass
    return action()
