#!/usr/bin/env bash
# Create the virtualenv with Python >= 3.12 (Django 6 needs it); prefer 3.13 as .python-version says.
set -euo pipefail
venv=${1:-.venv}
candidates=()
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for v in 3.13 3.12; do
  candidates+=("$root"/versions/$v*/bin/python3)
done
candidates+=(python3.13 python3.12 python3)
for py in "${candidates[@]}"; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    echo "Creating $venv with $("$py" --version) ($py)"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    exit 0
  fi
done
echo "ERROR: SRM Trainer needs Python 3.12 or newer (3.13 preferred) and none was found." >&2
echo "Install Python 3.13 (for example 'pyenv install 3.13.0') and run the command again." >&2
exit 1
