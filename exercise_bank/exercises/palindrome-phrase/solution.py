def is_palindrome(phrase):
    """Return True if phrase reads the same backwards, ignoring case and spaces."""
    cleaned = phrase.replace(" ", "").lower()
    return cleaned == cleaned[::-1]
