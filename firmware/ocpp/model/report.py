"""The agent's fields in the simulator's `status` answer (the unix board's control port and the
status page): a connector's view as the firmware has it. Loaded for one answer.
"""


def status_fields(cp, n):
    """A new dict: connector n's EVSE fields, its OCPP status and transaction, and the charge
    point's link."""
    if not 1 <= n <= cp.n:
        return {}
    c = cp.connector(n)
    fields = c.evse.status_fields()
    fields.update({"connector_status": cp.status[n], "error_code": cp.error[n],
                   "transaction_id": c.transaction_id(), "in_transaction": c.tx is not None,
                   "queued_messages": len(cp.txq), "registration": cp.registration,
                   "connected": cp.connected, "charge_point_status": cp.status[0]})
    return fields
