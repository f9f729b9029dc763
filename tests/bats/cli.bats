#!/usr/bin/env bats
# --help, --version and usage errors, held against what the source declares:
# the command table of main.c and each command's struct pp_opt table.

setup() {
	load common
	load cli-tables
}

# The version configure.ac gives the package.
package_version() {
	sed -n 's/^AC_INIT(\[pcipass\], \[\([^]]*\)\].*/\1/p' "$TOP_SRCDIR/configure.ac"
}

@test "the source tables can be read: every command has options and a summary" {
	run code_commands
	assert_success
	assert_line --regexp $'^list\t0\t0\t-\t'
	run code_options
	assert_success
	assert_line $'*\tsysroot\t-\tDIR\tread DIR/sys and DIR/proc instead of /sys and /proc (DIR may be a snapshot .tar.gz)'
	assert_line $'list\tjson\tj\t-\tprint one JSON document'
}

@test "every option in the source has help text and a unique name within its command" {
	local cmd long short arg help
	while IFS=$'\t' read -r cmd long short arg help; do
		[ -n "$help" ] || fail "$cmd --$long: no help text"
	done < <(code_options)
	# long and short names: no duplicates within a command plus the globals
	run bash -c '
		. "$1"; code_options | awk -F "\t" "
			\$1 == \"*\" { g[\"--\" \$2] = 1; if (\$3 != \"-\") g[\"-\" \$3] = 1; next }
			{ n[\$1 \" --\" \$2]++; if (\$3 != \"-\") n[\$1 \" -\" \$3]++
			  if ((\"--\" \$2) in g || (\$3 != \"-\" && (\"-\" \$3) in g)) print \"clash with global: \" \$1, \$2 }
			END { for (k in n) if (n[k] > 1) print \"duplicate: \" k }"' _ "$BATS_TEST_DIRNAME/cli-tables.bash"
	assert_success
	assert_output ""
}

@test "pcipass --help lists exactly the commands of the command table, with their summaries" {
	run --separate-stderr pp --help
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 "Usage: pcipass [--sysroot DIR] COMMAND [options] [arguments]"
	local name min max args summary listed=()
	while IFS=$'\t' read -r name min max args summary; do
		assert_line --regexp "^  $name +$(printf '%s' "$summary" | sed 's/[][\.*^$()+?{}|]/\\&/g')\$"
		listed+=("$name")
	done < <(code_commands)
	[ "${#listed[@]}" -gt 0 ]
	# and nothing else under "Commands:"
	local in_help
	in_help=$(printf '%s\n' "$output" | sed -n '/^Commands:$/,/^$/p' | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p')
	[ "$in_help" = "$(printf '%s\n' "${listed[@]}")" ]
}

@test "pcipass --help lists exactly the global options" {
	run --separate-stderr pp --help
	assert_success
	diff -u <(code_options | awk -F '\t' '$1 == "*" { print $2 "\t" $3 "\t" $4 }' | sort) \
		<(help_options "$output" | sort)
}

@test "every COMMAND --help lists exactly the options the code accepts for it, with their help" {
	local name min max args summary n=0
	while IFS=$'\t' read -r name min max args summary; do
		run --separate-stderr pp "$name" --help
		assert_success
		[ -z "$stderr" ]
		# the usage line names the command and its arguments
		if [ "$args" = - ]; then
			assert_line --index 0 "Usage: pcipass [--sysroot DIR] $name [options]"
		else
			assert_line --index 0 "Usage: pcipass [--sysroot DIR] $name [options] $args"
		fi
		assert_line --index 1 "$summary."
		diff -u <(code_options | awk -F '\t' -v c="$name" '$1 == c || $1 == "*" { print $2 "\t" $3 "\t" $4 }' | sort) \
			<(help_options "$output" | sort) || fail "$name --help and the option table differ"
		local cmd long short arg help
		while IFS=$'\t' read -r cmd long short arg help; do
			[[ $cmd == "$name" || $cmd == '*' ]] || continue
			[[ $output == *" $help"* ]] || fail "$name --help: no help text for --$long"
		done < <(code_options)
		n=$((n + 1))
	done < <(code_commands)
	[ "$n" -ge 2 ]
}

@test "-h is --help, after the command too" {
	run --separate-stderr pp list -h
	assert_success
	local short=$output
	run --separate-stderr pp list --help
	[ "$output" = "$short" ]
	run --separate-stderr pp -h
	assert_success
	assert_line --index 0 "Usage: pcipass [--sysroot DIR] COMMAND [options] [arguments]"
}

@test "--help wraps a long option synopsis onto its own line, keeping the help column" {
	run pp list --help
	assert_success
	assert_line "  -s, --slot [[[[DOMAIN]:]BUS]:][SLOT][.[FUNC]]"
	assert_line "                             only functions in this slot (as lspci -s; -t keeps the bridges above)"
	assert_line "  -t, --tree                 show the topology as a tree of bridges and functions"
}

@test "--version and -V print the package version from configure.ac" {
	local v
	v=$(package_version)
	[[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
	run --separate-stderr pp --version
	assert_success
	assert_output "pcipass $v"
	[ -z "$stderr" ]
	run pp -V
	assert_output "pcipass $v"
	run pp list --version
	assert_output "pcipass $v"
}

# usage_error EXPECTED_FIRST_LINE ARGS...: exit 2, nothing on stdout, and on
# stderr exactly the message and the hint.
usage_error() {
	local first=$1
	shift
	run --separate-stderr pp "$@"
	assert_failure 2
	assert_output ""
	[ "$stderr" = "$first"$'\n'"Try 'pcipass --help'." ] ||
		fail "pcipass $*: stderr was: $stderr"
}

@test "usage errors say what is wrong and end with the hint" {
	usage_error "pcipass: no command given"
	usage_error "pcipass: no command given" -v
	usage_error "pcipass: frobnicate: unknown command" frobnicate
	usage_error "pcipass: --bogus: unknown option" list --bogus
	usage_error "pcipass: --bogus: unknown option" --bogus list
	usage_error "pcipass: -Z: unknown option" list -Z
	usage_error "pcipass: -Z: unknown option" list -tZ
	usage_error "pcipass: -s: needs an argument" list -s
	usage_error "pcipass: --slot: needs an argument" list --slot
	usage_error "pcipass: --sysroot: needs an argument" --sysroot
	usage_error "pcipass: --sysroot: needs an argument" list --sysroot
	usage_error "pcipass: --json: takes no argument" list --json=yes
	usage_error "pcipass: list: too many arguments" list extra
	# a command's option before the command name is not a global option
	usage_error "pcipass: --json: unknown option" --json list
}

@test "a command missing its arguments is a usage error naming what it needs" {
	local name min max args summary n=0
	while IFS=$'\t' read -r name min max args summary; do
		[ "$min" -gt 0 ] || continue
		usage_error "pcipass: $name: needs $args" "$name"
		n=$((n + 1))
	done < <(code_commands)
	# a command that takes nothing refuses an argument
	while IFS=$'\t' read -r name min max args summary; do
		[ "$max" -eq 0 ] || continue
		usage_error "pcipass: $name: too many arguments" "$name" 0000:00:00.0
	done < <(code_commands)
}

@test "an absurdly long unknown command is cut in the message" {
	local long
	long=$(printf 'x%.0s' $(seq 5000))
	run --separate-stderr pp "$long"
	assert_failure 2
	[ "$stderr" = "pcipass: $(printf 'x%.0s' $(seq 64))...: unknown command"$'\n'"Try 'pcipass --help'." ]
}

@test "global options work after the command name too" {
	local snap
	snap=$(snapshot rootports)
	run --separate-stderr pp --sysroot "$snap" list -n
	assert_success
	local before=$output
	run --separate-stderr pp list -n --sysroot "$snap"
	assert_success
	[ "$output" = "$before" ]
	assert_line --regexp '^0000:03:00\.0 '
}
