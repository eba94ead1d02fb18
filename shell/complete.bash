# stsenv completion for bash (3.2 and later): the binary answers (clap_complete's dynamic
# protocol), so profile names come from the config files at the time of the Tab.
__stsenv_complete() {
    local __stsenv_words=("${COMP_WORDS[@]}") __stsenv_space=true __stsenv_out __stsenv_line
    # compopt is bash >= 4; without it completions always end with a space.
    compopt +o nospace 2>/dev/null && __stsenv_space=false
    # bash 4 splits words at COMP_WORDBREAKS (=, :); $2 is the whole current word.
    ((BASH_VERSINFO[0] >= 4)) && __stsenv_words[COMP_CWORD]=$2
    COMPREPLY=()
    __stsenv_out=$(
        _CLAP_IFS=$'\n' _CLAP_COMPLETE_INDEX=$COMP_CWORD _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE-9} \
            _CLAP_COMPLETE_SPACE=$__stsenv_space COMPLETE=bash command stsenv -- "${__stsenv_words[@]}"
    ) || return 0
    # One candidate a line, taken as it is: no globbing, no word splitting.
    while IFS= read -r __stsenv_line; do
        [[ -n $__stsenv_line ]] && COMPREPLY+=("$__stsenv_line")
    done <<<"$__stsenv_out"
    if [[ $__stsenv_space == false && ${COMPREPLY[0]-} =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
    return 0
}
if ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4))); then
    complete -o nospace -o bashdefault -o nosort -F __stsenv_complete stsenv
else
    complete -o nospace -o bashdefault -F __stsenv_complete stsenv
fi
