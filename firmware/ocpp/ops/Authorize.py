"""Authorize (charge point -> central system): may this idTag charge? Sent by
ocpp/model/authorization.py when the cache and the local rules do not decide alone (OCPP 1.6
section 4.1).

    [2, id, "Authorize", {"idTag"}]  ->  {"idTagInfo": {"status", "expiryDate"?, "parentIdTag"?}}
"""


async def send(cp, id_tag):
    """The idTagInfo the central system gives for `id_tag`."""
    conf = await cp.rpc.call("Authorize", {"idTag": id_tag})
    return conf["idTagInfo"]
