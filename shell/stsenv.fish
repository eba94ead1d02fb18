# stsenv for fish. Add to ~/.config/fish/config.fish:  stsenv init fish | source
#
# - `stsenv assume|session|unset …` change this shell directly (other subcommands pass through).
# - A fish_prompt hook removes the credentials once STSENV_EXPIRES_AT has passed and warns
#   once when fewer than STSENV_WARN_MINUTES (default 5) remain. While a session is live it
#   starts no process: fish has no clock builtin, but a file's mtime plus its age is now.
#   STSENV_AUTO_RENEW=1 (or a direnv directory) renews without a prompt when the cache allows.
# - STSENV_PROMPT holds "PROFILE 42m" for fish_prompt or starship.

function stsenv --description 'AWS temporary credentials for this shell'
    switch "$argv[1]"
        case assume session unset
            if contains -- --help $argv; or contains -- -h $argv
                command stsenv $argv
                return
            end
            set -l out (command stsenv $argv --shell fish)
            or return
            string join \n -- $out | source
        case '*'
            command stsenv $argv
    end
end

function __stsenv_hook --on-event fish_prompt
    if not string match -qr '^[0-9]+$' -- "$STSENV_EXPIRES_AT"
        # Nothing live (or a value we will not do arithmetic on): clear the prompt text.
        set -q STSENV_PROMPT; and set -e -g STSENV_PROMPT
        return 0
    end
    set -l now (math (path mtime /) + (path mtime --relative /))
    set -l left (math $STSENV_EXPIRES_AT - $now)
    test $left -gt 0; and set -gx STSENV_PROMPT "$STSENV_PROFILE "(math --scale=0 "$left / 60")m
    set -l warn (math (string match -r '^[0-9]+$' -- "$STSENV_WARN_MINUTES"; or echo 5) \* 60)
    if test $left -gt $warn; or test "$__stsenv_warned" = "$STSENV_EXPIRES_AT"
        test $left -gt 0; and return 0
    end
    set -g __stsenv_warned $STSENV_EXPIRES_AT
    set -l profile "$STSENV_PROFILE"
    # Renew once per session end, never with a prompt; on failure fall through.
    if test "$STSENV_AUTO_RENEW" = 1 -o -n "$DIRENV_DIR"; and test -n "$profile"
        if stsenv assume $profile --refresh --no-prompt 2>/dev/null
            echo "stsenv: renewed "(string escape -- $profile) >&2
            return 0
        end
    end
    set -l quoted (string escape -- $profile)
    if test $left -gt 0
        echo "stsenv: $quoted expires in "(math --scale=0 "($left + 59) / 60")" min; renew: stsenv assume $quoted" >&2
        return 0
    end
    set -l vars (string split ' ' -- "$STSENV_VARS")
    set -q STSENV_VARS; or set vars AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    for var in $vars
        # Only names stsenv manages, whatever the variable says.
        string match -qr '^(AWS|STSENV)_[A-Z_]+$' -- $var; and set -e -g $var
    end
    set -e -g STSENV_EXPIRES_AT
    set -q STSENV_PROMPT; and set -e -g STSENV_PROMPT
    echo "stsenv: credentials for $quoted expired and were removed; renew: stsenv assume $quoted" >&2
    return 0
end

# Completions, profile names included (clap_complete; the binary answers at completion time).
if not set -q STSENV_NO_COMPLETIONS; and command -q stsenv
    command stsenv completions fish | source
end
