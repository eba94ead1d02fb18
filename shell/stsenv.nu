# stsenv for nushell. nushell sources files when it parses config.nu, so save this once:
#   stsenv init nu | save -f ($nu.default-config-dir | path join stsenv.nu)
# and add to config.nu:
#   source ($nu.default-config-dir | path join stsenv.nu)
#
# - `stsenv assume|session|unset|renew …` change this shell's environment (nushell has no
#   eval: the binary prints JSON, which this wrapper applies); the rest pass through.
# - A pre_prompt hook removes the credentials once STSENV_EXPIRES_AT has passed (and puts back
#   what the first assume replaced), warns once when fewer than STSENV_WARN_MINUTES (default 5)
#   remain, and renews without a prompt with STSENV_AUTO_RENEW=1. It starts no process.
# - STSENV_PROMPT holds "PROFILE 42m" (or "PROFILE 11h59m") for your prompt.

def --env --wrapped stsenv [...args: string] {
    let verb = if ($args | is-empty) { "" } else { $args | first }
    # Help, data formats and another shell's output are for the screen, not for this wrapper.
    # `skip` and `first 1` rather than `get -o`/`first`, which fail on empty lists before 0.110.
    let shell_at = ($args | enumerate | where item == "--shell" | get index)
    let shell_value = if ($shell_at | is-empty) { [] } else { $args | skip (($shell_at | first) + 1) | first 1 }
    let other_shell = (($shell_at | is-not-empty) and $shell_value != ["nu"]) or ($args | any {|a| $a starts-with "--shell=" and $a != "--shell=nu" })
    let for_screen = ($args | any {|a| $a in ["--help" "-h" "--dry-run"] or ($a starts-with "--format") }) or $other_shell
    if ($verb in [assume session unset renew]) and not $for_screen {
        # After expiry `stsenv renew` still knows what was asked.
        let request = ($env.STSENV_REQUEST? | default ($env.__STSENV_REQUEST? | default ""))
        let result = (with-env {STSENV_SHELL: nu, STSENV_REQUEST: $request} { ^stsenv ...$args | complete })
        if $result.exit_code != 0 {
            # One error block: stsenv's own lines are its message.
            let said = ($result.stderr | str trim)
            error make --unspanned {msg: (if ($said | is-empty) { $"stsenv ($verb) failed" } else { $said })}
        }
        if ($result.stderr | is-not-empty) { print --stderr --no-newline $result.stderr }
        __stsenv_apply ($result.stdout | from json)
    } else {
        ^stsenv ...$args
    }
}

def --env __stsenv_apply [changes: record] {
    for name in $changes.unset {
        hide-env --ignore-errors $name
    }
    load-env $changes.set
}

# Whole minutes left (floor), the one rounding of the prompt, the warning and `stsenv status`.
def --env __stsenv_prompt [left: int] {
    let name = ($env.STSENV_PROFILE? | default "" | str replace --regex '^arn:.*/' '')
    let minutes = ($left // 60)
    $env.__STSENV_MINUTES = $minutes
    $env.STSENV_PROMPT = if $minutes >= 60 {
        $"($name) ($minutes // 60)h($minutes mod 60 | fill --alignment right --character '0' --width 2)m"
    } else {
        $"($name) ($minutes)m"
    }
}

# Removes what the session set and puts back what the first assume saved (STSENV_SAVED).
def --env __stsenv_expire [] {
    for var in ($env.STSENV_VARS? | default "" | split row " ") {
        # Only names stsenv manages, whatever the variable says.
        if ($var =~ '^(AWS|STSENV)_[A-Z_]+$') { hide-env --ignore-errors $var }
    }
    hide-env --ignore-errors STSENV_EXPIRES_AT STSENV_PROMPT
    let saved = ($env.STSENV_SAVED? | default "" | split row " ")
    for var in [AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN] {
        let copy = $"STSENV_SAVED_($var)"
        if ($var in $saved) and ($copy in $env) {
            load-env {$var: ($env | get $copy)}
        }
        hide-env --ignore-errors $copy
    }
    hide-env --ignore-errors STSENV_SAVED
}

def --env __stsenv_hook [] {
    let at = ($env.STSENV_EXPIRES_AT? | default "" | into string)
    if not ($at =~ '^[0-9]+$') {
        hide-env --ignore-errors STSENV_PROMPT
        return
    }
    let warn_text = ($env.STSENV_WARN_MINUTES? | default "5" | into string)
    let warn = if ($warn_text =~ '^[0-9]+$') { $warn_text | into int } else { 5 }
    let now = ((date now | into int) // 1_000_000_000)
    let left = (($at | into int) - $now)
    if $left > 0 and ($left > $warn * 60 or ($env.__STSENV_WARNED? | default "") == $at) {
        __stsenv_prompt $left
        return
    }
    $env.__STSENV_WARNED = $at
    let profile = ($env.STSENV_PROFILE? | default "")
    if ($env.STSENV_AUTO_RENEW? | default "") == "1" and ($profile | is-not-empty) {
        let renewed = try { stsenv renew --no-prompt; true } catch { false }
        if $renewed {
            print --stderr $"stsenv: renewed ($profile)"
            __stsenv_prompt (($env.STSENV_EXPIRES_AT | into int) - $now)
            return
        }
    }
    if $left > 0 {
        __stsenv_prompt $left
        print --stderr $"stsenv: ($profile) expires in ($env.__STSENV_MINUTES) min; renew: stsenv renew"
        return
    }
    $env.__STSENV_REQUEST = ($env.STSENV_REQUEST? | default "")
    __stsenv_expire
    print --stderr $"stsenv: credentials for ($profile) expired and were removed; renew: stsenv renew"
}

$env.config = ($env.config | upsert hooks.pre_prompt (
    $env.config.hooks.pre_prompt? | default [] | where {|h| ($h | describe) != "string" or $h != "__stsenv_hook" } | append "__stsenv_hook"
))
