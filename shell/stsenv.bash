# stsenv for bash (3.2 and later). Add to ~/.bashrc:  eval "$(stsenv init bash)"
#
# - `stsenv assume|session|unset|renew …` change this shell directly, wherever their output
#   goes (`> /dev/null`, a script's log). Only where output is captured — `$(…)`, a pipe, a
#   subshell — do they print shell code like the binary, so `eval "$(stsenv assume X)"` works too.
# - Before each prompt, a hook removes the credentials once STSENV_EXPIRES_AT has passed (and
#   puts back what the first assume replaced) and warns once when fewer than
#   STSENV_WARN_MINUTES (default 5) remain. While a session is live it starts no process: the
#   clock is EPOCHSECONDS (bash 5) or, before that, $SECONDS counted from the time `stsenv init`
#   printed below. STSENV_AUTO_RENEW=1 (or a direnv directory) renews without a prompt when the
#   cache allows.
# - STSENV_PROMPT holds "PROFILE 42m" (or "PROFILE 11h59m") for PS1 or starship.

# `stsenv init bash` writes its own clock here; 0 means this file was sourced as it is.
__stsenv_init_time=0

stsenv() {
    # A subshell ($(…), a pipe) cannot change this shell: there the binary prints code to eval.
    if ((BASH_SUBSHELL == 0)); then
        case "${1-}" in
            assume | session | unset | renew)
                # Help, data formats and another shell's code are for the screen, not for eval.
                local __stsenv_arg __stsenv_next=
                for __stsenv_arg in "$@"; do
                    if [[ -n $__stsenv_next ]]; then
                        [[ $__stsenv_arg == bash ]] || { command stsenv "$@"; return; }
                        __stsenv_next=
                        continue
                    fi
                    case "$__stsenv_arg" in
                        --) break ;;
                        -h | --help | --format | --format=* | --dry-run) command stsenv "$@"; return ;;
                        --shell) __stsenv_next=1 ;;
                        --shell=bash) ;;
                        --shell=*) command stsenv "$@"; return ;;
                    esac
                done
                __stsenv_eval "$@"
                return
                ;;
        esac
    fi
    command stsenv "$@"
}

# The shell is named in the environment, never appended to the user's arguments.
__stsenv_eval() {
    local __stsenv_out
    # After expiry `stsenv renew` still knows what was asked (__stsenv_request).
    __stsenv_out="$(STSENV_SHELL=bash STSENV_REQUEST=${STSENV_REQUEST:-${__stsenv_request-}} command stsenv "$@")" || return
    eval "$__stsenv_out"
    # An explicit unset forgets it too: renew has nothing to bring back.
    if [[ $1 == unset ]]; then __stsenv_request=; fi
}

# Where EPOCHSECONDS is missing (bash < 5), SECONDS plus this offset is the time, fork-free.
if [[ -z ${EPOCHSECONDS-} ]]; then
    if ((__stsenv_init_time > 0)); then
        __stsenv_clock=$((__stsenv_init_time - SECONDS))
    else
        __stsenv_clock=$(($(command date +%s) - SECONDS))
    fi
fi

# Sets __stsenv_left (the caller's local) to the seconds the session has left.
__stsenv_time_left() {
    if [[ -n ${EPOCHSECONDS-} ]]; then
        __stsenv_left=$((STSENV_EXPIRES_AT - EPOCHSECONDS))
    else
        __stsenv_left=$((STSENV_EXPIRES_AT - __stsenv_clock - SECONDS))
    fi
}

