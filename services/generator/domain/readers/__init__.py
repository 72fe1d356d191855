"""Readers: one small module per kind of fact a brief states, each returning values grounded in the text.

`source.Source` is the brief as one text (form fields, then the pasted brief) split into sentences with
their offsets; every reader returns `Grounded` values that carry the span of the text they came from, and a
value without a span is "inferred" and shown as such. `read_brief` runs them all once.
"""

from services.generator.domain.readers.reading import Reading, read_brief

__all__ = ["Reading", "read_brief"]
