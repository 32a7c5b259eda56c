"""Notes of samples scored with a fallback instead of being rejected."""

FALLBACK_KEY = 'fallbacks'


def note_fallback(results: dict, reason: str) -> None:
    """Record in ``results['fallbacks']`` that the sample is used with a
    fallback (e.g. silent audio scored as a zero-energy fbank);
    :class:`PackAVInputs` copies the notes into the data sample's meta
    information and the dataset logs them."""
    # a new list: a shallow copy of ``results`` (repeated sampling) must not
    # see the notes of another draw
    results[FALLBACK_KEY] = list(results.get(FALLBACK_KEY, ())) + [reason]
