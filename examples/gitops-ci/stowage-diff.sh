#!/bin/sh
# GitOps CI: flag the volume changes of a rendered-manifests pull request, and post them on the PR.
#
#   examples/gitops-ci/stowage-diff.sh [RENDERED_FILE...]      (default: rendered/app.yaml)
#
# For each file, the base branch's version (`git show $BASE_REF:FILE`) is the previous render and the
# checked-out one the new render: stowage diff --previous base.yaml FILE --output markdown
# --fail-on $FAIL_ON. The reports are joined into one Markdown file ($REPORT), appended to the job
# summary ($GITHUB_STEP_SUMMARY) and, with PR_NUMBER set, posted with `gh pr comment --body-file`.
# Exit: 3 when --fail-on tripped for some file, 1 on an error, else 0.
#
# Environment: BASE_REF (default origin/main), FAIL_ON (default danger), REPORT (default
# stowage-diff.md), NAMESPACE (for objects without metadata.namespace; default `default`), PR_NUMBER
# and GH_TOKEN (to comment), STOWAGE_BIN (default stowage on PATH).
set -eu

prog=stowage-diff.sh
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

base_ref=${BASE_REF:-origin/main}
fail_on=${FAIL_ON:-danger}
report=${REPORT:-stowage-diff.md}
stowage=${STOWAGE_BIN:-stowage}
[ $# -gt 0 ] || set -- rendered/app.yaml

command -v "$stowage" >/dev/null 2>&1 || die "stowage not found (set STOWAGE_BIN or put it on PATH)"
git rev-parse --verify --quiet "$base_ref^{commit}" >/dev/null ||
	die "base ref $base_ref not found (fetch it: actions/checkout with fetch-depth: 0)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/stowage-diff.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

status=0
{
	echo "## Volume changes against \`$base_ref\`"
	echo
} >"$tmp/report.md"
for file in "$@"; do
	# A file new in this PR diffs against nothing; a file the PR deletes, against an empty render.
	if git cat-file -e "$base_ref:$file" 2>/dev/null; then
		git show "$base_ref:$file" >"$tmp/base.yaml"
	else
		: >"$tmp/base.yaml"
	fi
	if [ -f "$file" ]; then new=$file; else new=$tmp/empty.yaml; : >"$new"; fi
	rc=0
	"$stowage" diff --previous "$tmp/base.yaml" "$new" --output markdown --fail-on "$fail_on" \
		${NAMESPACE:+--namespace "$NAMESPACE"} >"$tmp/one.md" || rc=$?
	case $rc in
	0) ;;
	3) status=3 ;;
	*) die "stowage diff failed on $file (exit $rc)" ;;
	esac
	{
		echo "**\`$file\`**"
		echo
		cat "$tmp/one.md"
		echo
	} >>"$tmp/report.md"
done
if [ "$status" -eq 3 ]; then
	echo "**Changes at or above \`$fail_on\`: this check fails. Review where outputs will land before merging.**" >>"$tmp/report.md"
fi
cp "$tmp/report.md" "$report"
cat "$report"
[ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$report" >>"$GITHUB_STEP_SUMMARY"

if [ -n "${PR_NUMBER:-}" ]; then
	# A comment that cannot be posted (a fork's read-only token) is a warning, not the check's result.
	if ! gh pr comment "$PR_NUMBER" --body-file "$report"; then
		echo "::warning::stowage-diff: could not comment on PR #$PR_NUMBER (token permissions?); the report is in the job summary"
	fi
fi
exit "$status"
