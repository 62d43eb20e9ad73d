"""The generators' check that the Python packages installed are the ones
their requirements file pins, so that what they write can be made again.

    sys.path.insert(0, <repository>/tools)
    from pinned import check_pinned
    versions = check_pinned("make_x.py", "<path>/requirements.txt")
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys

# MarianTokenizer normalises punctuation with sacremoses when it can be
# imported, which libattn's Marian tokenizer does not: nothing is recorded
# with it.
FORBIDDEN = ("sacremoses",)


def pins(requirements: str) -> dict[str, str]:
    """{name: version} of the `name==version` lines of a requirements file."""
    found = {}
    with open(requirements, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, sep, version = line.partition("==")
                if not sep:
                    raise ValueError(f"{requirements}: '{line}' is not name==version")
                found[name.strip()] = version.strip()
    return found


def check_pinned(script: str, requirements: str) -> dict[str, str]:
    """Exits with a message naming `script` unless every package pinned in
    `requirements` is installed at its version (a local tag such as "+cpu"
    aside: it does not change CPU results) and no FORBIDDEN module can be
    imported. Returns {name: installed version}."""
    want = pins(requirements)
    found, bad = {}, []
    for name, version in want.items():
        try:
            found[name] = importlib.metadata.version(name).split("+")[0]
        except importlib.metadata.PackageNotFoundError:
            found[name] = "missing"
        if found[name] != version:
            bad.append(f"{name}=={found[name]} (want {version})")
    if bad:
        sys.exit(f"{script}: versions differ from {requirements}: " + ", ".join(bad))
    for module in FORBIDDEN:
        if importlib.util.find_spec(module) is not None:
            sys.exit(f"{script}: {module} is installed; uninstall it (MarianTokenizer "
                     "would then normalise punctuation, which libattn does not)")
    return found
