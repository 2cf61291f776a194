"""Pure domain: the call, the protocol events and errors. No I/O, no vendor imports."""
