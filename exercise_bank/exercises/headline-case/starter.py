def headline(text):
    """Return text in headline style: capitalised words, small words in lower case."""
    return text.title()
