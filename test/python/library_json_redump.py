"""Prints json.dumps(json.load(FILE), indent=2) exactly as the Python app's ModelLibrary writes it."""
import json
import sys

with open(sys.argv[1]) as f:
    data = json.load(f)
sys.stdout.write(json.dumps(data, indent=2))
