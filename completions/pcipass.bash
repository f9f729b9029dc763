# bash completion for pcipass(8)                           -*- shell-script -*-
#
# The commands and options come from the --help of the pcipass being
# completed, so they cannot drift from the binary; what an option's argument
# is (a directory, a driver, a reset method) is known here by the option's
# name.  PCI addresses and driver names come from the sysfs tree that
# pcipass itself would read: the live host, or the --sysroot given on the
# line (a directory, or a snapshot tarball whose listing is read).

# The reset methods "pcipass reset --method" takes, when its help does not
# spell them out as a|b|c.
_pcipass_reset_methods="auto flr af_flr pm bus slot"

# _pcipass_options BIN [COMMAND]: one "long short arg" line per option of
# BIN's help (of COMMAND's help when given); short and arg are "-" when the
# option has none.
_pcipass_options()
{
    local line re='^ +(-([[:alnum:]]), )? *--([[:alnum:]][[:alnum:]-]*)( ([^ ]+))?( {2,}|$)'

    while IFS= read -r line; do
        [[ $line =~ $re ]] || continue
        printf '%s %s %s\n' "${BASH_REMATCH[3]}" "${BASH_REMATCH[2]:--}" "${BASH_REMATCH[5]:--}"
    done < <("$1" ${2:+"$2"} --help 2>/dev/null)
}

# _pcipass_commands BIN: the command names BIN's help lists.
_pcipass_commands()
{
    local line in_commands=

    while IFS= read -r line; do
        if [[ $line == Commands: ]]; then
            in_commands=1
        elif [[ $in_commands ]]; then
            [[ $line =~ ^\ +([a-z][a-z0-9-]*)\  ]] || break
            printf '%s\n' "${BASH_REMATCH[1]}"
        fi
    done < <("$1" --help 2>/dev/null)
}

