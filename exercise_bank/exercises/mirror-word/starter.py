def is_palindrome(text):
    """Return True if text reads the same backwards, ignoring case."""
    return text[0].lower() == text[-1].lower()
