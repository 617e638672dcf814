def is_palindrome(phrase):
    """Return True if phrase reads the same backwards, ignoring case and spaces."""
    return phrase == phrase[::-1]
