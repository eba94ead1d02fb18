# stsenv for fish (3.3 and later). Add to ~/.config/fish/config.fish:  stsenv init fish | source
#
# - `stsenv assume|session|unset|renew …` change this shell directly, wherever their output
#   goes (`> /dev/null`, `| source`, a script's log). Only in a command substitution do they
#   print shell code like the binary, so `eval (stsenv assume X)` works too.
# - A fish_prompt hook removes the credentials once STSENV_EXPIRES_AT has passed (and puts back
#   what the first assume replaced) and warns once when fewer than STSENV_WARN_MINUTES
#   (default 5) remain. While a session is live it starts no process: fish has no clock
#   builtin, but a file's mtime plus its age is now (fish >= 3.5); before that (Linux) the
#   time `stsenv init` printed below plus the /proc/uptime elapsed since. STSENV_AUTO_RENEW=1 (or a direnv directory) renews without a
#   prompt when the cache allows.
# - STSENV_PROMPT holds "PROFILE 42m" (or "PROFILE 11h59m") for fish_prompt or starship.

# `stsenv init fish` writes its clock here (to the millisecond); 0: this file was sourced as it is.
set -g __stsenv_init_time 0
# fish < 3.5 has no clock builtin: on Linux the hook counts /proc/uptime from that time.
if not builtin -q path; and test -r /proc/uptime
    read -g __stsenv_uptime_at_init </proc/uptime
    set -g __stsenv_uptime_at_init (string split ' ' -- $__stsenv_uptime_at_init)[1]
end

function stsenv --description 'AWS temporary credentials for this shell'
    # A command substitution cannot change this shell: there the binary prints code to eval.
    if not status is-command-substitution; and contains -- "$argv[1]" assume session unset renew
        set -l opts $argv
        set -l end (contains -i -- -- $argv); and set opts $argv[1..(math $end - 1)]
        # Help, data formats and another shell's code are for the screen, not for eval.
        set -l shell fish
        set -l i (contains -i -- --shell $opts); and set shell $opts[(math $i + 1)]
        set -l eq (string match -r -- '^--shell=(.*)' $opts)[2]; and set shell $eq
        if not contains -- --help $opts; and not contains -- -h $opts; and not contains -- --dry-run $opts
            and not string match -q -- '--format*' $opts; and test "$shell" = fish
            __stsenv_eval $argv
            set -l rc $status
            # What `| source` reads: nothing on success, and a failure fails it too.
            test $rc -eq 0; or isatty stdout; or echo false
            return $rc
        end
    end
    command stsenv $argv
end

# The shell is named in the environment, never appended to the user's arguments.
function __stsenv_eval
    # After expiry `stsenv renew` still knows what was asked (__stsenv_request).
    set -l request "$STSENV_REQUEST"
    test -n "$request"; or set request "$__stsenv_request"
    set -l out (STSENV_SHELL=fish STSENV_REQUEST=$request command stsenv $argv)
    or return
    string join \n -- $out | source
    # An explicit unset forgets it too: renew has nothing to bring back.
    if test "$argv[1]" = unset
        set -g __stsenv_request ""
    end
end

# Whole minutes left (floor), the one rounding of the prompt, the warning and `stsenv status`.
function __stsenv_prompt --argument-names left
    set -l name (string replace -r '^arn:.*/' '' -- "$STSENV_PROFILE")
    set -g __stsenv_minutes (math --scale=0 "floor($left / 60)")
    if test $__stsenv_minutes -ge 60
        set -gx STSENV_PROMPT (printf '%s %dh%02dm' "$name" (math --scale=0 "$__stsenv_minutes / 60") (math "$__stsenv_minutes % 60"))
    else
        set -gx STSENV_PROMPT (printf '%s %dm' "$name" $__stsenv_minutes)
    end
end