# _pcipass_usage_args BIN COMMAND: what COMMAND takes after its options,
# from its usage line ("BDF...", "BDF", or nothing).
_pcipass_usage_args()
{
    local line

    while IFS= read -r line; do
        if [[ $line == Usage:* ]]; then
            [[ $line == *'[options]'* ]] && line=${line#*\[options\]} || line=
            printf '%s\n' "${line# }"
            return
        fi
    done < <("$1" "$2" --help 2>/dev/null)
}

# _pcipass_sysfs_names ROOT KIND: the entries of ROOT/sys/bus/pci/KIND
# (devices or drivers).  ROOT empty means the live host; a ROOT that is a
# file is a snapshot tarball and its listing is searched instead.  A tar
# lists a directory's entries together, so the listing is abandoned as soon
# as it has left that directory: on a 4,608-function snapshot this is the
# difference between 70 ms and 8 s.
_pcipass_sysfs_names()
{
    local root=$1 kind=$2

    if [[ -f $root ]]; then
        tar -tf "$root" 2>/dev/null | awk -v dir="sys/bus/pci/$kind/" '
            {
                i = index($0, dir)
                if (i && (i == 1 || substr($0, i - 1, 1) == "/")) {
                    name = substr($0, i + length(dir))
                    sub(/\/.*/, "", name)
                    if (name != "") print name
                    seen = 1
                } else if (seen) {
                    exit
                }
            }' | sort -u
        return
    fi
    # A glob, not ls: no other process.  Without a match the pattern stays
    # as it is, which the first entry's test catches.
    local -a entries=("${root%/}/sys/bus/pci/$kind"/*)
    [[ -e ${entries[0]} || -L ${entries[0]} ]] || return
    printf '%s\n' "${entries[@]##*/}"
}

# _pcipass_complete_bdfs ROOT TYPED...: COMPREPLY gets the functions of
# ROOT that match $cur and are not among TYPED.  Without a match in full
# form (0000:00:1f.0), the short form of domain 0 (00:1f.0) is tried,
# since that is what people type.  compgen narrows the list first, so the
# shell loop only sees the candidates, not every function of a big host.
_pcipass_complete_bdfs()
{
    local root=$1 bdf t prefix=
    shift
    local -a names matches=() typed=("$@")
    local re='^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$'

    mapfile -t names < <(_pcipass_sysfs_names "$root" devices)
    mapfile -t matches < <(compgen -W "${names[*]}" -- "$cur")
    if ((${#matches[@]} == 0)) && [[ $cur ]]; then
        prefix=0000:
        mapfile -t matches < <(compgen -W "${names[*]}" -- "$prefix$cur")
    fi

    COMPREPLY=()
    for bdf in "${matches[@]}"; do
        [[ $bdf =~ $re ]] || continue
        for t in "${typed[@]}"; do
            [[ $t == "$bdf" || 0000:$t == "$bdf" ]] && continue 2
        done
        COMPREPLY+=("${bdf#"$prefix"}")
    done
    __ltrim_colon_completions "$cur"
}

_pcipass()
{
    local cur prev words cword split
    _init_completion -s -n : || return

    local bin=${words[0]} sysroot= cmd= no_more_options= i w name arg l s a
    local -a opts positional=()
    [[ $bin == \~/* ]] && bin=$HOME/${bin#\~/}

    # Global options first: they tell which words before the command are
    # option arguments rather than the command itself.
    mapfile -t opts < <(_pcipass_options "$bin")
    ((${#opts[@]})) || return # not a pcipass we can ask

    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $no_more_options || $w != -?* ]]; then
            if [[ ! $cmd ]]; then
                cmd=$w
                mapfile -t opts < <(_pcipass_options "$bin" "$cmd")
            else
                positional+=("$w")
            fi
            continue
        fi
        if [[ $w == -- ]]; then
            no_more_options=1
            continue
        fi
        # Does this option take the next word as its argument?
        arg=
        for name in "${opts[@]}"; do
            read -r l s a <<<"$name"
            if [[ $w == --* ]]; then
                [[ ${w%%=*} == "--$l" ]] || continue
                [[ $l == sysroot && $w == *=* ]] && sysroot=${w#*=}
                [[ $a != - && $w != *=* ]] && arg=$l
            else
                # -abc: only the last letter may take an argument
                [[ $s != - && ${w: -1} == "$s" && $a != - ]] && arg=$l
            fi
        done
        if [[ $arg ]]; then
            ((i++))
            [[ $arg == sysroot ]] && sysroot=${words[i]}
        fi
    done
    [[ $sysroot == \~/* ]] && sysroot=$HOME/${sysroot#\~/}

    # The argument of an option?
    arg=
    for name in "${opts[@]}"; do
        read -r l s a <<<"$name"
        [[ $a != - ]] || continue
        [[ $prev == "--$l" || $prev == "-$s" ]] && arg=$l && break
    done
    if [[ $arg && ! $no_more_options ]]; then
        case $arg in
            sysroot) _filedir 'tar.gz' ;;
            from-lspci) _filedir ;;
            driver) COMPREPLY=($(compgen -W "$(_pcipass_sysfs_names "$sysroot" drivers)" -- "$cur")) ;;
            method)
                if [[ $a == *'|'* ]]; then
                    COMPREPLY=($(compgen -W "${a//|/ }" -- "$cur"))
                else
                    COMPREPLY=($(compgen -W "$_pcipass_reset_methods" -- "$cur"))
                fi
                ;;
            slot) _pcipass_complete_bdfs "$sysroot" ;;
            machine) COMPREPLY=($(compgen -W "q35 pc" -- "$cur")) ;;
            color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")) ;;
            output | sort)
                if [[ $a == LIST || $a == COLUMN ]]; then
                    # list's columns; -o takes a comma-separated list, +LIST adds
                    local done_part=${cur%"${cur##*[,+]}"}
                    COMPREPLY=($(compgen -P "$done_part" -W "$("$bin" list --list-columns 2>/dev/null | awk '{ print $1 }')" -- "${cur##*[,+]}"))
                    [[ $a == LIST ]] && compopt -o nospace 2>/dev/null
                elif [[ $a == DIR ]]; then
                    _filedir -d
                else
                    _filedir
                fi
                ;;
            *)
                case $a in
                    DIR) _filedir -d ;;
                    FILE | PATH) _filedir ;;
                esac
                ;;
        esac
        return
    fi

    if [[ $cur == -* && ! $no_more_options ]]; then
        local -a forms=()
        for name in "${opts[@]}"; do
            read -r l s a <<<"$name"
            forms+=("--$l")
            [[ $s != - ]] && forms+=("-$s")
        done
        COMPREPLY=($(compgen -W "${forms[*]}" -- "$cur"))
        return
    fi

    if [[ ! $cmd ]]; then
        COMPREPLY=($(compgen -W "$(_pcipass_commands "$bin")" -- "$cur"))
        return
    fi

    local takes
    takes=$(_pcipass_usage_args "$bin" "$cmd")
    case $takes in
        'A B') ((${#positional[@]} < 2)) && _filedir ;; # diff: snapshots, reports, directories
        *BDF...*) _pcipass_complete_bdfs "$sysroot" "${positional[@]}" ;;
        *BDF*) ((${#positional[@]} == 0)) && _pcipass_complete_bdfs "$sysroot" ;;
    esac
} &&
    complete -F _pcipass pcipass

# ex: filetype=sh
