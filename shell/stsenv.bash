# stsenv for bash. Add to ~/.bashrc:  eval "$(stsenv init bash)"
#
# - `stsenv assume|session|unset …` change this shell directly (other subcommands pass through).
# - Before each prompt, a hook removes the credentials once STSENV_EXPIRES_AT has passed and
#   warns once when fewer than STSENV_WARN_MINUTES (default 5) remain. While a session is
#   live it starts no process. STSENV_AUTO_RENEW=1 (or a direnv directory) renews without a
#   prompt when the cache allows it.
# - STSENV_PROMPT holds "PROFILE 42m" for PS1 or starship.

stsenv() {
    case "${1-}" in
        assume | session | unset)
            local __stsenv_arg __stsenv_out
            for __stsenv_arg in "$@"; do
                case "$__stsenv_arg" in
                    -h | --help) command stsenv "$@"; return ;;
                esac
            done
            __stsenv_out="$(command stsenv "$@" --shell bash)" || return
            eval "$__stsenv_out"
            ;;
        *) command stsenv "$@" ;;
    esac
}

__stsenv_hook() {
    local __stsenv_status=$?
    if [[ ! ${STSENV_EXPIRES_AT-} =~ ^[0-9]+$ ]]; then
        # Nothing live (or a value we will not do arithmetic on): clear the prompt text.
        [[ -z ${STSENV_PROMPT+x} ]] || unset STSENV_PROMPT
        return "$__stsenv_status"
    fi
    local __stsenv_now __stsenv_left __stsenv_warn=${STSENV_WARN_MINUTES:-5}
    [[ $__stsenv_warn =~ ^[0-9]+$ ]] || __stsenv_warn=5
    if [[ -n ${EPOCHSECONDS-} ]]; then
        __stsenv_now=$EPOCHSECONDS
    else
        printf -v __stsenv_now '%(%s)T' -1
    fi
    __stsenv_left=$((STSENV_EXPIRES_AT - __stsenv_now))
    if ((__stsenv_left > 0)); then
        export STSENV_PROMPT="${STSENV_PROFILE-} $((__stsenv_left / 60))m"
    fi
    if ((__stsenv_left > __stsenv_warn * 60)) || [[ ${__stsenv_warned-} == "$STSENV_EXPIRES_AT" ]]; then
        ((__stsenv_left > 0)) && return "$__stsenv_status"
    fi
    __stsenv_warned=$STSENV_EXPIRES_AT
    local __stsenv_profile=${STSENV_PROFILE-}
    # Renew once per session end, never with a prompt; on failure fall through.
    if [[ ${STSENV_AUTO_RENEW-} == 1 || -n ${DIRENV_DIR-} ]] && [[ -n $__stsenv_profile ]]; then
        if stsenv assume "$__stsenv_profile" --refresh --no-prompt 2>/dev/null; then
            printf 'stsenv: renewed %q\n' "$__stsenv_profile" >&2
            return "$__stsenv_status"
        fi
    fi
    if ((__stsenv_left > 0)); then
        printf 'stsenv: %q expires in %d min; renew: stsenv assume %q\n' \
            "$__stsenv_profile" $(((__stsenv_left + 59) / 60)) "$__stsenv_profile" >&2
        return "$__stsenv_status"
    fi
    local __stsenv_var
    for __stsenv_var in ${STSENV_VARS-AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN STSENV_EXPIRES_AT}; do
        # Only names stsenv manages, whatever the variable says.
        [[ $__stsenv_var =~ ^(AWS|STSENV)_[A-Z_]+$ ]] && unset "$__stsenv_var"
    done
    unset STSENV_EXPIRES_AT STSENV_PROMPT
    printf 'stsenv: credentials for %q expired and were removed; renew: stsenv assume %q\n' \
        "$__stsenv_profile" "$__stsenv_profile" >&2
    return "$__stsenv_status"
}

# Run first, so the user's own PROMPT_COMMAND still sees the command's $?. Once only.
if [[ ${PROMPT_COMMAND[*]-} != *__stsenv_hook* ]]; then
    if [[ -n ${PROMPT_COMMAND[1]+x} ]]; then
        PROMPT_COMMAND=(__stsenv_hook "${PROMPT_COMMAND[@]}")
    else
        # shellcheck disable=SC2178,SC2128 # the string form, which also covers a 1-element array
        PROMPT_COMMAND="__stsenv_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
    fi
fi

# Completions, profile names included (clap_complete; the binary answers at completion time).
if [[ -z ${STSENV_NO_COMPLETIONS-} ]] && command -v stsenv >/dev/null; then
    eval "$(command stsenv completions bash)"
fi
