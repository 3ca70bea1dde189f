"""One module per central-system command (CALL), named after its action: handle(cp, payload)."""
