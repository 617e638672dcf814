def is_palindrome(text):
    """Return True if text reads the same backwards, ignoring case."""
    if not text:
        return True
    if text[0].lower() != text[-1].lower():
        return False
    return is_palindrome(text[1:-1])
