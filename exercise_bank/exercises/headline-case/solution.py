SMALL_WORDS = {"a", "an", "and", "the", "of", "in"}


def headline(text):
    """Return text in headline style: capitalised words, small words in lower case."""
    words = []
    for position, word in enumerate(text.lower().split()):
        if position > 0 and word in SMALL_WORDS:
            words.append(word)
        else:
            words.append(word.capitalize())
    return " ".join(words)
