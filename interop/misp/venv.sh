# Sourced by interop/misp/run (from the repository root): makes the Python venv
# target/ci-venv-misp from interop/misp/requirements.txt, skipped when it already holds exactly
# those requirements. Sets $venv.
venv=target/ci-venv-misp
misp_requirements=interop/misp/requirements.txt
if [ ! -f "$venv/.installed" ] || ! cmp -s "$venv/.installed" "$misp_requirements"; then
  echo "installing $misp_requirements into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$misp_requirements"
  cp "$misp_requirements" "$venv/.installed"
fi
