"""One module per OCPP message, named exactly as its action, in both directions.

A central-system command (CALL) is answered by handle(cp, payload) -> the CALLRESULT payload,
or (payload, after): `after` runs once the answer is on the wire. A message the charge point
sends is built here (request(...) or send(cp, ...)), its answer handled here (answered(...)),
and, where TriggerMessage may ask for it, trigger(cp, connectorId). Which modules exist for
which feature profile: ocpp/registry.py. They are loaded through ocpp/core/cache.py.
"""
