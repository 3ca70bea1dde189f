"""The Firmware Management profile's configuration key (OCPP 1.6 errata 3.88, section 9.5),
declared as in ocpp/model/core_keys.py.

    SupportedFileTransferProtocols   HTTP,HTTPS: UpdateFirmware downloads and GetDiagnostics
                                     uploads over these (ocpp/core/http.py); FTP is answered
                                     DownloadFailed / UploadFailed with a log line
"""
from ocpp.core.config.keys import ACC_R, T_WORDS

KEYS = ((
    "SupportedFileTransferProtocols", T_WORDS | ACC_R, "HTTP,HTTPS",
),)