# Whole minutes left (floor), the one rounding of the prompt, the warning and `stsenv status`.
__stsenv_prompt() {
    local __stsenv_name=${STSENV_PROFILE-}
    [[ $__stsenv_name == arn:* ]] && __stsenv_name=${__stsenv_name##*/}
    __stsenv_minutes=$((__stsenv_left / 60))
    if ((__stsenv_minutes >= 60)); then
        printf -v STSENV_PROMPT '%s %dh%02dm' "$__stsenv_name" $((__stsenv_minutes / 60)) $((__stsenv_minutes % 60))
    else
        printf -v STSENV_PROMPT '%s %dm' "$__stsenv_name" "$__stsenv_minutes"
    fi
    export STSENV_PROMPT
}

# Removes what the session set and puts back what the first assume saved (STSENV_SAVED).
__stsenv_expire() {
    local __stsenv_var __stsenv_saved
    for __stsenv_var in ${STSENV_VARS-AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN STSENV_EXPIRES_AT}; do
        # Only names stsenv manages, whatever the variable says.
        [[ $__stsenv_var =~ ^(AWS|STSENV)_[A-Z_]+$ ]] && unset "$__stsenv_var"
    done
    unset STSENV_EXPIRES_AT STSENV_PROMPT
    for __stsenv_var in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION \
        AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN; do
        __stsenv_saved=STSENV_SAVED_$__stsenv_var
        if [[ " ${STSENV_SAVED-} " == *" $__stsenv_var "* && -n ${!__stsenv_saved+x} ]]; then
            export "$__stsenv_var=${!__stsenv_saved}"
        fi
        unset "$__stsenv_saved"
    done
    unset STSENV_SAVED
}

__stsenv_hook() {
    local __stsenv_status=$?
    if [[ ! ${STSENV_EXPIRES_AT-} =~ ^[0-9]+$ ]]; then
        # Nothing live (or a value we will not do arithmetic on): clear the prompt text.
        [[ -z ${STSENV_PROMPT+x} ]] || unset STSENV_PROMPT
        return "$__stsenv_status"
    fi
    local __stsenv_left __stsenv_minutes __stsenv_warn=${STSENV_WARN_MINUTES:-5}
    [[ $__stsenv_warn =~ ^[0-9]+$ ]] || __stsenv_warn=5
    __stsenv_time_left
    if ((__stsenv_left > 0)) && { ((__stsenv_left > __stsenv_warn * 60)) || [[ ${__stsenv_warned-} == "$STSENV_EXPIRES_AT" ]]; }; then
        __stsenv_prompt
        return "$__stsenv_status"
    fi
    __stsenv_warned=$STSENV_EXPIRES_AT
    local __stsenv_profile=${STSENV_PROFILE-}
    # Renew once per session end, never with a prompt; on failure fall through.
    if [[ ${STSENV_AUTO_RENEW-} == 1 || -n ${DIRENV_DIR-} ]] && [[ -n $__stsenv_profile ]]; then
        if __stsenv_eval renew --no-prompt 2>/dev/null; then
            printf 'stsenv: renewed %q\n' "$__stsenv_profile" >&2
            __stsenv_time_left
            __stsenv_prompt
            return "$__stsenv_status"
        fi
    fi
    if ((__stsenv_left > 0)); then
        __stsenv_prompt
        printf 'stsenv: %q expires in %d min; renew: stsenv renew\n' "$__stsenv_profile" "$__stsenv_minutes" >&2
        return "$__stsenv_status"
    fi
    __stsenv_request=${STSENV_REQUEST-}
    __stsenv_expire
    printf 'stsenv: credentials for %q expired and were removed; renew: stsenv renew\n' "$__stsenv_profile" >&2
    return "$__stsenv_status"
}

# Run before the user's own PROMPT_COMMAND (a prompt like starship's then shows this prompt's
# STSENV_PROMPT), but after direnv's hook, which changes the session on `cd`: right after
# `_direnv_hook` when it is already there, first otherwise (a direnv hook loaded later puts
# itself first). Once only.
if [[ ${PROMPT_COMMAND[*]-} != *__stsenv_hook* ]]; then
    if [[ -n ${PROMPT_COMMAND[1]+x} ]] && ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)); then
        # bash >= 5.1 runs every element of an array PROMPT_COMMAND; before, only the first.
        __stsenv_commands=()
        for __stsenv_command in "${PROMPT_COMMAND[@]}"; do
            __stsenv_commands+=("$__stsenv_command")
            [[ $__stsenv_command == _direnv_hook ]] && __stsenv_commands+=(__stsenv_hook)
        done
        [[ ${__stsenv_commands[*]} == *__stsenv_hook* ]] || __stsenv_commands=(__stsenv_hook "${PROMPT_COMMAND[@]}")
        PROMPT_COMMAND=("${__stsenv_commands[@]}")
        unset __stsenv_commands __stsenv_command
    elif [[ ";${PROMPT_COMMAND-};" == *";_direnv_hook;"* ]]; then
        # shellcheck disable=SC2178,SC2128 # the string form, which also covers a 1-element array
        PROMPT_COMMAND="${PROMPT_COMMAND/_direnv_hook/_direnv_hook;__stsenv_hook}"
    else
        # shellcheck disable=SC2178,SC2128
        PROMPT_COMMAND="__stsenv_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
    fi
fi
