"""Use cases: `verb_noun(session, *, actor, ...)`. The only code that changes data; flush, never commit."""
