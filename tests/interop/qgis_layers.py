#!/usr/bin/python3
"""Opens collections of a truce OGC API - Features endpoint as QGIS layers, headless.

Each collection is added as a QGIS "OAPIF" vector layer (what Layer > Add Layer > Add WFS /
OGC API - Features Layer makes), optionally through a Basic authentication configuration
holding a truce token as its password; every feature is read. Prints one JSON object:
{"COLLECTION": {"valid": true, "features": N, "ids": [...]}, ...}, or
{"COLLECTION": {"valid": false, "error": "..."}} for a layer QGIS could not open.

usage: qgis_layers.py URL COLLECTION[,COLLECTION...] [TOKEN]
Needs python3-qgis (Debian); runs with QT_QPA_PLATFORM=offscreen and a throwaway profile.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (QgsApplication, QgsAuthMethodConfig,  # noqa: E402
                       QgsVectorLayer)


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    url, collections = sys.argv[1], sys.argv[2].split(",")
    token = sys.argv[3] if len(sys.argv) == 4 else ""
    profile = tempfile.mkdtemp(prefix="truce_qgis_")
    app = QgsApplication([], False, profile)
    app.initQgis()
    authcfg = ""
    if token:
        manager = QgsApplication.authManager()
        if not manager.setMasterPassword("truce-interop-test", True):
            sys.stderr.write("could not set the QGIS master password\n")
            return 1
        config = QgsAuthMethodConfig("Basic")
        config.setName("truce")
        config.setConfig("username", "qgis")
        config.setConfig("password", token)
        if not manager.storeAuthenticationConfig(config):
            sys.stderr.write("could not store the Basic authentication configuration\n")
            return 1
        authcfg = config.id()
    result = {}
    for collection in collections:
        uri = f"url='{url}' typename='{collection}'"
        if authcfg:
            uri += f" authcfg='{authcfg}'"
        layer = QgsVectorLayer(uri, collection, "OAPIF")
        if not layer.isValid():
            provider = layer.dataProvider()
            error = provider.error().message() if provider else "no provider"
            result[collection] = {"valid": False, "error": error}
            continue
        id_field = layer.fields().indexOf("id")
        ids = []
        for feature in layer.getFeatures():
            ids.append(str(feature.attribute(id_field)) if id_field >= 0 else str(feature.id()))
        result[collection] = {"valid": True, "features": len(ids), "ids": sorted(ids)}
    print(json.dumps(result), flush=True)
    # QGIS 3.22 tears its network threads down in an order that can crash the interpreter at
    # exit once an OAPIF layer has been read; the result is out, so leave without teardown.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
