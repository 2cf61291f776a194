"""The tracker's owner actions over the store: editing a call (terms, tags, forecasts) and calls in and out."""
