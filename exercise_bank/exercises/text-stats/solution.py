def text_stats(text):
    """Return (lines, words, characters) of text."""
    return (len(text.splitlines()), len(text.split()), len(text))
