def text_stats(text):
    """Return (lines, words, characters) of text."""
    return (text.count("\n"), len(text.split(" ")), len(text))
