# Sourced by interop/taxii/run and bench/taxii (from the repository root): makes the Python venv
# target/ci-venv-taxii from interop/taxii/requirements.txt, skipped when it already holds exactly
# those requirements. Sets $venv.
venv=target/ci-venv-taxii
taxii_requirements=interop/taxii/requirements.txt
if [ ! -f "$venv/.installed" ] || ! cmp -s "$venv/.installed" "$taxii_requirements"; then
  echo "installing $taxii_requirements into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$taxii_requirements"
  cp "$taxii_requirements" "$venv/.installed"
fi
