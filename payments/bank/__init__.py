"""Bank statements: parsers (CAMT.05x, MT940, CSV) into one shape, then import and matching."""
