# Helpers for the explain suites (explain-*.bats), on top of common.bash.

# The trees made from real captures with one edit (derived/README).
DERIVED_TREES="pcibridge-shared-page pcibridge-unaligned-bar switch-bus-range pcibridge-nonroot vfio-nointremap vfio-nointremap-unsafe rootports-direct-region rootports-acs-override rootports-no-group rootports-quirk vfio-in-use noiommu-vfio-noiommu rootports-swap rootports-boot-ids multifunction-boot-modprobe rootports-boot-driverctl rootports-merged-group rootports-no-flr multifunction-mf-acs multifunction-mf-acs-alias"

# The host-wide findings (said once, in host.findings) on a first line
# "host code:severity ..." when there are any, then one line per function.
FINDINGS_JQ='(if (.host.findings | length) > 0 then "host \([.host.findings[] | "\(.code):\(.severity)"] | join(" "))" else empty end), (.functions[] | "\(.address) \([.findings[] | "\(.code):\(.severity)"] | join(" "))")'

# findings DIR BDF...: one line per function of `explain --json BDF...`,
# "BDF code:severity code:severity ...", in output order (most serious
# first), so a test compares the exact codes and severities.
findings() {
	local dir=$1
	shift
	"$PCIPASS" --sysroot "$dir" explain --json "$@" | jq -r "$FINDINGS_JQ"
}

# findings_all DIR: the same for `explain --all --json`.
findings_all() {
	"$PCIPASS" --sysroot "$1" explain --all --json | jq -r "$FINDINGS_JQ"
}

# validate_schema [DEF]: JSON on stdin against schema/pcipass.schema.json
# (draft 2020-12), or against its $defs/DEF (the mutation document);
# prints the first errors and fails when there are any.
validate_schema() {
	python3 -c '
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
if len(sys.argv) > 2:
    if sys.argv[2] not in schema["$defs"]:
        sys.exit("no $defs/" + sys.argv[2])
    schema = {"$schema": schema["$schema"], "$id": schema["$id"], "$defs": schema["$defs"],
              "$ref": "#/$defs/" + sys.argv[2]}
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(sys.stdin)))
for e in errors[:5]:
    print("/".join(map(str, e.absolute_path)) + ": " + e.message[:400])
sys.exit(1 if errors else 0)
' "$TOP_SRCDIR/schema/pcipass.schema.json" "$@"
}