function __stsenv_now
    if builtin -q path
        math (path mtime /) + (path mtime --relative /)
    else if set -q __stsenv_uptime_at_init[1]
        read -l uptime </proc/uptime
        set uptime (string split ' ' -- $uptime)[1]
        if test "$__stsenv_init_time" != 0
            math --scale=0 "$__stsenv_init_time + $uptime - $__stsenv_uptime_at_init"
        else
            # Sourced without init's clock: the boot time, to the second.
            set -q __stsenv_boot; or set -g __stsenv_boot (string match -r '^btime ([0-9]+)' </proc/stat)[2]
            math --scale=0 $__stsenv_boot + $uptime
        end
    else
        command date +%s
    end
end

# Removes what the session set and puts back what the first assume saved (STSENV_SAVED);
# a universal variable of the same name shows through again instead.
function __stsenv_expire
    set -l vars (string split ' ' -- "$STSENV_VARS")
    set -q STSENV_VARS; or set vars AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
    for var in $vars
        # Only names stsenv manages, whatever the variable says.
        string match -qr '^(AWS|STSENV)_[A-Z_]+$' -- $var; and set -e -g $var
    end
    set -e -g STSENV_EXPIRES_AT
    set -q STSENV_PROMPT; and set -e -g STSENV_PROMPT
    set -l saved (string split ' ' -- "$STSENV_SAVED")
    for var in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION \
        AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN
        set -l copy STSENV_SAVED_$var
        if contains -- $var $saved; and set -q $copy
            set -e -g $var
            set -q -U $var; or set -gx $var $$copy
        end
        set -q $copy; and set -e -g $copy
    end
    set -q STSENV_SAVED; and set -e -g STSENV_SAVED
    return 0
end

# direnv's fish_prompt handler runs after this one when it is loaded later: follow a session
# it sets or removes as it happens, so the prompt it draws is already right (no process).
function __stsenv_follow --on-variable STSENV_EXPIRES_AT --on-variable STSENV_PROFILE
    if string match -qr '^[0-9]+$' -- "$STSENV_EXPIRES_AT"
        set -l left (math $STSENV_EXPIRES_AT - (__stsenv_now))
        test $left -gt 0; and __stsenv_prompt $left
    else
        set -q STSENV_PROMPT; and set -e -g STSENV_PROMPT
    end
    return 0
end

function __stsenv_hook --on-event fish_prompt
    if not string match -qr '^[0-9]+$' -- "$STSENV_EXPIRES_AT"
        # Nothing live (or a value we will not do arithmetic on): clear the prompt text.
        set -q STSENV_PROMPT; and set -e -g STSENV_PROMPT
        return 0
    end
    set -l left (math $STSENV_EXPIRES_AT - (__stsenv_now))
    set -l warn (math (string match -r '^[0-9]+$' -- "$STSENV_WARN_MINUTES"; or echo 5) \* 60)
    if test $left -gt 0; and begin
            test $left -gt $warn; or test "$__stsenv_warned" = "$STSENV_EXPIRES_AT"
        end
        __stsenv_prompt $left
        return 0
    end
    set -g __stsenv_warned $STSENV_EXPIRES_AT
    set -l profile "$STSENV_PROFILE"
    # Renew once per session end, never with a prompt; on failure fall through.
    if test "$STSENV_AUTO_RENEW" = 1 -o -n "$DIRENV_DIR"; and test -n "$profile"
        if __stsenv_eval renew --no-prompt 2>/dev/null
            echo "stsenv: renewed "(string escape -- $profile) >&2
            __stsenv_prompt (math $STSENV_EXPIRES_AT - (__stsenv_now))
            return 0
        end
    end
    set -l quoted (string escape -- $profile)
    if test $left -gt 0
        __stsenv_prompt $left
        echo "stsenv: $quoted expires in $__stsenv_minutes min; renew: stsenv renew" >&2
        return 0
    end
    set -g __stsenv_request "$STSENV_REQUEST"
    __stsenv_expire
    echo "stsenv: credentials for $quoted expired and were removed; renew: stsenv renew" >&2
    return 0
end
