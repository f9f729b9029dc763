# What the code declares, read from the source, for the tests that hold the
# help, the man page and the completions to it: the command table of
# src/main.c, each command's struct pp_command, its struct pp_opt table, and
# the finding table of src/checks.c.  Parsing fails loudly (exit 2) when an
# entry is written in a shape it cannot read, so a new option can never slip
# past the tests by being invisible to them.

# code_commands: one line per command, in the order of main.c's table:
#   NAME<TAB>MIN_ARGS<TAB>MAX_ARGS<TAB>ARGS ("-" when none)<TAB>SUMMARY
code_commands() {
	_code_tables commands
}

# code_options: one line per option the code accepts:
#   COMMAND<TAB>LONG<TAB>SHORT<TAB>ARG<TAB>HELP
# COMMAND is "*" for the global options; SHORT and ARG are "-" when absent.
code_options() {
	_code_tables options
}

# code_findings: "CODE<TAB>SEVERITY" for each row of the checks table.
code_findings() {
	_code_tables findings
}

_code_tables() {
	perl - "$1" "$TOP_SRCDIR"/src/*.c <<'PERL'
use strict;
use warnings;

my $what = shift @ARGV;
my (%tables, %commands, @order, @findings, $found_order);

sub string_value {
	my ($s) = @_;
	return undef if $s eq 'NULL';
	my $v = '';
	$v .= $1 while $s =~ /"((?:[^"\\]|\\.)*)"/g;
	$v =~ s/\\(.)/$1/g;
	return $v;
}

for my $file (@ARGV) {
	open my $fh, '<', $file or die "$file: $!\n";
	my $src = do { local $/; <$fh> };
	$src =~ s{/\*.*?\*/}{ }gs;
	$src =~ s{//[^\n]*}{}g;

	while ($src =~ /struct\s+pp_opt\s+(\w+)\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\}\s*;/gs) {
		my ($name, $body) = ($1, $2);
		my $declared = () = $body =~ /\{\s*G?OPT_(?!END\b)\w+\s*,/g;
		my @rows;
		while ($body =~ /\{\s*(G?OPT_\w+)\s*,\s*(NULL|"[^"]*")\s*,\s*('[^']'|0)\s*,\s*(NULL|"[^"]*")\s*,\s*(NULL|(?:"(?:[^"\\]|\\.)*"\s*)+)\}/gs) {
			my ($key, $long, $short, $arg, $help) = ($1, $2, $3, $4, $5);
			next if $key eq 'OPT_END';
			$short = $short eq '0' ? '-' : substr($short, 1, 1);
			push @rows, [string_value($long), $short, string_value($arg) // '-', string_value($help) // ''];
		}
		die "$file: $name: read " . scalar(@rows) . " of $declared options\n" if @rows != $declared;
		$tables{$name} = \@rows;
	}
	while ($src =~ /const\s+struct\s+pp_command\s+(\w+)\s*=\s*\{(.*?)\}\s*;/gs) {
		my ($var, $body) = ($1, $2);
		my %f;
		$f{name} = $1 if $body =~ /\.name\s*=\s*"([^"]+)"/;
		$f{args} = $body =~ /\.args\s*=\s*((?:"[^"]*"\s*)+)/ ? string_value($1) : '-';
		$f{summary} = $body =~ /\.summary\s*=\s*((?:"(?:[^"\\]|\\.)*"\s*)+)/ ? string_value($1) : '';
		$f{opts} = $1 if $body =~ /\.opts\s*=\s*(\w+)/;
		$f{min} = $body =~ /\.min_args\s*=\s*(-?\d+)/ ? $1 : 0;
		$f{max} = $body =~ /\.max_args\s*=\s*(-?\d+)/ ? $1 : 0;
		die "$file: $var: no .name or .opts\n" unless defined $f{name} && defined $f{opts};
		$commands{$var} = \%f;
	}
	if ($src =~ /pp_command\s*\*\s*const\s+commands\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;/s) {
		@order = $1 =~ /&\s*(\w+)/g;
		$found_order = 1;
	}
	if ($src =~ /struct\s+check\s+checks\s*\[\s*\]\s*=\s*\{(.*?)\n\s*\}\s*;/s) {
		my $body = $1;
		while ($body =~ /\{\s*"([a-z0-9-]+)"\s*,\s*PP_(BLOCKER|WARNING|INFO)\b/g) {
			push @findings, [$1, lc $2];
		}
		my $rows = () = $body =~ /\{\s*"/g;
		die "checks table: read " . scalar(@findings) . " of $rows rows\n" if @findings != $rows;
	}
}
die "src/main.c: no commands[] table\n" unless $found_order;
die "src/main.c: no global_opts table\n" unless $tables{global_opts};

if ($what eq 'commands') {
	for my $var (@order) {
		my $c = $commands{$var} or die "commands[]: $var is not defined in src/*.c\n";
		print join("\t", $c->{name}, $c->{min}, $c->{max}, $c->{args}, $c->{summary}), "\n";
	}
} elsif ($what eq 'options') {
	print join("\t", '*', @$_), "\n" for @{ $tables{global_opts} };
	for my $var (@order) {
		my $c = $commands{$var} or die "commands[]: $var is not defined in src/*.c\n";
		my $t = $tables{ $c->{opts} } or die "$c->{name}: option table $c->{opts} not found\n";
		print join("\t", $c->{name}, @$_), "\n" for @$t;
	}
} elsif ($what eq 'findings') {
	print join("\t", @$_), "\n" for @findings;
}
PERL
	local rc=$?
	return $((rc ? 2 : 0))
}

# help_options HELP_TEXT: "LONG<TAB>SHORT<TAB>ARG" for each option line of a
# --help output, the way a reader (and the completion) sees it.
help_options() {
	local line re='^ +(-([[:alnum:]]), )? *--([[:alnum:]][[:alnum:]-]*)( ([^ ]+))?( {2,}|$)'
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		printf '%s\t%s\t%s\n' "${BASH_REMATCH[3]}" "${BASH_REMATCH[2]:--}" "${BASH_REMATCH[5]:--}"
	done <<<"$1"
}

# man_options [MANPAGE]: "SECTION<TAB>LONG<TAB>SHORT<TAB>ARG" for each option
# the man page documents, from the tag line after each .TP: SECTION is the
# command of the .SS under COMMANDS, or "*" under OPTIONS; ARG is "ARG"
# when the tag shows an argument, "-" when not.
man_options() {
	_man_tags options "${1:-$TOP_SRCDIR/man/pcipass.8}"
}

# man_commands [MANPAGE]: the commands COMMANDS has a .SS for, in order.
man_commands() {
	_man_tags commands "${1:-$TOP_SRCDIR/man/pcipass.8}"
}

# man_findings [MANPAGE]: "CODE<TAB>SEVERITY" for each entry of FINDINGS,
# the severity being the first one its tag names.
man_findings() {
	_man_tags findings "${1:-$TOP_SRCDIR/man/pcipass.8}"
}

_man_tags() {
	perl - "$@" <<'PERL'
use strict;
use warnings;

my ($what, $file) = @ARGV;
open my $fh, '<', $file or die "$file: $!\n";
my ($sh, $ss, $after_tp) = ('', '', 0);

# The text a man macro line prints, fonts and escapes removed.
sub text_of {
	my ($line) = @_;
	my ($macro, $rest) = $line =~ /^\.(\w+)\s*(.*)$/ ? ($1, $2) : ('', $line);
	my @words;
	push @words, defined $1 ? $1 : $2 while $rest =~ /"((?:[^"]|"")*)"|(\S+)/g;
	my $sep = $macro =~ /^(B|I|SM|SB)$/ ? ' ' : '';
	my $t = join $sep, @words;
	$t =~ s/\\f[BIRP]//g;
	$t =~ s/\\f\[\w*\]//g;
	$t =~ s/\\-/-/g;
	$t =~ s/\\&//g;
	$t =~ s/\\\(aq/'/g;
	return $t;
}

while (my $line = <$fh>) {
	chomp $line;
	next if $line =~ /^\.\\"/;
	if ($line =~ /^\.SH\s+"?([^"]*)"?/) { ($sh, $ss) = ($1, ''); next }
	if ($line =~ /^\.SS\s+"?([^"]*)"?/) {
		$ss = $1;
		print "$ss\n" if $what eq 'commands' && $sh eq 'COMMANDS';
		next;
	}
	if ($line =~ /^\.TP\b/) { $after_tp = 1; next }
	next unless $after_tp;
	$after_tp = 0;
	my $tag = text_of($line);
	if ($what eq 'options' && ($sh eq 'COMMANDS' && $ss ne '' || $sh eq 'OPTIONS')) {
		$tag =~ /^(?:-(\w), )?--([a-z][a-z0-9-]*)( \S+)?$/
			or die "$file: $sh/$ss: option tag not understood: $line\n";
		print join("\t", $sh eq 'OPTIONS' ? '*' : $ss, $2, $1 // '-', defined $3 ? 'ARG' : '-'), "\n";
	} elsif ($what eq 'findings' && $sh eq 'FINDINGS') {
		$tag =~ /^([a-z0-9-]+) \((blocker|warning|info)\b/
			or die "$file: FINDINGS: tag not understood: $line\n";
		print "$1\t$2\n";
	}
}
PERL
	local rc=$?
	return $((rc ? 2 : 0))
}
