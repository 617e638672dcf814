def retry(action, attempts):
    """Call action() up to attempts times, retrying only on ConnectionError."""
    for attempt in range(attempts):
        try:
            return action()
        except Exception:
            pass
    return None
