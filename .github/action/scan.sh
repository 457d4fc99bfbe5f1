#!/usr/bin/env bash
# The scan step of action.yml, testable on its own (tests/cli/test_ci_integrations.py): one SARIF report for code
# scanning, annotations on the pull request, and the exit code as a step output (the upload runs before the step
# fails). Inputs come as environment variables: LAMBDOCTOR_PATHS, LAMBDOCTOR_FAIL_ON, LAMBDOCTOR_CONFIG,
# LAMBDOCTOR_SARIF; GITHUB_OUTPUT is where the runner reads step outputs.
set -u
read -r -a paths <<< "${LAMBDOCTOR_PATHS:-.}"
args=(--fail-on "${LAMBDOCTOR_FAIL_ON:-error}")
if [ -n "${LAMBDOCTOR_CONFIG:-}" ]; then
  args+=(--config "$LAMBDOCTOR_CONFIG")
fi
lambdoctor scan "${paths[@]}" "${args[@]}" --format sarif -o "${LAMBDOCTOR_SARIF:-lambdoctor.sarif}"
code=$?
if [ "$code" -le 1 ]; then
  # the same findings as annotations (they need no code-scanning licence); never the step's verdict
  lambdoctor scan "${paths[@]}" "${args[@]}" --format github --fail-on never || true
fi
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
exit 0
