# stsenv for zsh. Add to ~/.zshrc:  eval "$(stsenv init zsh)"
#
# - `stsenv assume|session|unset|renew …` change this shell directly, wherever their output
#   goes (`> /dev/null`, a script's log). Only where output is captured — `$(…)`, a pipe, a
#   subshell — do they print shell code like the binary, so `eval "$(stsenv assume X)"` works too.
# - A precmd hook removes the credentials once STSENV_EXPIRES_AT has passed (and puts back what
#   the first assume replaced) and warns once when fewer than STSENV_WARN_MINUTES (default 5)
#   remain. While a session is live it starts no process (EPOCHSECONDS from zsh/datetime).
#   STSENV_AUTO_RENEW=1 (or a direnv directory) renews without a prompt when the cache allows.
# - STSENV_PROMPT holds "PROFILE 42m" (or "PROFILE 11h59m") for PROMPT (with
#   `setopt prompt_subst`) or starship.

zmodload -F zsh/datetime p:EPOCHSECONDS

stsenv() {
    # A subshell ($(…), a pipe) cannot change this shell: there the binary prints code to eval.
    if (( ZSH_SUBSHELL == 0 )); then
        case "${1-}" in
            assume | session | unset | renew)
                # Help, data formats and another shell's code are for the screen, not for eval.
                local -a __stsenv_opts=("${(@)argv[1,${argv[(i)--]}-1]}")
                local __stsenv_shell=${__stsenv_opts[${__stsenv_opts[(i)--shell]}+1]-zsh}
                local __stsenv_eq=${(M)__stsenv_opts:#--shell=*}
                [[ -n $__stsenv_eq ]] && __stsenv_shell=${__stsenv_eq#--shell=}
                if (( ${__stsenv_opts[(I)(-h|--help|--format|--format=*|--dry-run)]} )) || [[ $__stsenv_shell != zsh ]]; then
                    command stsenv "$@"
                    return
                fi
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
    __stsenv_out="$(STSENV_SHELL=zsh STSENV_REQUEST=${STSENV_REQUEST:-${__stsenv_request-}} command stsenv "$@")" || return
    eval "$__stsenv_out"
    # An explicit unset forgets it too: renew has nothing to bring back.
    if [[ $1 == unset ]]; then typeset -g __stsenv_request=; fi
}

# Whole minutes left (floor), the one rounding of the prompt, the warning and `stsenv status`.
__stsenv_prompt() {
    local name=${STSENV_PROFILE-}
    typeset -g __stsenv_minutes=$(( $1 / 60 ))
    [[ $name == arn:* ]] && name=${name##*/}
    if (( __stsenv_minutes >= 60 )); then
        printf -v STSENV_PROMPT '%s %dh%02dm' "$name" $(( __stsenv_minutes / 60 )) $(( __stsenv_minutes % 60 ))
    else
        printf -v STSENV_PROMPT '%s %dm' "$name" $__stsenv_minutes
    fi
    export STSENV_PROMPT
}

# Removes what the session set and puts back what the first assume saved (STSENV_SAVED).
__stsenv_expire() {
    local var saved
    for var in ${=STSENV_VARS:-AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN STSENV_EXPIRES_AT}; do
        # Only names stsenv manages, whatever the variable says.
        [[ $var =~ '^(AWS|STSENV)_[A-Z_]+$' ]] && unset $var
    done
    unset STSENV_EXPIRES_AT STSENV_PROMPT
    for var in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION \
        AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN; do
        saved=STSENV_SAVED_$var
        if [[ " ${STSENV_SAVED-} " == *" $var "* ]] && (( ${(P)+saved} )); then
            export $var=${(P)saved}
        fi
        unset $saved
    done
    unset STSENV_SAVED
}

__stsenv_hook() {
    emulate -L zsh
    if [[ ! ${STSENV_EXPIRES_AT-} =~ '^[0-9]+$' ]]; then
        # Nothing live (or a value we will not do arithmetic on): clear the prompt text.
        [[ -z ${STSENV_PROMPT+x} ]] || unset STSENV_PROMPT
        return 0
    fi
    local -i left=$(( STSENV_EXPIRES_AT - EPOCHSECONDS ))
    local warn=${STSENV_WARN_MINUTES:-5}
    [[ $warn =~ '^[0-9]+$' ]] || warn=5
    if (( left > 0 )) && { (( left > warn * 60 )) || [[ ${__stsenv_warned-} == $STSENV_EXPIRES_AT ]] }; then
        __stsenv_prompt $left
        return 0
    fi
    typeset -g __stsenv_warned=$STSENV_EXPIRES_AT
    local profile=${STSENV_PROFILE-}
    # Renew once per session end, never with a prompt; on failure fall through.
    if [[ ${STSENV_AUTO_RENEW-} == 1 || -n ${DIRENV_DIR-} ]] && [[ -n $profile ]]; then
        if __stsenv_eval renew --no-prompt 2>/dev/null; then
            print -ru2 -- "stsenv: renewed ${(q-)profile}"
            __stsenv_prompt $(( STSENV_EXPIRES_AT - EPOCHSECONDS ))
            return 0
        fi
    fi
    if (( left > 0 )); then
        __stsenv_prompt $left
        print -ru2 -- "stsenv: ${(q-)profile} expires in $__stsenv_minutes min; renew: stsenv renew"
        return 0
    fi
    typeset -g __stsenv_request=${STSENV_REQUEST-}
    __stsenv_expire
    print -ru2 -- "stsenv: credentials for ${(q-)profile} expired and were removed; renew: stsenv renew"
    return 0
}

autoload -Uz add-zsh-hook
add-zsh-hook precmd __stsenv_hook  # add-zsh-hook never adds the same function twice
