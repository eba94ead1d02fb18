# stsenv for zsh. Add to ~/.zshrc:  eval "$(stsenv init zsh)"
#
# - `stsenv assume|session|unset …` change this shell directly (other subcommands pass through).
# - A precmd hook removes the credentials once STSENV_EXPIRES_AT has passed and warns once
#   when fewer than STSENV_WARN_MINUTES (default 5) remain. While a session is live it starts
#   no process (EPOCHSECONDS from zsh/datetime). STSENV_AUTO_RENEW=1 (or a direnv directory)
#   renews without a prompt when the cache allows it.
# - STSENV_PROMPT holds "PROFILE 42m" for PROMPT (with `setopt prompt_subst`) or starship.

zmodload -F zsh/datetime p:EPOCHSECONDS

stsenv() {
    case "${1-}" in
        assume | session | unset)
            if (( ${@[(I)(-h|--help)]} )); then
                command stsenv "$@"
                return
            fi
            local __stsenv_out
            __stsenv_out="$(command stsenv "$@" --shell zsh)" || return
            eval "$__stsenv_out"
            ;;
        *) command stsenv "$@" ;;
    esac
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
    (( left > 0 )) && export STSENV_PROMPT="${STSENV_PROFILE-} $(( left / 60 ))m"
    if (( left > warn * 60 )) || [[ ${__stsenv_warned-} == $STSENV_EXPIRES_AT ]]; then
        (( left > 0 )) && return 0
    fi
    typeset -g __stsenv_warned=$STSENV_EXPIRES_AT
    local profile=${STSENV_PROFILE-}
    # Renew once per session end, never with a prompt; on failure fall through.
    if [[ ${STSENV_AUTO_RENEW-} == 1 || -n ${DIRENV_DIR-} ]] && [[ -n $profile ]]; then
        if stsenv assume "$profile" --refresh --no-prompt 2>/dev/null; then
            print -ru2 -- "stsenv: renewed ${(q-)profile}"
            return 0
        fi
    fi
    if (( left > 0 )); then
        print -ru2 -- "stsenv: ${(q-)profile} expires in $(( (left + 59) / 60 )) min; renew: stsenv assume ${(q-)profile}"
        return 0
    fi
    local var
    for var in ${=STSENV_VARS:-AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN STSENV_EXPIRES_AT}; do
        # Only names stsenv manages, whatever the variable says.
        [[ $var =~ '^(AWS|STSENV)_[A-Z_]+$' ]] && unset $var
    done
    unset STSENV_EXPIRES_AT STSENV_PROMPT
    print -ru2 -- "stsenv: credentials for ${(q-)profile} expired and were removed; renew: stsenv assume ${(q-)profile}"
    return 0
}

autoload -Uz add-zsh-hook
add-zsh-hook precmd __stsenv_hook  # add-zsh-hook never adds the same function twice

# Completions, profile names included (clap_complete), once compinit has run.
if [[ -z ${STSENV_NO_COMPLETIONS-} ]] && (( $+functions[compdef] )); then
    eval "$(command stsenv completions zsh)"
fi
