# Sourced (from the project root) by compare.sh and loso.sh: sklearn_venv makes sure
# training/.venv has scikit-learn, creating it with pip the first time, and sets SKLEARN_PYTHON to
# its python. training/.venv is not committed (.gitignore).
sklearn_venv() {
  SKLEARN_PYTHON=training/.venv/bin/python
  if ! "$SKLEARN_PYTHON" -c 'import sklearn' >/dev/null 2>&1; then
    python3 -m venv training/.venv
    training/.venv/bin/pip install --quiet scikit-learn
  fi
}
